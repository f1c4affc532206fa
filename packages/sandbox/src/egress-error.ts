// Why an egress request failed, as a stable code the host maps to what the guest sees.

import type { Decision } from '@mcpkit/wasm-policy';

/** Every code an `EgressError` may carry. Pinned by a test; changing it is a breaking change. */
export const EGRESS_ERROR_CODES = Object.freeze([
  'denied',
  'invalid-request',
  'dns',
  'connect',
  'timeout',
  'too-large',
  'too-many-redirects',
  'aborted',
  'protocol',
  'limited',
] as const);

export type EgressErrorCode = (typeof EGRESS_ERROR_CODES)[number];

export interface EgressErrorOptions extends ErrorOptions {
  /** The policy decision that refused, for `denied`. */
  decision?: Decision;
}

export class EgressError extends Error {
  readonly code: EgressErrorCode;
  readonly decision?: Decision;
  /** The URL of the hop that failed (after redirects, the redirect target). */
  readonly url: string;

  constructor(code: EgressErrorCode, message: string, url: string, options?: EgressErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EgressError';
    this.code = code;
    this.url = url;
    if (options?.decision) this.decision = options.decision;
  }
}
