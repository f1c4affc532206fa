// The metered copy must behave as the original, and must stop any guest
// within its budget: loops, recursion without loops, bulk memory bombs.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compiledPolicyOf, prepareInstance, type RunOutcome } from './instance.js';
import { METER_EXPORT, METER_OFF_THREAD_BYTES, METER_PAGES, meter, meterAsync } from './meter.js';
import { loadModule } from './module.js';
import { GUESTS, policy, tempDir, wat } from './testing.js';

const EXAMPLES = new URL('../../../examples/', import.meta.url);
const decoder = new TextDecoder();

function fuelLeft(bytes: Uint8Array, budget: number, exportName = 'run'): number {
  const m = meter(bytes, budget);
  assert.ok(m.ok, m.ok ? '' : m.reason);
  const instance = new WebAssembly.Instance(
    new WebAssembly.Module(m.bytes as Uint8Array<ArrayBuffer>),
    {
      __mcpkit: m.memoryImported ? { memory: new WebAssembly.Memory({ initial: 1 }) } : {},
    },
  );
  const fuel = instance.exports[METER_EXPORT] as WebAssembly.Global;
  try {
    (instance.exports[exportName] as () => void)();
  } catch (error) {
    assert.ok(error instanceof WebAssembly.RuntimeError, String(error));
  }
  return fuel.value as number;
}

/** Run a guest, metered or not, with full WASI (not a trial). */
async function runGuest(
  bytes: Uint8Array,
  args: string[],
  metered: boolean,
  yaml = 'version: "1.0"\n',
  stdin = '',
): Promise<RunOutcome> {
  const loaded = await loadModule(bytes, { memoryLimit: 64 << 20 });
  const m = metered ? await loaded.metered(2_000_000_000) : undefined;
  if (m && 'reason' in m) throw new Error(m.reason);
  const prepared = prepareInstance(m?.module ?? loaded.module, 'test', 1 << 20, {
    policy: compiledPolicyOf(policy(yaml)),
    hostModules: [],
    memoryLimit: 64 << 20,
    ...(m?.memoryImported && loaded.memory
      ? {
          memory: new WebAssembly.Memory({
            initial: loaded.memory.initialPages,
            maximum: loaded.memory.maxPages!,
          }),
        }
      : {}),
  });
  return prepared.run(
    {
      component: 'test',
      args,
      env: {},
      stdin: new TextEncoder().encode(stdin),
      maxOutput: 1 << 20,
      entry: '_start',
    },
    {},
  );
}

