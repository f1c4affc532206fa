import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ComponentNotModuleError,
  InvalidWasmError,
  NotWasmError,
  SANDBOX_ERROR_CODES,
  UnsupportedImportsError,
} from './errors.js';
import { loadModule } from './module.js';
import { Sandbox } from './sandbox.js';
import { guest, policy, wat } from './testing.js';
import { capMemories, memoriesOf } from './wasm-binary.js';

describe('loading modules', () => {
  it('says clearly when a file is not wasm at all', async () => {
    await assert.rejects(
      loadModule(new TextEncoder().encode('#!/bin/sh\necho hi\n'), { name: 'tool.sh' }),
      (e: unknown) => {
        assert.ok(e instanceof NotWasmError);
        assert.equal(e.code, 'not-wasm');
        assert.match(e.message, /^tool\.sh is not a WebAssembly file/);
        return true;
      },
    );
    await assert.rejects(loadModule(new Uint8Array(0)), NotWasmError);
  });

  it('recognises a component and says it is one', async () => {
    const bytes = readFileSync(
      new URL('../../../examples/components/time-js/time-js.wasm', import.meta.url),
    );
    await assert.rejects(loadModule(bytes, { name: 'time-js.wasm' }), (e: unknown) => {
      assert.ok(e instanceof ComponentNotModuleError);
      assert.match(e.message, /is a WebAssembly component/);
      return true;
    });
  });

  it('reports corrupt wasm as invalid', async () => {
    const bytes = guest('fsops-c').slice(0, 500);
    await assert.rejects(loadModule(bytes, { name: 'cut.wasm' }), InvalidWasmError);
  });

  it('lists every unsupported import in one message', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sock_open" (func (param i32) (result i32)))
      (import "env" "emscripten_notify_memory_growth" (func (param i32)))
      (import "wasi_unstable" "fd_read" (func (param i32 i32 i32 i32) (result i32)))
      (import "env" "table" (table 1 funcref))
      (func (export "_start")))`);
    await assert.rejects(loadModule(bytes, { name: 'odd.wasm' }), (e: unknown) => {
      assert.ok(e instanceof UnsupportedImportsError);
      assert.deepEqual(e.imports.length, 4);
      assert.match(
        e.message,
        /odd\.wasm imports 4 functions the host does not provide: wasi_snapshot_preview1\.sock_open, env\.emscripten_notify_memory_growth, wasi_unstable\.fd_read \(the pre-2020 WASI snapshot/,
      );
      assert.match(e.message, /env\.table \(table\)/);
      return true;
    });
  });

  it('accepts imports that a host module provides', async () => {
    const bytes = await wat(
      '(module (import "mcpkit" "log" (func (param i32 i32))) (func (export "_start")))',
    );
    const m = await loadModule(bytes, { hostModules: [{ name: 'mcpkit', functions: ['log'] }] });
    assert.equal(m.imports.length, 1);
  });

  it('compiles once per content digest', async () => {
    const bytes = guest('fsops-c');
    const a = await loadModule(bytes, { memoryLimit: 64 * 1024 * 1024 });
    const b = await loadModule(Uint8Array.from(bytes), { memoryLimit: 64 * 1024 * 1024 });
    assert.equal(a, b, 'the same compiled module');
    assert.equal(a.digest.length, 64);
    const c = await loadModule(bytes, { memoryLimit: 32 * 1024 * 1024 });
    assert.notEqual(a.module, c.module, 'a different memory cap is a different module');
  });

  it('caps the declared memory maximum, leaving the rest of the module intact', async () => {
    const bytes = await wat(
      '(module (memory (export "memory") 2 1000) (data (i32.const 0) "keep") (func (export "_start")))',
    );
    assert.deepEqual(
      memoriesOf(bytes).map((m) => [m.min, m.max]),
      [[2, 1000]],
    );
    const capped = capMemories(bytes, 10);
    assert.deepEqual(
      memoriesOf(capped).map((m) => [m.min, m.max]),
      [[2, 10]],
    );
    const unbounded = await wat('(module (memory (export "memory") 1) (func (export "_start")))');
    assert.deepEqual(
      memoriesOf(capMemories(unbounded, 7)).map((m) => m.max),
      [7],
    );
    const loaded = await loadModule(bytes, { memoryLimit: 10 * 65536 });
    assert.deepEqual(loaded.memory, { initialPages: 2, maxPages: 10, imported: false });
    const inst = new WebAssembly.Instance(loaded.module, {});
    const mem = inst.exports.memory as WebAssembly.Memory;
    assert.equal(new TextDecoder().decode(new Uint8Array(mem.buffer, 0, 4)), 'keep');
    assert.throws(() => mem.grow(9));
  });

  it('caps an imported memory too', async () => {
    const bytes = await wat('(module (import "env" "memory" (memory 1)) (func (export "_start")))');
    const m = await loadModule(bytes, { memoryLimit: 4 * 65536 });
    assert.deepEqual(m.memory, { initialPages: 1, maxPages: 4, imported: true });
    const sb = await Sandbox.create({
      id: 'imp',
      bytes,
      policy: policy('version: "1.0"\nresources:\n  limits:\n    memory: "256Ki"\n'),
      isolation: 'inline',
    });
    assert.equal((await sb.run()).exitCode, 0);
  });

  it('reports a module without _start', async () => {
    const bytes = await wat('(module (memory (export "memory") 1) (func (export "main")))');
    const sb = await Sandbox.create({
      id: 'lib',
      bytes,
      policy: policy('version: "1.0"\n'),
      isolation: 'inline',
    });
    await assert.rejects(sb.run(), /exports no `_start` function/);
  });

  it('pins the error codes', () => {
    assert.deepEqual(
      [...SANDBOX_ERROR_CODES],
      [
        'not-wasm',
        'is-component',
        'invalid-wasm',
        'unsupported-imports',
        'memory-limit',
        'trap',
        'stack-overflow',
        'out-of-memory',
        'deadline',
        'cpu-time',
        'cpu-quota',
        'output-limit',
        'concurrency-limit',
        'cancelled',
        'stopped',
        'worker-crashed',
        'closed',
        'no-entry-point',
        'plugin-failed',
      ],
    );
  });
});
