// The Streamable HTTP transport (MCP 2025-11-25): one node:http (or https)
// server, one path, a session per `initialize`, bound to the identity that
// opened it. Host/Origin are checked before anything else is read, then who
// the client is (its bearer token), then its request rate.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  isInitializeRequest,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../access/principal.js';
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

const METADATA_PATH = '/.well-known/oauth-protected-resource';

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** The tool a single `tools/call` request names, else undefined. */
function toolCalled(message: unknown): string | undefined {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return undefined;
  const m = message as { method?: unknown; params?: { name?: unknown } };
  return m.method === 'tools/call' && typeof m.params?.name === 'string'
    ? m.params.name
    : undefined;
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
  const http: Server = settings.tls
    ? createTlsServer({
        cert: settings.tls.cert,
        key: settings.tls.key,
        minVersion: settings.tls.minVersion ?? 'TLSv1.2',
      })
    : createServer();
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

  /**
   * 404 for an id that is not (or no longer) a session: the client starts a
   * new one. A session of another identity is answered the same way, so an id
   * learned by someone else is worth nothing to them.
   */
  const lookup = (
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    principal: Principal,
  ): Session | undefined => {
    let session = sessions.get(id);
    if (session !== undefined && session.principal.id !== principal.id) {
      log.warn(
        { client: principal.id, owner: session.principal.id, remote: req.socket.remoteAddress },
        'refused a request on the session of another identity',
      );
      settings.onRefused?.({
        principal,
        code: 'session-of-another-identity',
        message: `a request on a session opened by ${session.principal.id}`,
        ...(req.socket.remoteAddress ? { remote: req.socket.remoteAddress } : {}),
      });
      session = undefined;
    }
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

  const handlePost = async (
    req: IncomingMessage,
    res: ServerResponse,
    principal: Principal,
  ): Promise<void> => {
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
      session = lookup(req, res, id, principal);
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
    // A tool the client's role may not call is a 403 `insufficient_scope`, so
    // an OAuth client can ask for a token with more scope.
    const call = toolCalled(message);
    if (call !== undefined && settings.mayCall) {
      const may = settings.mayCall(principal, call);
      if (!may.allowed) {
        settings.onRefused?.({ principal, code: 'insufficient-scope', message: may.reason });
        return refuse(req, res, 'insufficient-scope', may.reason, may.headers);
      }
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
    const fresh = await sessions.open(principal);
    try {
      await forward(fresh, req, res, message);
    } finally {
      // The SDK refused the initialize (a batch, a bad version header): nothing will use it.
      if (fresh.id === undefined) await sessions.close(fresh);
    }
  };

  /** GET (the server-to-client SSE stream) and DELETE (end the session) need a session. */
  const handleSessionRequest = async (
    req: IncomingMessage,
    res: ServerResponse,
    principal: Principal,
  ): Promise<void> => {
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
    const session = lookup(req, res, id, principal);
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
    // Public metadata: where to get a token (RFC 9728), at the root and path-suffixed.
    if (pathname === METADATA_PATH || pathname === `${METADATA_PATH}${settings.path}`) {
      const doc = settings.resourceMetadata?.();
      if (doc === undefined || (req.method !== 'GET' && req.method !== 'HEAD'))
        return refuse(
          req,
          res,
          'not-found',
          'this server publishes no protected resource metadata',
        );
      const body = JSON.stringify(doc);
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'Access-Control-Allow-Origin': '*',
        'Cache-Control': 'max-age=300',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (pathname !== settings.path) {
      return refuse(
        req,
        res,
        'not-found',
        `nothing is served at ${quote(pathname)}; the mcp endpoint is ${quote(settings.path)}`,
      );
    }
    let principal = settings.anonymous;
    if (settings.authenticate) {
      const auth = await settings.authenticate(header(req, 'authorization'));
      if (!auth.ok) {
        settings.onRefused?.({
          code: auth.code,
          message: auth.message,
          ...(req.socket.remoteAddress ? { remote: req.socket.remoteAddress } : {}),
        });
        return refuse(
          req,
          res,
          auth.status === 401 ? 'unauthorized' : 'insufficient-scope',
          auth.message,
          auth.headers,
        );
      }
      principal = auth.principal;
    }
    const wait = settings.limitRequest?.(principal) ?? 0;
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      settings.onRefused?.({ principal, code: 'rate-limited', message: `retry in ${seconds} s` });
      return refuse(
        req,
        res,
        'rate-limited',
        `too many requests from this client: its limit is per minute; retry in ${seconds} second${seconds === 1 ? '' : 's'}`,
        { 'Retry-After': String(seconds) },
      );
    }
    switch (req.method) {
      case 'POST':
        return handlePost(req, res, principal);
      case 'GET':
      case 'DELETE':
        return handleSessionRequest(req, res, principal);
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
  const url = `${settings.tls ? 'https' : 'http'}://${hostInUrl}:${port}${settings.path}`;
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
