// A program the crash and full-disk tests run as a child process: it opens an
// audit log (or a policy history) and appends in a burst, printing progress,
// until it is killed, reaches its count, or the log fails.

import { AuditLog } from './audit-log.js';
import type { AuditEntry } from './entry.js';
import type { AuditError } from './errors.js';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  file: string;
  count?: number;
  maxBytes?: number;
  keep?: number;
  history?: string;
};
const entry: AuditEntry = {
  client: { id: 'burst', role: 'admin', via: 'token' },
  action: 'grant',
  target: 'fs-tool',
  decision: 'allowed',
  details: { uri: 'fs:///data/**', access: ['read', 'write'] },
};
const say = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);

if (o.history !== undefined) {
  const { PolicyHistory } = await import('../history/policy-history.js');
  const history = new PolicyHistory(o.history);
  say({ ready: true });
  for (let i = 0; i < (o.count ?? Number.POSITIVE_INFINITY); i++) {
    const { version } = await history.record({
      component: 'burst',
      kind: 'grants',
      by: entry.client,
      action: 'grant',
      before: `grants ${i}`,
      after: `grants ${i + 1}`,
    });
    if (version % 20 === 0) say({ version });
  }
} else {
  let log: AuditLog;
  try {
    log = AuditLog.open({
      file: o.file,
      ...(o.maxBytes ? { maxBytes: o.maxBytes } : {}),
      ...(o.keep !== undefined ? { keep: o.keep } : {}),
    });
  } catch (e) {
    say({ open: (e as AuditError).code, message: (e as Error).message });
    process.exit(0);
  }
  say({ ready: true });
  const count = o.count ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    try {
      log.append(entry);
    } catch (e) {
      let again: string | undefined;
      try {
        log.append(entry);
      } catch (e2) {
        again = (e2 as AuditError).code;
      }
      say({
        failed: (e as AuditError).code,
        message: (e as Error).message,
        healthy: log.healthy,
        again,
        written: i,
      });
      log.close();
      process.exit(0);
    }
    if (i % 200 === 0) say({ seq: log.seq });
  }
  log.close();
  say({ done: log.seq });
}
