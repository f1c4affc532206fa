// A log that cannot be written fails closed: at open (a full device), and
// mid-way (a file past its size limit, a pipe whose reader went away), where
// every later append throws too.

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing.js';
import { AuditLog } from './audit-log.js';
import type { AuditEntry } from './entry.js';
import { AuditUnavailableError } from './errors.js';
import { verifyAuditLog } from './verify.js';

const CHILD = fileURLToPath(new URL('./append-child.js', import.meta.url));

const entry: AuditEntry = {
  client: { id: 'alice', role: 'dev', via: 'token' },
  action: 'tool-call',
  target: 'echo',
  decision: 'allowed',
};

describe('a log that cannot be written', () => {
  it('fails at open on a full device, saying why', () => {
    assert.throws(
      () => AuditLog.open({ file: '/dev/full' }),
      (e: AuditUnavailableError) =>
        e instanceof AuditUnavailableError &&
        e.code === 'audit-unavailable' &&
        /`\/dev\/full` cannot be written \(ENOSPC: no space left on device/.test(e.message) &&
        /calls are refused until the log can be written/.test(e.message),
    );
  });

  it('fails mid-way when the file reaches the size limit, and stays failed', () => {
    const file = join(tempDir(), 'audit.log');
    // 16 blocks of 512 bytes; SIGXFSZ ignored so the write fails with EFBIG.
    const r = spawnSync(
      'sh',
      [
        '-c',
        `trap '' XFSZ; ulimit -f 16; exec "$0" "$1" "$2"`,
        process.execPath,
        CHILD,
        JSON.stringify({ file }),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(last.failed, 'audit-unavailable');
    assert.match(last.message as string, /EFBIG/);
    assert.equal(last.healthy, false);
    assert.equal(last.again, 'audit-unavailable', 'an append after the failure throws too');
    assert.ok((last.written as number) > 10);
    // What was written verifies: the partial line was taken back.
    const report = verifyAuditLog([file]);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.deepEqual(
      report.notes.map((n) => n.kind),
      ['unclean-end'],
    );
    assert.ok(readFileSync(file, 'utf8').endsWith('\n'));
  });

  it('fails when the reader of a pipe goes away, and stays failed', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'audit.pipe');
    execFileSync('mkfifo', [fifo]);
    assert.throws(
      () => AuditLog.open({ file: fifo }),
      (e: AuditUnavailableError) => e.code === 'audit-unavailable' && /ENXIO/.test(e.message),
      'a pipe nobody reads is refused at open rather than waited on',
    );
    const reader: ChildProcess = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let got = '';
    reader.stdout!.on('data', (d: Buffer) => {
      got += d.toString();
    });
    // Opening for reading makes the probe succeed; wait until cat has the pipe open.
    let log: AuditLog | undefined;
    for (let i = 0; i < 200 && !log; i++) {
      try {
        log = AuditLog.open({ file: fifo });
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    assert.ok(log, 'opened once a reader is there');
    log.append(entry);
    while (!got.includes('"tool-call"')) await new Promise((r) => setTimeout(r, 10));
    assert.match(got, /"action":"start"/);
    const exited = new Promise((r) => reader.once('exit', r));
    reader.kill('SIGKILL');
    await exited;
    assert.throws(
      () => log.append(entry),
      (e: AuditUnavailableError) => e.code === 'audit-unavailable' && /EPIPE/.test(e.message),
    );
    assert.equal(log.healthy, false);
    assert.throws(() => log.append(entry), AuditUnavailableError);
    log.close();
  });
});