describe('meter', () => {
  it('stops an infinite loop within the budget', async () => {
    const bytes = await wat('(module (func (export "run") (loop (br 0))))');
    const left = fuelLeft(bytes, 100_000);
    assert.ok(left < 0 && left > -10, `fuel left ${left}`);
  });

  it('stops recursion that has no loop (each call charged)', async () => {
    // Two calls per level, 40 levels: 2^40 calls if nothing stops it.
    const bytes = await wat(`(module
      (func $f (param i32)
        (if (i32.gt_u (local.get 0) (i32.const 0))
          (then
            (call $f (i32.sub (local.get 0) (i32.const 1)))
            (call $f (i32.sub (local.get 0) (i32.const 1))))))
      (func (export "run") (call $f (i32.const 40))))`);
    assert.ok(fuelLeft(bytes, 100_000) < 0);
  });

  it('charges bulk memory operations by their length', async () => {
    // No loop: 64 fills of 64 KiB each cost 64 units apiece beyond the instructions.
    const fills = '(memory.fill (i32.const 0) (i32.const 1) (i32.const 65536))\n'.repeat(64);
    const bytes = await wat(`(module (memory 1) (func (export "run") ${fills}))`);
    assert.ok(fuelLeft(bytes, 64 * 64 - 1) < 0, 'a budget just short of the fills runs out');
    assert.ok(fuelLeft(bytes, 64 * 64 + 64 * 8) >= 0, 'a budget that covers them does not');
  });

  it('charges straight-line code by its length, not once per function', async () => {
    const body = '(drop (i32.add (i32.const 1) (i32.const 2)))\n'.repeat(500);
    const bytes = await wat(`(module (func (export "run") ${body}))`);
    assert.ok(fuelLeft(bytes, 1000) < 0);
    assert.ok(fuelLeft(bytes, 3000) >= 0);
  });

  it('gives a module with memory of its own the size it grew to, growing the memory only past what it has', async () => {
    const m = meter(
      await wat(`(module (memory 1 4)
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "size") (result i32) (memory.size)))`),
      1_000_000,
    );
    assert.ok(m.ok && m.memoryImported);
    assert.ok(m.globals.includes(METER_PAGES));
    // A memory as a reset instance has it: three pages, one of them the module's.
    const memory = new WebAssembly.Memory({ initial: 3, maximum: 4 });
    const i = new WebAssembly.Instance(new WebAssembly.Module(m.bytes as Uint8Array<ArrayBuffer>), {
      __mcpkit: { memory },
    });
    const grow = i.exports.grow as (n: number) => number;
    const size = i.exports.size as () => number;
    const pages = () => memory.buffer.byteLength / 65536;
    assert.equal(size(), 1);
    assert.equal(grow(1), 1);
    assert.deepEqual([size(), pages()], [2, 3], 'within what it has, only its size moves');
    assert.equal(grow(2), 2);
    assert.deepEqual([size(), pages()], [4, 4], 'past it, the memory grows by what is missing');
    assert.equal(grow(1), -1, "past the memory's maximum");
    assert.equal(grow(-1), -1, 'past 65536 pages, without wrapping');
    assert.equal(grow(0), 4);
    assert.deepEqual([size(), pages()], [4, 4]);
  });

  it('leaves modules it does not understand unmetered, saying why', async () => {
    const shared = await wat(
      '(module (memory 1 1 shared) (func (export "run") (drop (i32.atomic.load (i32.const 0)))))',
      { threads: true },
    );
    const m1 = meter(shared, 100);
    assert.equal(m1.ok, false);
    assert.match(m1.ok ? '' : m1.reason, /shared/);
    const named = await wat(
      `(module (global (export "${METER_EXPORT}") i32 (i32.const 0)) (func (export "run")))`,
    );
    const m = meter(named, 100);
    assert.equal(m.ok, false);
    assert.match(m.ok ? '' : m.reason, /__mcpkit_fuel/);
    const junk = meter(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 10, 200), 100);
    assert.equal(junk.ok, false);
  });

  it('meters a large module on a thread of its own, to the same bytes', async () => {
    const go = readFileSync(new URL('fsops-go.wasm', GUESTS));
    assert.ok(go.length > METER_OFF_THREAD_BYTES, 'the Go guest is large enough to go to a worker');
    const there = await meterAsync(go, 1000);
    const here = meter(go, 1000);
    assert.ok(there.ok && here.ok);
    assert.deepEqual(Buffer.from(there.bytes), Buffer.from(here.bytes));
    assert.deepEqual(there.globals, here.globals);
    assert.equal(there.resettable, here.resettable);
  });

  it('runs every committed guest as the original does', async () => {
    const dir = tempDir();
    const fs = `version: "1.0"\nstorage:\n  allow:\n    - uri: "fs://${dir}/**"\n      access: [read, write]\n`;
    const cases: Array<[string, string[], string?, string?]> = [
      ['fsops-c', ['fsops', 'echo', 'a', 'b']],
      ['fsops-c', ['fsops', 'write', `${dir}/c.txt`, 'hello'], fs],
      ['fsops-c', ['fsops', 'cat', `${dir}/c.txt`], fs],
      ['fsops-c', ['fsops', 'ls', dir], fs],
      ['fsops-as', ['fsops', 'echo', 'x']],
      ['fsops-as', ['fsops', 'cat', `${dir}/c.txt`], fs],
      ['fsops-go', ['fsops', 'echo', 'go']],
      ['fsops-go', ['fsops', 'cat', `${dir}/c.txt`], fs],
    ];
    for (const [name, args, yaml, stdin] of cases) {
      const bytes = readFileSync(new URL(`${name}.wasm`, GUESTS));
      const plain = await runGuest(bytes, args, false, yaml, stdin);
      const metered = await runGuest(bytes, args, true, yaml, stdin);
      const what = `${name} ${args.slice(1).join(' ')}`;
      assert.equal(metered.exitCode, plain.exitCode, what);
      assert.equal(decoder.decode(metered.stdout), decoder.decode(plain.stdout), what);
      assert.equal(metered.error?.code, plain.error?.code, what);
    }
    const tools: Array<[string, Record<string, unknown>]> = [
      ['echo', { text: 'ping' }],
      ['calculator', { expression: '(1 + 2) * 3.5 - 4 / 8' }],
      ['hash', { text: 'abc', algorithm: 'sha256' }],
    ];
    for (const [name, input] of tools) {
      const bytes = readFileSync(new URL(`${name}/${name}.wasm`, EXAMPLES));
      const manifest = JSON.parse(
        readFileSync(new URL(`${name}/${name}.tools.json`, EXAMPLES), 'utf8'),
      ) as { tools: Array<{ name: string }> };
      const tool = manifest.tools[0]!.name;
      const plain = await runGuest(bytes, [tool], false, undefined, JSON.stringify(input));
      const metered = await runGuest(bytes, [tool], true, undefined, JSON.stringify(input));
      assert.equal(plain.exitCode, 0, `${name}: ${decoder.decode(plain.stderr)}`);
      assert.equal(decoder.decode(metered.stdout), decoder.decode(plain.stdout), name);
    }
  });
});
