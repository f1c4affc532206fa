// The Streamable HTTP transport (MCP 2025-11-25): one node:http server, one path,
// a session per `initialize`. Host/Origin are checked before anything else is read.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  isInitializeRequest,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import { declaredTooLarge, discardRemainingBody, readBody } from './http-body.js';
import { type HttpRejectionCode, quote, rejectionStatus, sendRejection } from './http-errors.js';
import { compileGuard, type RequestGuard } from './http-guard.js';
import { type HttpTransportOptions, resolveOptions } from './http-options.js';
import {
  accepts,
  answerClientError,
  header,
  isJsonContentType,
  requestPath,
} from './http-request.js';
import { type Session, SessionTable } from './http-sessions.js';

export {
  HTTP_REJECTION_CODES,
  type HttpRejectionCode,
  HttpTransportError,
  type HttpTransportErrorCode,
} from './http-errors.js';
export type { HttpTransportOptions } from './http-options.js';

/** How long close() lets in-flight responses finish before cutting their sockets. */
const CLOSE_GRACE_MS = 500;
const ALLOW = 'GET, POST, DELETE';

export interface HttpTransportHandle {
  /** The endpoint, e.g. `http://127.0.0.1:39123/mcp`. */
  readonly url: string;
  readonly port: number;
  /** Initialised sessions now open. */
  sessions(): number;
  /** Stops accepting, closes every session and its streams, then the server. Idempotent. */
  close(): Promise<void>;
}

