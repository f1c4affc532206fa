// What callers give the audit log, and the record fields made from it: the
// entry checked, strings bounded, the session cut to a prefix, details redacted.

import { AuditError } from './errors.js';
import { type ArgumentsMode, redactDetails } from './redact.js';

export type ClientVia = 'stdio' | 'token' | 'oauth' | 'anonymous';
export type AuditDecision = 'allowed' | 'denied' | 'failed';

export interface AuditClient {
  readonly id: string;
  readonly role: string;
  readonly via: ClientVia;
}

export interface AuditEntry {
  readonly client: AuditClient;
  /** A session id; only a prefix is logged (a session id is a capability). */
  readonly session?: string;
  /** `auth`, `tool-call`, `load`, `unload`, `grant`, `revoke`, `reset`, `rollback`, ... */
  readonly action: string;
  /** Tool name, component id, source URI... */
  readonly target?: string;
  readonly decision: AuditDecision;
  /** The rule that decided, e.g. `roles/dev.yaml:4:7 /mcp/tools/allow/0`. */
  readonly rule?: string;
  readonly reason?: string;
  readonly durationMs?: number;
  /** Extra fields; `arguments` is shaped by the log's arguments mode, secrets are redacted. */
  readonly details?: Readonly<Record<string, unknown>>;
}

const VIA: ReadonlySet<string> = new Set(['stdio', 'token', 'oauth', 'anonymous']);
/** Whether `c` has the shape of an AuditClient (a string id and role, a known `via`). */
export function isAuditClient(c: unknown): c is AuditClient {
  const x = c as Partial<AuditClient> | undefined;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.id === 'string' &&
    typeof x.role === 'string' &&
    VIA.has(x.via as string)
  );
}

const DECISION: ReadonlySet<string> = new Set(['allowed', 'denied', 'failed']);

const SESSION_PREFIX = 8;

/** The part of a session id that is logged: enough to tell sessions apart, too little to use. */
export function sessionPrefix(session: string): string {
  return session.slice(0, Math.min(SESSION_PREFIX, Math.floor(session.length / 3)));
}

function bounded(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function invalid(what: string): never {
  throw new AuditError('invalid-entry', `audit entry: ${what}`);
}

/** The record fields for one entry, in the order they appear in the line. */
export function recordFields(
  seq: number,
  time: string,
  entry: AuditEntry,
  mode: ArgumentsMode,
): Record<string, unknown> {
  const c = entry.client;
  if (!isAuditClient(c))
    invalid('`client` needs `id`, `role` and `via` (stdio, token, oauth or anonymous)');
  if (typeof entry.action !== 'string' || entry.action.length === 0)
    invalid('`action` must be a non-empty string');
  if (!DECISION.has(entry.decision)) invalid('`decision` must be `allowed`, `denied` or `failed`');
  const fields: Record<string, unknown> = {
    seq,
    time,
    client: { id: bounded(c.id, 256), role: bounded(c.role, 128), via: c.via },
  };
  if (entry.session !== undefined) fields.session = sessionPrefix(String(entry.session));
  fields.action = bounded(entry.action, 64);
  if (entry.target !== undefined) fields.target = bounded(String(entry.target), 1024);
  fields.decision = entry.decision;
  if (entry.rule !== undefined) fields.rule = bounded(String(entry.rule), 1024);
  if (entry.reason !== undefined) fields.reason = bounded(String(entry.reason), 2048);
  if (entry.durationMs !== undefined && Number.isFinite(entry.durationMs))
    fields.durationMs = Math.round(entry.durationMs * 1000) / 1000;
  if (entry.details !== undefined) fields.details = redactDetails(entry.details, mode);
  return fields;
}
