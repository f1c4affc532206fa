// The policy history: record, list, verify, roll back. Imported by the server
// where it wires history in; not part of the package's public API.

export { HISTORY_ERROR_CODES, HistoryError, type HistoryErrorCode } from './errors.js';
export {
  type HistoryFinding,
  type HistoryFindingKind,
  type HistoryReport,
  verifyHistory,
} from './history-verify.js';
export {
  type HistoryChange,
  type HistoryEntry,
  type HistoryKind,
  PolicyHistory,
} from './policy-history.js';
export { type RollbackResult, rollbackGrants } from './rollback.js';
