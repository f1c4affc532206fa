// Resource bombs: each must end in a typed error with a clear message, and
// the host (and the next call) must carry on.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ConcurrencyLimitError,
  DeadlineError,
  OutOfMemoryError,
  OutputLimitError,
  StackOverflowError,
  TrapError,
} from './errors.js';
import { WorkerPool } from './pool.js';
import { Sandbox } from './sandbox.js';
import { guest, policy, run, wat } from './testing.js';

const pool = new WorkerPool({ size: 2 });
after(() => pool.close());

function limited(limits: string) {
  return policy(`version: "1.0"\nresources:\n  limits:\n${limits}`);
}

async function box(
  name: 'fsops-c' | 'fsops-go',
  limits: string,
  extra: Partial<Parameters<typeof Sandbox.create>[0]> = {},
) {
  return Sandbox.create({ id: name, bytes: guest(name), policy: limited(limits), pool, ...extra });
}

async function stillWorks(sb: Sandbox) {
  const r = await run(sb, ['echo', 'alive']);
  assert.equal(r.out, 'alive\n');
}

describe('limits', () => {
  it('a memory bomb stops at the memory limit (C handles it)', async () => {
    const sb = await box('fsops-c', '    memory: "32Mi"\n');
    const err = await run(sb, ['membomb']).then(
      () => assert.fail('the bomb returned'),
      (e) => e,
    );
    assert.ok(err instanceof OutOfMemoryError, String(err));
    assert.match(err.message, /ran out of memory at its limit of 32 MiB/);
    assert.ok(err.outcome!.memoryBytes <= 32 * 1024 * 1024);
    assert.match(new TextDecoder().decode(err.outcome!.stdout), /oom/);
    await stillWorks(sb);
  });

  it('a memory bomb stops at the memory limit (Go runtime)', async () => {
    const sb = await box('fsops-go', '    memory: "64Mi"\n');
    await assert.rejects(run(sb, ['membomb']), OutOfMemoryError);
    await stillWorks(sb);
  });

  describe('a grow beyond the memory limit fails inside the guest', () => {
    // A pool that refuses every call: a call that succeeds with it was settled by a trial.
    const closed = new WorkerPool({ size: 1 });
    before(() => closed.close());

    for (const [memory, most] of [
      ['8Mi', 8],
      ['64Mi', 64],
    ] as const) {
      for (const where of ['worker', 'trial'] as const) {
        it(`C: malloc returns NULL at ${memory}, and the guest goes on (${where})`, async () => {
          const sb = await Sandbox.create({
            id: 'alloc',
            bytes: guest('alloc-c'),
            policy: limited(`    memory: "${memory}"\n    execution_time: "60s"\n`),
            ...(where === 'trial' ? { pool: closed } : { pool, trial: false }),
          });
          const r = await sb.run();
          const out = new TextDecoder().decode(r.stdout);
          const got = Number(/^got (\d+) MiB\n/.exec(out)?.[1]);
          assert.ok(got >= most - 2 && got < most, out);
          assert.match(out, /\nafter free: ok\n$/);
          assert.equal(r.exitCode, 0);
          assert.equal(r.memoryExhausted, true);
          assert.ok(r.memoryBytes <= most * 1024 * 1024);
        });
      }
    }

    it('AssemblyScript: memory.grow returns -1 at the limit, and the guest goes on', async () => {
      for (const trial of [true, false]) {
        const sb = await Sandbox.create({
          id: 'as',
          bytes: guest('fsops-as'),
          policy: limited('    memory: "8Mi"\n'),
          ...(trial ? { pool: closed } : { pool, trial: false }),
        });
        const r = await run(sb, ['grow']);
        const mib = Number(/^grew (\d+) MiB\n$/.exec(r.out)?.[1]);
        assert.ok(mib >= 6 && mib < 8, r.out);
        assert.equal(r.code, 0);
      }
    });

    it('AssemblyScript: an allocator that cannot fail softly traps, as out of memory', async () => {
      const sb = await Sandbox.create({
        id: 'as',
        bytes: guest('fsops-as'),
        policy: limited('    memory: "8Mi"\n'),
        pool,
        trial: false,
      });
      await assert.rejects(
        run(sb, ['membomb']),
        (e: unknown) => e instanceof OutOfMemoryError && /limit of 8 MiB/.test(e.message),
      );
    });

    it('Go: the runtime gives up at the limit, as out of memory', async () => {
      const sb = await box('fsops-go', '    memory: "8Mi"\n');
      const err = await run(sb, ['membomb']).then(
        () => assert.fail('the bomb returned'),
        (e) => e,
      );
      assert.ok(err instanceof OutOfMemoryError, String(err));
      assert.match(new TextDecoder().decode(err.outcome!.stderr), /out of memory/);
      await stillWorks(sb);
    });
  });

  it('a module that needs more memory than allowed to start is refused at load', async () => {
    const bytes = await wat('(module (memory (export "memory") 100) (func (export "_start")))');
    await assert.rejects(
      Sandbox.create({ id: 'big', bytes, policy: limited('    memory: "1Mi"\n'), pool }),
      /needs 6400 KiB of memory to start, more than the limit of 1024 KiB/,
    );
  });

  it('memory.grow beyond the cap fails inside the guest', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1 65536)
      (func (export "_start")
        ;; grow to 16 pages is fine, 17 is over a 1 MiB cap: exit with the result of the second grow + 10
        (drop (memory.grow (i32.const 15)))
        (call $exit (i32.add (memory.grow (i32.const 1)) (i32.const 10)))))`);
    const sb = await Sandbox.create({
      id: 'grow',
      bytes,
      policy: limited('    memory: "1Mi"\n'),
      pool,
    });
    const r = await sb.run().then(
      (x) => x.exitCode,
      (e) => e.outcome?.exitCode,
    );
    assert.equal(r, 9, 'memory.grow returned -1');
  });

  it('an infinite loop is stopped at its deadline, and the worker replaced', async () => {
    const sb = await box('fsops-c', '    execution_time: "300ms"\n');
    const started = Date.now();
    await assert.rejects(
      run(sb, ['spin']),
      (e: unknown) => e instanceof DeadlineError && /300 ms deadline/.test(e.message),
    );
    assert.ok(Date.now() - started < 5000);
    await stillWorks(sb);
  });

  it('deep recursion is a stack overflow', async () => {
    const sb = await box('fsops-c', '    execution_time: "10s"\n');
    await assert.rejects(
      run(sb, ['recurse']),
      (e: unknown) => e instanceof StackOverflowError || e instanceof TrapError,
    );
    await stillWorks(sb);
  });

  it('an output flood stops at the output cap', async () => {
    const sb = await box('fsops-c', '    output: "1Mi"\n');
    const err = await run(sb, ['flood']).then(
      () => assert.fail('the flood returned'),
      (e) => e,
    );
    assert.ok(err instanceof OutputLimitError);
    assert.match(err.message, /more than 1048576 bytes to stdout/);
    await stillWorks(sb);
  });

  it('a trap is a typed error', async () => {
    const bytes = await wat(
      '(module (memory (export "memory") 1) (func (export "_start") unreachable))',
    );
    const sb = await Sandbox.create({
      id: 'trap',
      bytes,
      policy: limited('    memory: "1Mi"\n'),
      pool,
    });
    await assert.rejects(
      sb.run(),
      (e: unknown) => e instanceof TrapError && /unreachable/.test((e as Error).message),
    );
  });

  it('100 concurrent calls all complete, no more than the limit at once', async () => {
    const sb = await box('fsops-c', '    concurrency: 3\n');
    let peak = 0;
    const calls = Array.from({ length: 100 }, async (_, i) => {
      const p = run(sb, ['echo', `call-${i}`]);
      peak = Math.max(peak, sb.running);
      return p;
    });
    const results = await Promise.all(calls);
    for (const [i, r] of results.entries()) assert.equal(r.out, `call-${i}\n`);
    assert.ok(peak <= 3, `peak ${peak}`);
  });

  it('calls beyond the limit and the queue are refused clearly', async () => {
    const sb = await box('fsops-c', '    concurrency: 1\n', { maxQueued: 2 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => run(sb, ['sleep', '50'])),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(refused.length, 3);
    for (const r of refused)
      assert.ok((r as PromiseRejectedResult).reason instanceof ConcurrencyLimitError);
  });

  it('the host survives all of the above: a fresh guest still runs', async () => {
    const sb = await box('fsops-go', '    memory: "64Mi"\n');
    await stillWorks(sb);
  });
});
