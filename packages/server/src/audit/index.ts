// The audit log: append, verify, keys. Imported by the server where it wires
// auditing in; not part of the package's public API.

export { AuditLog, type AuditLogOptions } from './audit-log.js';
export { GENESIS, LineMac, openLine, sealLine } from './chain.js';
export type { AuditClient, AuditDecision, AuditEntry, ClientVia } from './entry.js';
export { isAuditClient, sessionPrefix } from './entry.js';
export {
  AUDIT_ERROR_CODES,
  AuditError,
  type AuditErrorCode,
  AuditUnavailableError,
} from './errors.js';
export { createAuditKey, readAuditKey } from './key.js';
export {
  ARGUMENTS_MODES,
  type ArgumentsMode,
  redactArguments,
  redactDetails,
} from './redact.js';
export {
  type AuditFinding,
  type AuditFindingKind,
  type AuditReport,
  auditFilesOf,
  verifyAuditLog,
} from './verify.js';
