// One HTTP exchange over a connection pinned to an address the policy already
// checked. The host name is never resolved again here, so a DNS answer that
// changes between the check and the connection (rebinding) cannot move it.

import type { LookupFunction } from 'node:net';
import { formatBytes } from '@mcpkit/wasm-policy';
import { buildConnector, Client, errors } from 'undici';
import { EgressError, type EgressErrorCode } from './egress-error.js';
import type { PreparedRequest } from './egress-request.js';

export interface Exchange {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Array<[string, string]>;
  /** The `Location` header; more than one is a list. */
  readonly location: string | readonly string[] | undefined;
  /** The whole body, refused as soon as it passes `max` bytes. */
  read(
    max: number,
    onProgress?: (received: number, total: number | undefined) => void,
  ): Promise<Uint8Array>;
  /** Drops the connection; safe to call more than once. */
  close(): Promise<void>;
}

export interface Destination {
  readonly url: URL;
  /** Canonical IP address the policy allowed. */
  readonly address: string;
  /** Host name for TLS SNI and certificate checks; undefined for an IP-literal URL. */
  readonly servername: string | undefined;
}

// Node skips `lookup` when the host is an IP, which it always is here. Should
// that ever change, failing beats resolving the name a second time.
const refuseLookup: LookupFunction = (hostname, _options, callback) => {
  const err = Object.assign(new Error(`refusing a second DNS lookup of \`${hostname}\``), {
    code: 'EPINNED',
  });
  (callback as (err: Error) => void)(err);
};

function pinnedConnector(
  dest: Destination,
  timeoutMs: number,
  ca: string | readonly string[] | undefined,
): buildConnector.connector {
  // rejectUnauthorized is left at its default (true): certificates are checked
  // against `servername`, the name the guest asked for, not the address.
  const connect = buildConnector({
    timeout: timeoutMs,
    lookup: refuseLookup,
    ...(ca === undefined ? {} : { ca: typeof ca === 'string' ? ca : [...ca] }),
  });
  return (options, callback) =>
    connect(
      {
        ...options,
        hostname: dest.address,
        ...(dest.servername === undefined ? {} : { servername: dest.servername }),
      },
      callback,
    );
}

export async function exchange(
  dest: Destination,
  request: PreparedRequest,
  signal: AbortSignal,
  timeoutMs: number,
  ca?: string | readonly string[],
): Promise<Exchange> {
  // One client per hop: a pooled connection could outlive the check that allowed it.
  const client = new Client(dest.url.origin, {
    connect: pinnedConnector(dest, timeoutMs, ca),
    // The service's own deadline covers headers and body.
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= client.destroy().catch(() => {});
    return closed;
  };
  try {
    const flat: string[] = [];
    for (const [name, value] of request.headers) flat.push(name, value);
    const res = await client.request({
      path: dest.url.pathname + dest.url.search,
      method: request.method,
      headers: flat,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal,
    });
    const headers: Array<[string, string]> = [];
    for (const [name, value] of Object.entries(res.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.push([name, v]);
      else if (value !== undefined) headers.push([name, value]);
    }
    return {
      status: res.statusCode,
      statusText: res.statusText,
      headers,
      location: res.headers['location'],
      close,
      async read(max, onProgress) {
        const declared = res.headers['content-length'];
        if (typeof declared === 'string' && Number(declared) > max) throw tooLarge(dest, max);
        const length = typeof declared === 'string' ? Number(declared) : Number.NaN;
        const expected = Number.isSafeInteger(length) ? length : undefined;
        const chunks: Uint8Array[] = [];
        let total = 0;
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          total += chunk.byteLength;
          if (total > max) throw tooLarge(dest, max);
          chunks.push(chunk);
          onProgress?.(total, expected);
        }
        // A fresh array, not Buffer.concat: small Buffers share a pool, and
        // the body's backing ArrayBuffer must hold nothing but the body.
        const body = new Uint8Array(total);
        let offset = 0;
        for (const c of chunks) {
          body.set(c, offset);
          offset += c.byteLength;
        }
        return body;
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function tooLarge(dest: Destination, max: number): EgressError {
  return new EgressError(
    'too-large',
    `the response from \`${dest.url.host}\` exceeds the ${formatBytes(max)}B limit`,
    dest.url.href,
  );
}

// Errors from the socket or TLS layer (errno codes, certificate failures) mean
// no usable connection; anything else went wrong inside the HTTP exchange.
const CONNECT_CODES =
  /^E[A-Z]+$|^ERR_(TLS|SSL)_|CERT|SELF_SIGNED|UNABLE_TO_|^UND_ERR_(SOCKET|CONNECT_TIMEOUT)$/;

/** An error from undici or the socket as an `EgressError` (aborts are mapped by the caller). */
export function classify(err: unknown, dest: Destination): EgressError {
  if (err instanceof EgressError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const text = err instanceof Error ? err.message : String(err);
  let kind: EgressErrorCode = 'protocol';
  if (err instanceof errors.ResponseExceededMaxSizeError) kind = 'too-large';
  else if (err instanceof errors.InvalidArgumentError || err instanceof errors.NotSupportedError)
    kind = 'invalid-request';
  else if (typeof code === 'string' && CONNECT_CODES.test(code)) kind = 'connect';
  const where = `\`${dest.url.host}\` (${dest.address})`;
  const message =
    kind === 'connect'
      ? `could not connect to ${where}: ${text}`
      : kind === 'invalid-request'
        ? `the request to ${where} was refused by the HTTP client: ${text}`
        : `the exchange with ${where} failed: ${text}`;
  return new EgressError(kind, message, dest.url.href, { cause: err });
}
