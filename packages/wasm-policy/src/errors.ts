// Runtime errors of wasm-policy: typed, each with a stable `code`.
// User input never throws (it gets diagnostics); these are API misuse.

export class PolicyError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An extension with this id is already registered. */
export class DuplicateExtensionError extends PolicyError {
  constructor(readonly extensionId: string) {
    super('duplicate-extension', `an extension with id \`${extensionId}\` is already registered`);
  }
}

/** The extension object is malformed (bad id, reserved id, missing functions). */
export class InvalidExtensionError extends PolicyError {
  constructor(message: string) {
    super('invalid-extension', message);
  }
}

/** A document with errors was given where a valid one is required. */
export class InvalidPolicyError extends PolicyError {
  constructor(
    message: string,
    readonly diagnostics: readonly import('./diagnostics.js').Diagnostic[] = [],
  ) {
    super('invalid-policy', message);
  }
}

/** Every code a `PolicyError` may carry. Pinned by a test; changing it is a breaking change. */
export const POLICY_ERROR_CODES = Object.freeze([
  'duplicate-extension',
  'invalid-extension',
  'invalid-policy',
] as const);
