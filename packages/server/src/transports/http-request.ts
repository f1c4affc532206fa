// Small readers of an incoming request's headers and target, and the answer to
// HTTP that is too malformed to become a request at all.

import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { rejectionBody } from './http-errors.js';

/** A header's first value; an empty value counts as absent. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === '' ? undefined : first;
}

/** The media type without parameters; a comma means joined duplicate headers, which is refused. */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined || value.includes(',')) return false;
  return (value.split(';', 1)[0] ?? '').trim().toLowerCase() === 'application/json';
}

/** Whether `Accept` lists every one of `types` (a plain listing check, as the SDK makes). */
export function accepts(req: IncomingMessage, ...types: string[]): boolean {
  const accept = header(req, 'accept') ?? '';
  return types.every((type) => accept.includes(type));
}

/** The request target without its query; an absolute-form target is left whole (and so unmatched). */
export function requestPath(req: IncomingMessage): string {
  const target = req.url ?? '';
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

const CLIENT_ERROR_STATUS: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/** For node:http's `clientError`: a JSON-RPC body even when no request could be parsed. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? 400;
  const body = rejectionBody('bad-http-request', 'the http request is malformed or incomplete');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
