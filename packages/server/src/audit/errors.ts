// Errors of the audit log, typed, each with a stable `code`.

export type AuditErrorCode =
  | 'audit-unavailable'
  | 'audit-corrupt'
  | 'audit-locked'
  | 'invalid-entry'
  | 'invalid-option'
  | 'invalid-key';

export class AuditError extends Error {
  readonly code: AuditErrorCode;
  constructor(code: AuditErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The log cannot be written (full disk, I/O error, a reader gone). Calls that
 * need a record must be refused: the log stays failed until it is opened again.
 */
export class AuditUnavailableError extends AuditError {
  constructor(
    readonly file: string,
    cause: unknown,
    what = 'cannot be written',
  ) {
    const e = cause as NodeJS.ErrnoException;
    const why = e?.code
      ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '')}`
      : String(e?.message ?? e);
    super(
      'audit-unavailable',
      `audit log \`${file}\` ${what} (${why}); calls are refused until the log can be written (free space or fix the file, then restart the server)`,
      { cause },
    );
  }
}

/** Every code an `AuditError` may carry. Pinned by a test; changing it is a breaking change. */
export const AUDIT_ERROR_CODES = Object.freeze([
  'audit-unavailable',
  'audit-corrupt',
  'audit-locked',
  'invalid-entry',
  'invalid-option',
  'invalid-key',
] as const satisfies readonly AuditErrorCode[]);
