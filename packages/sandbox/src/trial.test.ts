// Trial runs on the calling thread: a call they settle gives the result a
// worker would; a call they cannot settle runs in a worker with nothing of
// the trial left behind (no doubled writes); instances made as new again
// carry nothing from one call to the next.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { DeadlineError, StackOverflowError } from './errors.js';
import { WorkerPool } from './pool.js';
import { Sandbox } from './sandbox.js';
import { guest, policy, run, storagePolicy, tempDir, wat } from './testing.js';

const pool = new WorkerPool({ size: 2 });
after(() => pool.close());
const decoder = new TextDecoder();

async function box(bytes: Uint8Array, yaml = 'version: "1.0"\n', trial = true) {
  return Sandbox.create({ id: 'trial', bytes, policy: policy(yaml), pool, trial });
}

/** A WASI command that prints its mutable global and a memory cell, after adding 1 to each. */
const COUNTER = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 100) "0 0\\n")
  (func (export "_start")
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store8 (i32.const 100) (i32.add (i32.load8_u (i32.const 100)) (global.get $g)))
    (i32.store8 (i32.const 102) (i32.add (i32.load8_u (i32.const 102)) (i32.const 1)))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

describe('trial runs', () => {
  it('are on for WASI-only modules and say why not otherwise', async () => {
    assert.deepEqual((await box(guest('fsops-c'))).trial, { enabled: true });
    assert.match((await box(guest('fsops-c'), undefined, false)).trial.reason ?? '', /turned off/);
    const inline = await Sandbox.create({
      id: 'x',
      bytes: guest('fsops-c'),
      policy: policy('version: "1.0"\n'),
      isolation: 'inline',
    });
    assert.equal(inline.trial.enabled, false);
  });

  it('give every call a fresh state: globals and memory are put back between calls', async () => {
    const sb = await box(await wat(COUNTER));
    assert.deepEqual(sb.trial, { enabled: true }, 'these calls are settled by trials');
    for (let i = 0; i < 5; i++) {
      const r = await sb.run();
      assert.equal(decoder.decode(r.stdout), '1 1\n', `call ${i + 1}`);
    }
  });

  it('give every call a memory as made, also after a call grew it: its size, and nothing in the pages it grew', async () => {
    // Prints the size it sees, what growing by one page gives, and whether
    // that page held anything; then writes into it and grows once more.
    const sb = await box(
      await wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 8)
  (data (i32.const 100) "s g b\\n")
  (func (export "_start")
    (i32.store8 (i32.const 100) (i32.add (i32.const 48) (memory.size)))
    (i32.store8 (i32.const 102) (i32.add (i32.const 48) (memory.grow (i32.const 1))))
    (i32.store8 (i32.const 104) (i32.add (i32.const 48) (i32.ne (i32.load8_u (i32.const 65600)) (i32.const 0))))
    (i32.store8 (i32.const 65600) (i32.const 88))
    (drop (memory.grow (i32.const 2)))
    (i32.store8 (i32.const 196700) (i32.const 88))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`),
    );
    assert.deepEqual(sb.trial, { enabled: true });
    for (let i = 0; i < 4; i++) {
      const r = await sb.run();
      assert.equal(decoder.decode(r.stdout), '1 1 0\n', `call ${i + 1}`);
      assert.equal(r.memoryBytes, 4 * 65536, `call ${i + 1}`);
    }
  });

  it('give every call its descriptors as new: stdout closed by one call is open in the next', async () => {
    const sb = await box(
      await wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $fd_close (i32.const 1)))))`),
    );
    for (let i = 0; i < 3; i++) {
      assert.equal(decoder.decode((await sb.run()).stdout), 'hi\n', `call ${i + 1}`);
    }
  });

  it('settle short calls with the same result as a worker', async () => {
    const withTrial = await box(guest('fsops-c'));
    const without = await box(guest('fsops-c'), undefined, false);
    for (const args of [
      ['echo', 'a', 'b'],
      ['exit', '3'],
      ['stderr', 'oops'],
      ['random', '8'],
    ]) {
      const a = await run(withTrial, args);
      const b = await run(without, args);
      assert.equal(a.code, b.code, args.join(' '));
      if (args[0] !== 'random') {
        assert.equal(a.out, b.out, args.join(' '));
        assert.equal(a.err, b.err, args.join(' '));
      }
    }
  });

  it('pass a settled call its stderr', async () => {
    const sb = await box(guest('fsops-c'));
    const chunks: string[] = [];
    await run(sb, ['stderr', 'to the log'], { onStderr: (c) => chunks.push(decoder.decode(c)) });
    assert.match(chunks.join(''), /to the log/);
  });

  it('leave calls that touch files to a worker, which does them once', async () => {
    const dir = tempDir();
    const sb = await Sandbox.create({
      id: 'trial',
      bytes: guest('fsops-c'),
      policy: storagePolicy([[`${dir}/**`, ['read', 'write']]]),
      pool,
    });
    for (let i = 0; i < 4; i++) {
      const r = await run(sb, ['append', `${dir}/log.txt`, 'x']);
      assert.equal(r.code, 0, r.err);
    }
    assert.equal(readFileSync(`${dir}/log.txt`, 'utf8'), 'xxxx');
    const r = await run(sb, ['cat', `${dir}/log.txt`]);
    assert.equal(r.out, 'xxxx');
  });

  it('hand a guest that runs past its budget to a worker, whose deadline still applies', async () => {
    const sb = await box(
      guest('fsops-c'),
      'version: "1.0"\nresources:\n  limits:\n    execution_time: "300ms"\n',
    );
    await assert.rejects(run(sb, ['spin']), DeadlineError);
    assert.equal((await run(sb, ['echo', 'after'])).out, 'after\n');
  });

  it('hand a guest that overflows this thread’s stack to a worker, which reports it', async () => {
    const sb = await box(
      await wat(`(module (memory (export "memory") 1)
        (func $f (param i32) (call $f (i32.add (local.get 0) (i32.const 1))))
        (func (export "_start") (call $f (i32.const 0))))`),
    );
    await assert.rejects(sb.run(), StackOverflowError);
  });
});
