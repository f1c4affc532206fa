// Why an outgoing request failed, as the wasi:http `error-code` the guest
// sees: every egress failure has one, so the guest never meets a host exception.

import { EGRESS_ERROR_CODES, EgressError, type EgressErrorCode } from '../egress-error.js';

export type HttpErrorCode =
  | { tag: 'DNS-timeout' }
  | { tag: 'DNS-error'; val: { rcode: string | undefined; infoCode: number | undefined } }
  | { tag: 'destination-not-found' }
  | { tag: 'destination-unavailable' }
  | { tag: 'destination-IP-prohibited' }
  | { tag: 'destination-IP-unroutable' }
  | { tag: 'connection-refused' }
  | { tag: 'connection-terminated' }
  | { tag: 'connection-timeout' }
  | { tag: 'connection-read-timeout' }
  | { tag: 'connection-write-timeout' }
  | { tag: 'connection-limit-reached' }
  | { tag: 'TLS-protocol-error' }
  | { tag: 'TLS-certificate-error' }
  | { tag: 'HTTP-request-denied' }
  | { tag: 'HTTP-request-length-required' }
  | { tag: 'HTTP-request-body-size'; val: bigint | undefined }
  | { tag: 'HTTP-request-method-invalid' }
  | { tag: 'HTTP-request-URI-invalid' }
  | { tag: 'HTTP-request-URI-too-long' }
  | { tag: 'HTTP-response-incomplete' }
  | { tag: 'HTTP-response-body-size'; val: bigint | undefined }
  | { tag: 'HTTP-response-timeout' }
  | { tag: 'HTTP-protocol-error' }
  | { tag: 'loop-detected' }
  | { tag: 'configuration-error' }
  | { tag: 'internal-error'; val: string | undefined };

const BY_EGRESS: Record<EgressErrorCode, () => HttpErrorCode> = {
  denied: () => ({ tag: 'HTTP-request-denied' }),
  'invalid-request': () => ({ tag: 'HTTP-request-URI-invalid' }),
  dns: () => ({ tag: 'DNS-error', val: { rcode: undefined, infoCode: undefined } }),
  connect: () => ({ tag: 'connection-refused' }),
  timeout: () => ({ tag: 'connection-timeout' }),
  // The request body is capped before it reaches the egress service (see
  // MAX_REQUEST_BODY), so what is too large here is the response.
  'too-large': () => ({ tag: 'HTTP-response-body-size', val: undefined }),
  'too-many-redirects': () => ({ tag: 'loop-detected' }),
  aborted: () => ({ tag: 'connection-terminated' }),
  protocol: () => ({ tag: 'HTTP-protocol-error' }),
  // A policy limit refused it: as the policy refusing it, for the guest.
  limited: () => ({ tag: 'HTTP-request-denied' }),
};

function egressCodeOf(error: unknown): EgressErrorCode | undefined {
  if (error instanceof EgressError) return error.code;
  // An error that crossed a thread boundary keeps its name and code, not its class.
  const e = error as { name?: unknown; code?: unknown } | null;
  if (
    typeof e === 'object' &&
    e !== null &&
    e.name === 'EgressError' &&
    (EGRESS_ERROR_CODES as readonly unknown[]).includes(e.code)
  ) {
    return e.code as EgressErrorCode;
  }
  return undefined;
}

/** The wasi:http error for a failed egress request; anything unknown is an internal error. */
export function httpErrorOf(error: unknown): HttpErrorCode {
  const code = egressCodeOf(error);
  if (code !== undefined) return BY_EGRESS[code]();
  return { tag: 'internal-error', val: 'the request failed in the host' };
}