function listen(
  server: ReturnType<typeof createServer>,
  host: string,
  port: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export async function startHttpTransport(
  options: HttpTransportOptions,
): Promise<HttpTransportHandle> {
  const settings = resolveOptions(options);
  const log = settings.logger.child({ transport: 'http' });
  const sessions = new SessionTable({
    createServer: settings.createServer,
    maxSessions: settings.maxSessions,
    idleMs: settings.sessionIdleMs,
    log,
  });
  const http = createServer();
  await listen(http, settings.host, settings.port);
  const port = (http.address() as AddressInfo).port;

  let guard: RequestGuard;
  try {
    guard = compileGuard(settings.allowedHosts, settings.allowedOrigins, port);
  } catch (err) {
    await new Promise<void>((resolve) => http.close(() => resolve()));
    throw err;
  }

  let closing: Promise<void> | undefined;

  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    code: HttpRejectionCode,
    message: string,
    headers?: Record<string, string>,
  ): void => {
    log.debug({ method: req.method, url: req.url, status: rejectionStatus(code), code }, message);
    sendRejection(res, code, message, headers);
    discardRemainingBody(req);
  };

  /** 404 for an id that is not (or no longer) a session: the client starts a new one. */
  const lookup = (req: IncomingMessage, res: ServerResponse, id: string): Session | undefined => {
    const session = sessions.get(id);
    if (session === undefined) {
      refuse(
        req,
        res,
        'session-not-found',
        `session ${quote(id)} does not exist (it ended, expired or the server restarted); send \`initialize\` to start a new one`,
      );
    }
    return session;
  };

  const protocolVersionOk = (req: IncomingMessage, res: ServerResponse): boolean => {
    const version = header(req, 'mcp-protocol-version');
    if (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return true;
    refuse(
      req,
      res,
      'unsupported-protocol-version',
      `protocol version ${quote(version)} is not supported; supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
    );
    return false;
  };

  const forward = async (
    session: Session,
    req: IncomingMessage,
    res: ServerResponse,
    body?: unknown,
  ): Promise<void> => {
    sessions.track(session, res);
    await session.transport.handleRequest(req, res, body);
  };

  const handlePost = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const max = settings.maxBodyBytes;
    const tooLarge = `the request body exceeds the limit of ${max} bytes`;
    if (declaredTooLarge(req, max)) return refuse(req, res, 'body-too-large', tooLarge);
    if (!isJsonContentType(header(req, 'content-type'))) {
      return refuse(
        req,
        res,
        'unsupported-media-type',
        'the `Content-Type` must be `application/json`',
      );
    }
    if (!accepts(req, 'application/json', 'text/event-stream')) {
      return refuse(
        req,
        res,
        'not-acceptable',
        'the `Accept` header must list both `application/json` and `text/event-stream`',
      );
    }
    const id = header(req, 'mcp-session-id');
    let session: Session | undefined;
    if (id !== undefined) {
      session = lookup(req, res, id);
      if (session === undefined || !protocolVersionOk(req, res)) return;
    }
    const body = await readBody(req, max);
    if (body.kind === 'aborted') return;
    if (body.kind === 'too-large') return refuse(req, res, 'body-too-large', tooLarge);
    let message: unknown;
    try {
      message = JSON.parse(body.text);
    } catch {
      return refuse(req, res, 'parse-error', 'the request body is not valid json');
    }
    if (session !== undefined) return forward(session, req, res, message);

    const initialize = Array.isArray(message)
      ? message.some((m) => isInitializeRequest(m))
      : isInitializeRequest(message);
    if (!initialize) {
      return refuse(
        req,
        res,
        'session-required',
        'the `Mcp-Session-Id` header is missing; send `initialize` first to start a session',
      );
    }
    if (!sessions.hasRoom()) {
      log.warn({ maxSessions: settings.maxSessions }, 'session limit reached; refusing initialize');
      return refuse(
        req,
        res,
        'too-many-sessions',
        `the server is at its limit of ${settings.maxSessions} open sessions; try again later`,
        { 'Retry-After': '30' },
      );
    }
    const fresh = await sessions.open();
    try {
      await forward(fresh, req, res, message);
    } finally {
      // The SDK refused the initialize (a batch, a bad version header): nothing will use it.
      if (fresh.id === undefined) await sessions.close(fresh);
    }
  };

  /** GET (the server-to-client SSE stream) and DELETE (end the session) need a session. */
  const handleSessionRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const get = req.method === 'GET';
    if (get && !accepts(req, 'text/event-stream')) {
      return refuse(
        req,
        res,
        'not-acceptable',
        'the `Accept` header must list `text/event-stream`',
      );
    }
    const id = header(req, 'mcp-session-id');
    if (id === undefined) {
      return refuse(
        req,
        res,
        'session-required',
        `the \`Mcp-Session-Id\` header is missing; ${get ? 'a GET stream' : 'DELETE'} needs the id of an initialized session`,
      );
    }
    const session = lookup(req, res, id);
    if (session === undefined || !protocolVersionOk(req, res)) return;
    await forward(session, req, res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (closing !== undefined) {
      return refuse(req, res, 'shutting-down', 'the server is shutting down', {
        Connection: 'close',
      });
    }
    // DNS-rebinding defence comes first: nothing else about the request is looked at before it.
    const host = guard.checkHost(header(req, 'host'));
    if (!host.allowed) {
      log.warn({ host: req.headers.host, remote: req.socket.remoteAddress }, 'refused host');
      const fix =
        host.suggestion === undefined
          ? 'send the host name the server is reached by'
          : `to accept it, start the server with \`--allowed-host ${host.suggestion}\``;
      return refuse(req, res, 'host-not-allowed', `${host.reason}; ${fix}`);
    }
    const origin = guard.checkOrigin(header(req, 'origin'));
    if (!origin.allowed) {
      log.warn({ origin: req.headers.origin, remote: req.socket.remoteAddress }, 'refused origin');
      return refuse(
        req,
        res,
        'origin-not-allowed',
        `${origin.reason}; to accept it, start the server with \`--allowed-origin ${origin.suggestion ?? ''}\``,
      );
    }
    const pathname = requestPath(req);
    if (pathname !== settings.path) {
      return refuse(
        req,
        res,
        'not-found',
        `nothing is served at ${quote(pathname)}; the mcp endpoint is ${quote(settings.path)}`,
      );
    }
    switch (req.method) {
      case 'POST':
        return handlePost(req, res);
      case 'GET':
      case 'DELETE':
        return handleSessionRequest(req, res);
      default:
        return refuse(
          req,
          res,
          'method-not-allowed',
          `method ${quote(req.method ?? '')} is not allowed; use ${ALLOW}`,
          { Allow: ALLOW },
        );
    }
  };

  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, method: req.method, url: req.url }, 'request failed');
      if (res.headersSent) res.destroy();
      else refuse(req, res, 'internal-error', 'the server failed to handle the request');
    });
  });

  // Malformed HTTP never reaches 'request'; answer it in the same JSON-RPC shape.
  http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.debug({ err }, 'malformed http request');
    answerClientError(err, socket);
  });

  const shutdown = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    await sessions.closeAll();
    http.closeIdleConnections();
    const cut = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS);
    try {
      await stopped;
    } finally {
      clearTimeout(cut);
    }
    log.info('http transport closed');
  };

  const hostInUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${hostInUrl}:${port}${settings.path}`;
  log.info({ url, maxSessions: settings.maxSessions }, 'http transport listening');

  return Object.freeze({
    url,
    port,
    sessions: () => sessions.size,
    close: () => {
      closing ??= shutdown();
      return closing;
    },
  });
}
