// Which transports the server offers and what the HTTP transport accepts,
// with the defaults for what the document leaves out.

import type { TransportSection } from './model.js';

export interface HttpTransport {
  /** Accepted `Host` headers; empty: the server's defaults. */
  readonly allowedHosts: readonly string[];
  /** Accepted `Origin` headers; empty: the server's defaults. */
  readonly allowedOrigins: readonly string[];
}

export interface TransportPolicy {
  readonly stdio: boolean;
  /** `false`: no HTTP transport. */
  readonly http: HttpTransport | false;
}

const EMPTY: readonly string[] = Object.freeze([]);

export function compileTransport(section: TransportSection | undefined): TransportPolicy {
  const http = section?.http;
  return Object.freeze({
    stdio: section?.stdio ?? true,
    http:
      http === false
        ? false
        : Object.freeze({
            allowedHosts: Object.freeze([...(http?.allowedHosts ?? EMPTY)]),
            allowedOrigins: Object.freeze([...(http?.allowedOrigins ?? EMPTY)]),
          }),
  });
}
