// kill -9 during a burst of appends, again and again on one log (rotating as
// it goes): every run's end is an unclean end, none is tampering, and the log
// verifies.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PolicyHistory } from '../history/policy-history.js';
import { tempDir } from '../testing.js';
import { AuditLog } from './audit-log.js';
import { verifyAuditLog } from './verify.js';

const CHILD = fileURLToPath(new URL('./append-child.js', import.meta.url));

/** Run the child until it has reported `reports` progress lines, then SIGKILL it. */
async function burstAndKill(options: object, reports: number): Promise<void> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  let seen = 0;
  for await (const _ of createInterface({ input: child.stdout! })) {
    if (++seen >= reports) break;
  }
  // Land somewhere inside a write, not just after a progress line.
  await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
  child.kill('SIGKILL');
  await exited;
}

it('a log killed during bursts of appends verifies, with each crash noted', async () => {
  const file = join(tempDir(), 'audit.log');
  const runs = 6;
  for (let i = 0; i < runs; i++)
    await burstAndKill({ file, maxBytes: 64 * 1024, keep: 10_000 }, 3 + i);
  const report = verifyAuditLog([file]);
  assert.equal(report.ok, true, JSON.stringify(report.problems, null, 1));
  assert.ok(report.files.length > 1, 'the bursts rotated the log');
  assert.ok(report.records > 1000);
  assert.equal(
    report.notes.filter((n) => n.kind === 'unclean-end').length,
    runs,
    JSON.stringify(report.notes),
  );
  // And the server can go on writing it.
  const log = AuditLog.open({ file, maxBytes: 64 * 1024, keep: 10_000 });
  log.close();
  const after = verifyAuditLog([file]);
  assert.equal(after.ok, true, JSON.stringify(after.problems));
});

it('a policy history killed during a burst of changes verifies and goes on', async () => {
  const dataDir = tempDir();
  for (let i = 0; i < 3; i++) await burstAndKill({ file: '', history: dataDir }, 3);
  const history = new PolicyHistory(dataDir);
  const report = await history.verify();
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  const before = (await history.list('burst')).length;
  assert.ok(before > 40);
  const { version } = await history.record({
    component: 'burst',
    kind: 'grants',
    by: { id: 'alice', role: 'admin', via: 'token' },
    action: 'reset',
  });
  assert.equal(version, before + 1);
  assert.equal((await history.verify()).ok, true);
});
