// Memory and CPU limits of components: a grow beyond the memory limit fails
// inside the guest, the limit holds for the component as a whole, and CPU
// time stops a busy call and not a sleeping one.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { CpuQuotaError, CpuTimeError, TrapError } from '../errors.js';
import { WorkerPool } from '../pool.js';
import { guest, policy, tempDir } from '../testing.js';
import { ComponentSandbox } from './sandbox.js';

const cacheDir = tempDir('mcpkit-component-cache-');
const pool = new WorkerPool({ size: 2 });

after(async () => {
  await pool.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

function create(limits: string, bytes: Uint8Array = guest('limits-component')) {
  return ComponentSandbox.create({
    id: 'limits',
    bytes,
    policy: policy(`version: "1.0"\nresources:\n  limits: ${limits}\n`),
    cacheDir,
    pool,
  });
}

async function call(sb: ComponentSandbox, name: string, args: unknown[] = []) {
  const target = sb.functions().find((f) => f.fn.name === name);
  assert.ok(target, `the component exports ${name}`);
  return sb.call(target, args);
}

describe('component limits', () => {
  for (const [memory, most] of [
    ['8Mi', 8],
    ['64Mi', 64],
  ] as const) {
    it(`malloc returns NULL at ${memory} inside the component, which goes on`, async () => {
      const sb = await create(`{memory: ${memory}, execution_time: 1m}`);
      const first = await call(sb, 'allocate-all');
      const got = first.value as number;
      assert.ok(got >= most - 2 && got < most, String(got));
      assert.ok(first.memoryBytes <= most * 1024 * 1024);
      // The call returned normally; the next one gets a fresh instance and as much.
      assert.equal((await call(sb, 'allocate-all')).value, got);
    });
  }

  /** Two core modules with a memory each (or one instantiated twice), each export growing one. */
  const twoMemories = (twice: boolean) => {
    const core = (name: string) =>
      `(core module ${name} (memory (export "memory") 1)
         (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))`;
    return parse(`(component
      ${core('$a')}
      ${twice ? '' : core('$b')}
      (core instance $ia (instantiate $a))
      (core instance $ib (instantiate ${twice ? '$a' : '$b'}))
      (func $ga (param "pages" u32) (result s32) (canon lift (core func $ia "grow")))
      (func $gb (param "pages" u32) (result s32) (canon lift (core func $ib "grow")))
      (export "grow-a" (func $ga))
      (export "grow-b" (func $gb)))`);
  };

  it('shares the memory limit among the memories of a component', async () => {
    const sb = await create('{memory: 8Mi}', await twoMemories(false));
    // 8 MiB is 128 pages: 64 for each memory, one of them there from the start.
    assert.equal((await call(sb, 'grow-a', [64])).value, -1);
    assert.equal((await call(sb, 'grow-a', [63])).value, 1);
    assert.equal((await call(sb, 'grow-b', [64])).value, -1);
    assert.equal((await call(sb, 'grow-b', [63])).value, 1);
  });

  it('refuses an instance that makes more memories than its core modules define', async () => {
    const sb = await create('{memory: 8Mi}', await twoMemories(true));
    await assert.rejects(
      call(sb, 'grow-a', [1]),
      (e: unknown) =>
        e instanceof TrapError &&
        /makes more memories than its core modules define/.test(e.message),
    );
  });

  it('stops a busy call by its CPU time, long before its wall-clock limit', async () => {
    const sb = await create('{cpu_time: 100ms, execution_time: 1m}');
    await assert.rejects(
      call(sb, 'spin'),
      (e: unknown) => e instanceof CpuTimeError && e.code === 'cpu-time',
    );
    // A fresh worker takes the next call.
    assert.equal((await call(sb, 'nap', [1])).value, undefined);
  });

  it('does not stop a call that sleeps longer than its CPU time', async () => {
    const sb = await create('{cpu_time: 50ms, execution_time: 1m}');
    const r = await call(sb, 'nap', [1000]);
    assert.ok(r.cpuMs !== undefined && r.cpuMs < 50, String(r.cpuMs));
    assert.ok(r.durationMs >= 1000);
  });

  it('stops a call that spends the CPU quota', async () => {
    const sb = await create('{cpu: 1m, execution_time: 1m}');
    await assert.rejects(
      call(sb, 'spin'),
      (e: unknown) => e instanceof CpuQuotaError && /CPU quota of 1m/.test(e.message),
    );
  });
});
