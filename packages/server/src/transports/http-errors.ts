// Every way the HTTP transport refuses a request, mapped in one place to an HTTP
// status and a JSON-RPC error code, and written as a JSON-RPC error body.

import type { ServerResponse } from 'node:http';

/** Why a request was refused; carried as `error.data.reason` in the body. Pinned by a test. */
export const HTTP_REJECTION_CODES = Object.freeze([
  'host-not-allowed',
  'origin-not-allowed',
  'not-found',
  'method-not-allowed',
  'body-too-large',
  'unsupported-media-type',
  'not-acceptable',
  'parse-error',
  'unsupported-protocol-version',
  'session-required',
  'session-not-found',
  'too-many-sessions',
  'unauthorized',
  'insufficient-scope',
  'rate-limited',
  'shutting-down',
  'bad-http-request',
  'internal-error',
] as const);

export type HttpRejectionCode = (typeof HTTP_REJECTION_CODES)[number];

interface Mapping {
  readonly status: number;
  readonly rpc: number;
}

// -32000..-32099 are implementation-defined server errors; -32001 is what the SDK
// uses for an unknown session, kept so clients see the same code either way.
const MAPPING: Readonly<Record<HttpRejectionCode, Mapping>> = Object.freeze({
  'host-not-allowed': { status: 403, rpc: -32000 },
  'origin-not-allowed': { status: 403, rpc: -32000 },
  'not-found': { status: 404, rpc: -32000 },
  'method-not-allowed': { status: 405, rpc: -32000 },
  'body-too-large': { status: 413, rpc: -32000 },
  'unsupported-media-type': { status: 415, rpc: -32000 },
  'not-acceptable': { status: 406, rpc: -32000 },
  'parse-error': { status: 400, rpc: -32700 },
  'unsupported-protocol-version': { status: 400, rpc: -32000 },
  'session-required': { status: 400, rpc: -32000 },
  'session-not-found': { status: 404, rpc: -32001 },
  'too-many-sessions': { status: 503, rpc: -32000 },
  unauthorized: { status: 401, rpc: -32000 },
  'insufficient-scope': { status: 403, rpc: -32000 },
  'rate-limited': { status: 429, rpc: -32000 },
  'shutting-down': { status: 503, rpc: -32000 },
  'bad-http-request': { status: 400, rpc: -32600 },
  'internal-error': { status: 500, rpc: -32603 },
});

export function rejectionStatus(code: HttpRejectionCode): number {
  return MAPPING[code].status;
}

/** The JSON-RPC error body for a refusal; `id` is null because no request was read. */
export function rejectionBody(code: HttpRejectionCode, message: string): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    error: { code: MAPPING[code].rpc, message, data: { reason: code } },
    id: null,
  });
}

export function sendRejection(
  res: ServerResponse,
  code: HttpRejectionCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = rejectionBody(code, message);
  res.writeHead(MAPPING[code].status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** Echoes a client-supplied value into a message: backticked and bounded in length. */
export function quote(value: string): string {
  const short = value.length > 120 ? `${value.slice(0, 120)}…` : value;
  return '`' + short.replaceAll('`', "'") + '`';
}

export type HttpTransportErrorCode = 'invalid-option';

/** A configuration mistake found when the transport starts. */
export class HttpTransportError extends Error {
  readonly code: HttpTransportErrorCode;
  constructor(code: HttpTransportErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}
