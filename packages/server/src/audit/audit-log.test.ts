import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../testing.js';
import { AuditLog } from './audit-log.js';
import type { AuditEntry } from './entry.js';
import { type AuditError, AuditUnavailableError } from './errors.js';
import { verifyAuditLog } from './verify.js';

const call = (i: number): AuditEntry => ({
  client: { id: 'alice', role: 'dev', via: 'token' },
  session: '6f1c2a9e-3b7d-4e21-9a0c-5d8e7f6a1b2c',
  action: 'tool-call',
  target: 'fs-tool/read_file',
  decision: i % 3 === 0 ? 'denied' : 'allowed',
  rule: 'roles/dev.yaml:4:7 /mcp/tools/allow/0',
  reason: 'tool `read_file` is allowed',
  durationMs: 1.23456,
  details: { arguments: { path: `/data/file-${i}.txt`, token: 'secret-value' } },
});

const records = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('AuditLog', () => {
  it('writes a start record, one line per append before it returns, and a stop record', () => {
    const file = join(tempDir(), 'audit', 'audit.log');
    const log = AuditLog.open({ file });
    assert.equal(records(file).length, 1, 'start is written by open');
    log.append(call(1));
    const lines = records(file);
    assert.equal(lines.length, 2, 'the line is in the file when append returns');
    const r = lines[1]!;
    assert.deepEqual(Object.keys(r), [
      'seq',
      'time',
      'client',
      'session',
      'action',
      'target',
      'decision',
      'rule',
      'reason',
      'durationMs',
      'details',
      'prev',
      'hash',
    ]);
    assert.equal(r.seq, 2);
    assert.equal(r.session, '6f1c2a9e', 'a prefix of the session id only');
    assert.equal(r.durationMs, 1.235);
    assert.deepEqual(r.details, { arguments: { path: '<string:16>', token: '<redacted>' } });
    assert.doesNotMatch(readFileSync(file, 'utf8'), /secret-value|file-1\.txt|5d8e7f6a1b2c/);
    log.close();
    const all = records(file);
    assert.deepEqual(
      all.map((x) => x.action),
      ['start', 'tool-call', 'stop'],
    );
    assert.equal(all[0]!.prev, '0'.repeat(64));
    assert.equal(all[1]!.prev, all[0]!.hash);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(log.healthy, false);
    assert.throws(() => log.append(call(2)), AuditUnavailableError);
  });

  it('keeps argument values when told to, and names only with `keys`', () => {
    const dir = tempDir();
    for (const [mode, want] of [
      ['include', { path: '/data/file-1.txt', token: '<redacted>' }],
      ['keys', ['path', 'token']],
    ] as const) {
      const file = join(dir, `${mode}.log`);
      const log = AuditLog.open({ file, arguments: mode });
      log.append(call(1));
      log.close();
      assert.deepEqual((records(file)[1]!.details as { arguments: unknown }).arguments, want);
    }
  });

  it('carries an HMAC when a key is set, and a wrong key does not verify', () => {
    const file = join(tempDir(), 'audit.log');
    const key = randomBytes(32);
    const log = AuditLog.open({ file, key });
    log.append(call(1));
    log.close();
    assert.ok(records(file).every((r) => typeof r.hmac === 'string'));
    assert.equal(verifyAuditLog([file], { key }).ok, true);
    const wrong = verifyAuditLog([file], { key: randomBytes(32) });
    assert.equal(wrong.ok, false);
    assert.deepEqual(
      wrong.problems.map((p) => [p.line, p.kind]),
      [
        [1, 'hmac'],
        [2, 'hmac'],
        [3, 'hmac'],
        [0, 'head'],
      ],
    );
  });

  it('goes on with the chain when opened again, and marks a run that did not close', () => {
    const file = join(tempDir(), 'audit.log');
    const a = AuditLog.open({ file });
    a.append(call(1));
    a.close();
    const b = AuditLog.open({ file });
    b.append(call(2));
    assert.equal(b.seq, 5);
    b.close();
    const c = AuditLog.open({ file });
    c.close();
    const all = records(file);
    assert.deepEqual(
      all.map((r) => r.seq),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual((all[3]!.details as { previous: string }).previous, 'closed');
    const report = verifyAuditLog([file]);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.deepEqual(report.notes, []);
  });

  it('rotates by size without breaking the chain and keeps `keep` rotated files', () => {
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    const log = AuditLog.open({ file, maxBytes: 4096, keep: 3 });
    for (let i = 0; i < 200; i++) log.append(call(i));
    log.close();
    const names = readdirSync(dir).sort();
    const rotated = names.filter((n) => /^audit\.log\.\d+$/.test(n));
    assert.equal(rotated.length, 3);
    for (const n of rotated) assert.ok(statSync(join(dir, n)).size <= 4096);
    for (const n of rotated) {
      const first = records(join(dir, n))[0]!;
      assert.equal(
        first.seq,
        Number(n.split('.').at(-1)),
        'a rotated file is named by its first seq',
      );
    }
    const report = verifyAuditLog([file]);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.files.length, 4, 'the live file finds its rotated predecessors');
    assert.deepEqual(
      report.notes.map((n) => n.kind),
      ['chain-start'],
      'older files were removed by rotation',
    );
    // The first record of each file carries the last hash of the one before.
    const files = report.files;
    for (let i = 1; i < files.length; i++)
      assert.equal(records(files[i]!)[0]!.prev, records(files[i - 1]!).at(-1)!.hash);
  });

  it('refuses a second writer of the same log', () => {
    const file = join(tempDir(), 'audit.log');
    const a = AuditLog.open({ file });
    assert.throws(
      () => AuditLog.open({ file }),
      (e: AuditError) =>
        e.code === 'audit-locked' && /give each server its own audit log/.test(e.message),
    );
    a.close();
    AuditLog.open({ file }).close();
  });

  it('drops a torn last line when opened, and says so in its start record', () => {
    const file = join(tempDir(), 'audit.log');
    const a = AuditLog.open({ file });
    a.append(call(1));
    a.close();
    writeFileSync(file, '{"seq":4,"time":"2026-01-0', { flag: 'a' });
    const torn = verifyAuditLog([file]);
    assert.equal(torn.ok, true);
    assert.deepEqual(
      torn.notes.map((n) => [n.line, n.kind]),
      [[4, 'torn-line']],
    );
    AuditLog.open({ file }).close();
    const all = records(file);
    assert.equal(all.length, 5);
    assert.deepEqual((all[3]!.details as { recovered: unknown }).recovered, { tornBytes: 26 });
    const report = verifyAuditLog([file]);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.notes.map((n) => [n.line, n.kind]),
      [[4, 'torn-line']],
    );
  });

  it('refuses to continue a log whose end is not a record', () => {
    const file = join(tempDir(), 'audit.log');
    writeFileSync(file, 'hello\n');
    assert.throws(
      () => AuditLog.open({ file }),
      (e: AuditError) =>
        e.code === 'audit-corrupt' &&
        /mcpkit audit verify/.test(e.message) &&
        /not an audit record/.test(e.message),
    );
    assert.ok(!existsSync(`${file}.lock`), 'a refused open leaves no lock');
  });

  it('refuses bad options and bad entries with typed errors', () => {
    const file = join(tempDir(), 'audit.log');
    for (const bad of [
      { file, maxBytes: 10 },
      { file, keep: -1 },
      { file, key: new Uint8Array(8) },
      { file, arguments: 'all' as 'include' },
    ])
      assert.throws(
        () => AuditLog.open(bad),
        (e: AuditError) => e.code === 'invalid-option',
      );
    const log = AuditLog.open({ file });
    assert.throws(
      () => log.append({ ...call(1), decision: 'maybe' as 'allowed' }),
      (e: AuditError) => e.code === 'invalid-entry',
    );
    assert.throws(
      () =>
        log.append({
          ...call(1),
          client: { id: 'x', role: 'y', via: 'carrier-pigeon' as 'stdio' },
        }),
      (e: AuditError) => e.code === 'invalid-entry',
    );
    assert.equal(log.healthy, true, "a bad entry is the caller's mistake, not a broken log");
    log.close();
  });

  it('keeps a record bounded when its details are huge', () => {
    const file = join(tempDir(), 'audit.log');
    const log = AuditLog.open({ file, arguments: 'include' });
    log.append({
      ...call(1),
      details: {
        arguments: Object.fromEntries(
          Array.from({ length: 60 }, (_, i) => [`a${i}`, Array(20).fill('x'.repeat(5000))]),
        ),
      },
    });
    log.close();
    const r = records(file)[1]!;
    assert.match(JSON.stringify(r.details), /details made the record \d+ bytes/);
    assert.equal(verifyAuditLog([file]).ok, true);
  });
});
