// The memory.grow guard: a grow past the host's limit fails as the engine's
// own refusal does (-1, memory unchanged) and is remembered; within it, and
// with no limit set, the module behaves as the original.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROW_LIMIT_EXPORT, GROW_REFUSED_EXPORT, guardGrowth } from './grow-guard.js';
import { meter } from './meter.js';
import { wat } from './testing.js';

const GROWER = `(module
  (import "env" "g" (global $imported i32))
  (memory 1 1000)
  (global $own (mut i32) (i32.const 7))
  (func (export "grow") (param i32) (result i32)
    (block (result i32) (memory.grow (local.get 0))))
  (func (export "size") (result i32) (memory.size))
  (func (export "own") (result i32) (i32.add (global.get $own) (global.get $imported))))`;

interface Grower {
  grow(pages: number): number;
  size(): number;
  own(): number;
  limit: WebAssembly.Global;
  refused: WebAssembly.Global;
}

function instantiate(bytes: Uint8Array, extra: WebAssembly.Imports = {}): Grower {
  const i = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {
    env: { g: new WebAssembly.Global({ value: 'i32' }, 35) },
    ...extra,
  });
  const e = i.exports as Record<string, unknown>;
  return {
    grow: e.grow as Grower['grow'],
    size: e.size as Grower['size'],
    own: e.own as Grower['own'],
    limit: e[GROW_LIMIT_EXPORT] as WebAssembly.Global,
    refused: e[GROW_REFUSED_EXPORT] as WebAssembly.Global,
  };
}

describe('the memory.grow guard', () => {
  it('refuses a grow past the limit it is given, and says so', async () => {
    const guarded = guardGrowth(await wat(GROWER));
    assert.ok(guarded);
    const m = instantiate(guarded);
    // No limit yet: the memory's own maximum decides.
    assert.equal(m.grow(9), 1);
    assert.equal(m.refused.value, 0);
    m.limit.value = 12;
    assert.equal(m.grow(3), -1);
    assert.equal(m.size(), 10);
    assert.equal(m.refused.value, 1);
    assert.equal(m.grow(2), 10);
    assert.equal(m.grow(0), 12);
    // A count that would wrap 32 bits is past any limit.
    assert.equal(m.grow(-1), -1);
    assert.equal(m.size(), 12);
    m.limit.value = -1;
    assert.equal(m.grow(1000), -1, "past the memory's own maximum");
    assert.equal(m.grow(988), 12);
    // The module's own globals, imported and defined, are untouched.
    assert.equal(m.own(), 42);
  });

  it('adds its globals and exports to a module that has none', async () => {
    const guarded = guardGrowth(
      await wat(
        '(module (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))',
      ),
    );
    assert.ok(guarded);
    const i = new WebAssembly.Instance(new WebAssembly.Module(guarded as Uint8Array<ArrayBuffer>));
    const limit = i.exports[GROW_LIMIT_EXPORT] as WebAssembly.Global;
    limit.value = 2;
    const grow = i.exports.grow as (n: number) => number;
    assert.equal(grow(1), 1);
    assert.equal(grow(1), -1);
  });

  it('leaves a module that never grows its memory as it is', async () => {
    const bytes = await wat(
      '(module (memory 1) (func (export "size") (result i32) (memory.size)))',
    );
    assert.equal(guardGrowth(bytes), bytes);
  });

  it('gives up on what it cannot read, leaving the module to run as it is', () => {
    assert.equal(
      guardGrowth(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 10, 5, 1, 3)),
      undefined,
    );
  });

  it('is metered like any code, and the metered copy keeps the guard', async () => {
    const guarded = guardGrowth(await wat(GROWER))!;
    const metered = meter(guarded, 1_000_000);
    assert.ok(metered.ok, metered.ok ? '' : metered.reason);
    const m = instantiate(metered.bytes, {
      __mcpkit: metered.memoryImported
        ? { memory: new WebAssembly.Memory({ initial: 1, maximum: 1000 }) }
        : {},
    });
    m.limit.value = 4;
    assert.equal(m.grow(2), 1);
    assert.equal(m.grow(2), -1);
    assert.equal(m.refused.value, 1);
    assert.equal(m.own(), 42);
    assert.deepEqual(
      metered.globals.length,
      5,
      'its own, the three of the guard and the size it sees are reset with it',
    );
  });
});
