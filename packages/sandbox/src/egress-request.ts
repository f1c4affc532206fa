// The guest's request checked and normalised before any policy decision or
// connection: URL shape, method, headers, body size; and how a redirect
// rewrites it.

import { formatBytes } from '@mcpkit/wasm-policy';
import { EgressError } from './egress-error.js';

export interface EgressRequest {
  url: string;
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string> | Array<[string, string]>;
  body?: Uint8Array | string;
}

/** What is sent on each hop; a redirect replaces it with a rewritten copy. */
export interface PreparedRequest {
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array | undefined;
}

// RFC 9110 token, for methods and header names.
export const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A value with CR, LF or NUL could smuggle a second header or request. */
export const BAD_HEADER_VALUE = /[\r\n\0]/;

/**
 * Headers a guest never sets: framing and connection management are the
 * egress service's, and the Host the server sees is the one the policy
 * decided. (Proxy-* would address a proxy this service never uses.)
 */
export const CONNECTION_HEADERS: readonly string[] = Object.freeze([
  'host',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

// undici writes these itself (and throws on some), so they are dropped.
const DROPPED = new Set([...CONNECTION_HEADERS, 'content-length']);

// Credentials meant for one origin must not follow a redirect to another (as fetch does).
const CROSS_ORIGIN_DROPPED = new Set(['authorization', 'cookie']);
// Headers describing a body that a method change to GET discards.
const BODY_HEADERS = new Set([
  'content-type',
  'content-encoding',
  'content-language',
  'content-location',
]);

/**
 * Parse a request or redirect URL. Only http(s); userinfo is refused because
 * credentials in a URL are easy to leak and let `a@b` read as host `a`.
 */
export function parseTarget(text: string, what = 'the URL'): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EgressError('invalid-request', `${what} \`${text}\` could not be parsed`, text);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EgressError(
      'invalid-request',
      `${what} \`${url.href}\` has scheme \`${url.protocol.slice(0, -1)}\`; only \`http\` and \`https\` are supported`,
      url.href,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new EgressError(
      'invalid-request',
      `${what} \`${url.origin}\` carries userinfo (\`user:password@\`), which is refused; send credentials in a header`,
      url.href,
    );
  }
  return url;
}

export function prepareRequest(request: EgressRequest, maxBytes: number): PreparedRequest {
  const url = request.url;
  const method = (request.method ?? 'GET').toUpperCase();
  if (!HTTP_TOKEN.test(method)) {
    throw new EgressError('invalid-request', `\`${method}\` is not a valid HTTP method`, url);
  }
  if (method === 'CONNECT') {
    // A tunnel would carry traffic the policy never sees.
    throw new EgressError('invalid-request', 'the `CONNECT` method is not supported', url);
  }
  const pairs = Array.isArray(request.headers)
    ? request.headers
    : Object.entries(request.headers ?? {});
  const headers: Array<readonly [string, string]> = [];
  for (const pair of pairs) {
    const [name, value] = pair;
    if (typeof name !== 'string' || !HTTP_TOKEN.test(name)) {
      throw new EgressError(
        'invalid-request',
        `\`${String(name)}\` is not a valid header name`,
        url,
      );
    }
    if (typeof value !== 'string' || BAD_HEADER_VALUE.test(value)) {
      throw new EgressError(
        'invalid-request',
        `the value of header \`${name}\` is not a string without CR, LF and NUL`,
        url,
      );
    }
    const lower = name.toLowerCase();
    if (DROPPED.has(lower) || lower.startsWith('proxy-')) continue;
    headers.push([name, value]);
  }
  let body: Uint8Array | undefined;
  if (typeof request.body === 'string') body = Buffer.from(request.body, 'utf8');
  else if (request.body instanceof Uint8Array) body = request.body;
  else if (request.body !== undefined) {
    throw new EgressError('invalid-request', 'the body must be a string or a Uint8Array', url);
  }
  if (body && body.byteLength > maxBytes) {
    throw new EgressError(
      'too-large',
      `the request body (${body.byteLength} bytes) exceeds the ${formatBytes(maxBytes)}B limit`,
      url,
    );
  }
  return { method, headers, body };
}

export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The request for the next hop, as browsers rewrite it. */
export function redirected(
  prev: PreparedRequest,
  status: number,
  from: URL,
  to: URL,
): PreparedRequest {
  const toGet =
    (status === 303 && prev.method !== 'GET' && prev.method !== 'HEAD') ||
    ((status === 301 || status === 302) && prev.method === 'POST');
  const crossOrigin = from.origin !== to.origin;
  if (!toGet && !crossOrigin) return prev;
  const headers = prev.headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !(crossOrigin && CROSS_ORIGIN_DROPPED.has(lower)) && !(toGet && BODY_HEADERS.has(lower));
  });
  return toGet
    ? { method: 'GET', headers, body: undefined }
    : { method: prev.method, headers, body: prev.body };
}
