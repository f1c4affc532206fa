// Why fetching a component from a source failed, as a stable code. Messages
// name the source and what to do; they never carry credentials or the bytes
// of what was fetched.

/** Every code a `SourceError` may carry. Pinned by a test. */
export const SOURCE_ERROR_CODES = Object.freeze([
  'invalid-source',
  'not-found',
  'unreadable',
  'digest-mismatch',
  'too-large',
  'denied',
  'timeout',
  'fetch-failed',
  'auth-failed',
  'bad-manifest',
  'no-wasm-layer',
  'limit-exceeded',
  'push-failed',
] as const);

export type SourceErrorCode = (typeof SOURCE_ERROR_CODES)[number];

export class SourceError extends Error {
  readonly code: SourceErrorCode;
  readonly help: string | undefined;

  constructor(code: SourceErrorCode, message: string, help?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SourceError';
    this.code = code;
    this.help = help;
  }

  /** Message and help in one line, as a tool result or the CLI shows it. */
  get full(): string {
    return this.help ? `${this.message}; ${this.help}` : this.message;
  }
}
