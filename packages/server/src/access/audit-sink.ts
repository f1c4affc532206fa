// What the server needs of an audit log: a synchronous append that throws
// when the record cannot be written (the server then refuses calls), and
// whether it can still write.

import type { Via } from './principal.js';

export interface AuditRecordInput {
  client: { id: string; role: string; via: Via };
  session?: string;
  action: string;
  target?: string;
  decision: 'allowed' | 'denied' | 'failed';
  rule?: string;
  reason?: string;
  durationMs?: number;
  details?: Record<string, unknown>;
}

export interface AuditSink {
  append(entry: AuditRecordInput): void;
  readonly healthy: boolean;
}
