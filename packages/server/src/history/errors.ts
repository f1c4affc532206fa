// Errors of the policy history, typed, each with a stable `code`.

export type HistoryErrorCode =
  | 'history-invalid'
  | 'history-not-found'
  | 'history-corrupt'
  | 'history-unavailable';

export class HistoryError extends Error {
  readonly code: HistoryErrorCode;
  constructor(code: HistoryErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Every code a `HistoryError` may carry. Pinned by a test; changing it is a breaking change. */
export const HISTORY_ERROR_CODES = Object.freeze([
  'history-invalid',
  'history-not-found',
  'history-corrupt',
  'history-unavailable',
] as const satisfies readonly HistoryErrorCode[]);
