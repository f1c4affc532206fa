// A guest cannot keep host files open past its call, nor open more than its
// limit at once: otherwise it could exhaust the server's descriptors, and
// every other tool with them.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeadlineError } from './errors.js';
import { WorkerPool } from './pool.js';
import { Sandbox } from './sandbox.js';
import { policy, tempDir, wat } from './testing.js';

const pool = new WorkerPool({ size: 2 });
after(() => pool.close());

const dir = tempDir();
writeFileSync(join(dir, 'f.txt'), 'x');

/**
 * Opens dir/f.txt (preopen fd 3) up to `times` times without closing, stops at
 * the first failure, then exits with the number opened; or, with `spin`,
 * loops forever instead of exiting.
 */
async function opener(times: number, spin = false): Promise<Uint8Array> {
  return wat(`(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "f.txt")
  (func (export "_start") (local $n i32)
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $n) (i32.const ${times})))
        (br_if $done (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 5)
          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 64)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $again)))
    ${spin ? '(loop $forever (br $forever))' : ''}
    (call $exit (local.get $n))))`);
}

function limits(extra = ''): ReturnType<typeof policy> {
  return policy(
    `version: "1.0"\nstorage:\n  allow:\n    - uri: "fs://${dir}"\n      access: [read]\nresources:\n  limits:\n    execution_time: "500ms"\n${extra}`,
  );
}

const PROC_FDS = '/proc/self/fd';
const openFds = () => readdirSync(PROC_FDS).length;

/** Wait until the process holds at most `n` descriptors (the pool closes a stopped worker's files when it exits). */
async function settlesAt(n: number): Promise<number> {
  for (let i = 0; i < 100 && openFds() >= n + 20; i++) await new Promise((r) => setTimeout(r, 20));
  return openFds();
}

describe('host files of a guest', { skip: !existsSync(PROC_FDS) && 'needs /proc' }, () => {
  for (const isolation of ['worker', 'inline'] as const) {
    it(`are closed when the call ends, even if the guest never closes them (${isolation})`, async () => {
      const sb = await Sandbox.create({
        id: 'opener',
        bytes: await opener(100),
        policy: limits(),
        pool,
        isolation,
      });
      assert.equal((await sb.run()).exitCode, 100);
      const before = openFds();
      for (let i = 0; i < 20; i++) assert.equal((await sb.run()).exitCode, 100);
      // 2000 files opened in all; none still held.
      assert.ok(openFds() <= before + 2, `${openFds()} descriptors open, ${before} before`);
    });
  }

  it('are at most 256 at once by default: the next open fails with EMFILE', async () => {
    const sb = await Sandbox.create({
      id: 'opener',
      bytes: await opener(1000),
      policy: limits(),
      pool,
    });
    assert.equal((await sb.run()).exitCode, 256);
  });

  it('are at most `resources.limits.open_files` at once', async () => {
    const sb = await Sandbox.create({
      id: 'opener',
      bytes: await opener(1000),
      policy: limits('    open_files: 10\n'),
      pool,
    });
    assert.equal((await sb.run()).exitCode, 10);
    // The limit is per call: the next call opens as many again.
    assert.equal((await sb.run()).exitCode, 10);
  });

  it('are closed when a worker is stopped at the deadline with files open', async () => {
    const sb = await Sandbox.create({
      id: 'spinner',
      bytes: await opener(200, true),
      policy: limits(),
      pool,
    });
    const before = openFds();
    for (let i = 0; i < 3; i++) await assert.rejects(sb.run(), DeadlineError);
    // Replacement workers have descriptors of their own (their event loops):
    // a few, not the 600 files the stopped ones held.
    const now = await settlesAt(before);
    assert.ok(now < before + 20, `${now} descriptors open, ${before} before`);
  });
});
