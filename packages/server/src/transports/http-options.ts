// Options of the HTTP transport: the public shape, the defaults, and the checks that
// turn a bad value into an `invalid-option` error before anything is bound.

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Logger } from 'pino';
import type { AuthResult } from '../access/authenticator.js';
import type { Principal } from '../access/principal.js';
import { HttpTransportError, quote } from './http-errors.js';

export interface HttpTransportOptions {
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The one path served; default `/mcp`. */
  path?: string;
  /** A fresh low-level Server per session, serving the principal that opened it. */
  createServer: (principal: Principal) => Server;
  /** Who a request is, from its `Authorization` header; absent: every client is `anonymous`. */
  authenticate?: (authorization: string | undefined) => Promise<AuthResult>;
  /** The principal of every request when there is no `authenticate`. */
  anonymous?: Principal;
  /** The protected resource metadata (RFC 9728) to serve, when OAuth is configured. */
  resourceMetadata?: () => Record<string, unknown> | undefined;
  /** 0 when this client may make another request now, else milliseconds until it may. */
  limitRequest?: (principal: Principal) => number;
  /** Whether the client may call this tool at all: a refusal is a 403 `insufficient_scope`. */
  mayCall?: (
    principal: Principal,
    tool: string,
  ) => { allowed: true } | { allowed: false; reason: string; headers?: Record<string, string> };
  /** Told of every refused authentication and every request on another identity's session. */
  onRefused?: (event: {
    principal?: Principal;
    code: string;
    message: string;
    remote?: string;
  }) => void;
  /** Serve HTTPS (TLS 1.2 or later). */
  tls?: { cert: Buffer | string; key: Buffer | string; minVersion?: 'TLSv1.2' | 'TLSv1.3' };
  /**
   * Accepted `Host` values, case-insensitive: `name` (any port), `name:port`, `[v6]`,
   * `*.example.com` (subdomains, not the apex). Default: localhost, 127.0.0.1 and [::1],
   * bare or with the bound port.
   */
  allowedHosts?: readonly string[];
  /**
   * Accepted `Origin` values (`scheme://host[:port]`); a request without Origin is accepted.
   * Default: http://localhost, http://127.0.0.1 and http://[::1] on the bound port.
   */
  allowedOrigins?: readonly string[];
  /** Default 4 MiB; larger bodies get 413 before parsing. */
  maxBodyBytes?: number;
  /** Default 100; an `initialize` beyond it gets 503. */
  maxSessions?: number;
  /** Default 30 minutes without an open request or stream; the session is then closed. */
  sessionIdleMs?: number;
  logger: Logger;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  path: '/mcp',
  maxBodyBytes: 4 * 1024 * 1024,
  maxSessions: 100,
  sessionIdleMs: 30 * 60 * 1000,
} as const;

/** setTimeout's ceiling; a larger delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Optional =
  | 'allowedHosts'
  | 'allowedOrigins'
  | 'authenticate'
  | 'resourceMetadata'
  | 'limitRequest'
  | 'mayCall'
  | 'onRefused'
  | 'tls';

export type Settings = Required<Omit<HttpTransportOptions, Optional>> &
  Pick<HttpTransportOptions, Optional>;

const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', role: 'operator', via: 'anonymous' });

function invalid(message: string): HttpTransportError {
  return new HttpTransportError('invalid-option', message);
}

function positiveInteger(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`\`${name}\` must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

/** The options with defaults filled in, each checked; throws `HttpTransportError`. */
export function resolveOptions(options: HttpTransportOptions): Settings {
  const s: Settings = {
    ...options,
    anonymous: options.anonymous ?? ANONYMOUS,
    host: options.host ?? DEFAULTS.host,
    port: options.port ?? DEFAULTS.port,
    path: options.path ?? DEFAULTS.path,
    createServer: options.createServer,
    allowedHosts: options.allowedHosts,
    allowedOrigins: options.allowedOrigins,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    maxSessions: options.maxSessions ?? DEFAULTS.maxSessions,
    sessionIdleMs: options.sessionIdleMs ?? DEFAULTS.sessionIdleMs,
    logger: options.logger,
  };
  if (typeof s.createServer !== 'function') throw invalid('`createServer` must be a function');
  if (typeof s.host !== 'string' || s.host === '')
    throw invalid('`host` must be a non-empty string');
  if (!Number.isInteger(s.port) || s.port < 0 || s.port > 65535) {
    throw invalid(`\`port\` must be an integer from 0 to 65535, got ${String(s.port)}`);
  }
  if (!s.path.startsWith('/') || /[?#\s]/.test(s.path)) {
    throw invalid(
      `\`path\` must start with \`/\` and hold no query, fragment or space: ${quote(s.path)}`,
    );
  }
  positiveInteger('maxBodyBytes', s.maxBodyBytes, Number.MAX_SAFE_INTEGER);
  positiveInteger('maxSessions', s.maxSessions, Number.MAX_SAFE_INTEGER);
  positiveInteger('sessionIdleMs', s.sessionIdleMs, MAX_TIMER_MS);
  return s;
}
