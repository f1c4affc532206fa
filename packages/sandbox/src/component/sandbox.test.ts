// ComponentSandbox: components loaded, cached and called in the worker pool
// under the same limits as core modules.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CancelledError,
  ConcurrencyLimitError,
  DeadlineError,
  InvalidWasmError,
  MemoryLimitError,
  NotWasmError,
  UnsupportedImportsError,
} from '../errors.js';
import { WorkerPool } from '../pool.js';
import { guest, policy, tempDir } from '../testing.js';
import { argumentsFromJson, toJson } from './json.js';
import { clearComponentCache } from './load.js';
import { ComponentSandbox, type ComponentSandboxOptions } from './sandbox.js';

const bytesOf = (name: string) =>
  readFileSync(new URL(`../../../../examples/components/${name}/${name}.wasm`, import.meta.url));

const cacheDir = tempDir('mcpkit-component-cache-');
const pool = new WorkerPool({ size: 2 });

after(async () => {
  await pool.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

function create(
  name: string,
  yaml = 'version: "1.0"\n',
  extra: Partial<ComponentSandboxOptions> = {},
) {
  return ComponentSandbox.create({
    id: name,
    bytes: bytesOf(name),
    policy: policy(yaml),
    cacheDir,
    pool,
    ...extra,
  });
}

async function callJson(
  sb: ComponentSandbox,
  fn: string,
  args: Record<string, unknown> = {},
  options = {},
) {
  const target = sb.functions().find((f) => f.fn.name === fn)!;
  const r = await sb.call(target, argumentsFromJson(target.fn, args), options);
  return { json: target.fn.result ? toJson(target.fn.result, r.value) : undefined, r };
}

describe('component sandbox', () => {
  it('lists the exported functions and calls one in a fresh instance each time', async () => {
    const sb = await create('wit-types-js');
    const names = sb.functions().map((f) => f.fn.name);
    assert.ok(names.includes('describe') && names.includes('echo-u8'));
    assert.ok(
      sb.functions().every((f) => f.exportName === 'mcpkit-examples:wit-types/types@0.1.0'),
    );
    const { json } = await callJson(sb, 'describe', { p: { x: 1, y: 2 }, c: 'red' });
    assert.equal(json, 'point (1, 2) in red');
  });

  it('keeps the transpiled component on disk and reuses it', async () => {
    await create('time-js');
    const dirs = readdirSync(cacheDir).filter((d) => !d.startsWith('.'));
    assert.ok(dirs.length >= 1);
    const dir = dirs.find((d) => readdirSync(join(cacheDir, d)).length > 0)!;
    const before = statSync(join(cacheDir, dir, 'component.js'));
    clearComponentCache();
    await create('time-js');
    // Transpiling again would have put a new directory in place of this one.
    const after = statSync(join(cacheDir, dir, 'component.js'));
    assert.equal(after.ino, before.ino);
    assert.equal(after.mtimeMs, before.mtimeMs);
  });

  it('replaces a cache directory that was left incomplete', async () => {
    const sb = await create('time-js');
    const dir = join(cacheDir, sb.component.digest);
    writeFileSync(join(dir, 'component.js'), 'this is not the glue');
    rmSync(join(dir, 'complete'));
    clearComponentCache();
    const again = await create('time-js');
    const { json } = await callJson(again, 'get-current-time');
    assert.match(String(json), /^\d{4}-\d{2}-\d{2}T/);
  });

  it('refuses what is not a component, clearly', async () => {
    await assert.rejects(
      ComponentSandbox.create({
        id: 'x',
        bytes: new TextEncoder().encode('hello'),
        policy: policy('version: "1.0"\n'),
        cacheDir,
      }),
      NotWasmError,
    );
    await assert.rejects(
      ComponentSandbox.create({
        id: 'x',
        bytes: guest('fsops-c'),
        policy: policy('version: "1.0"\n'),
        cacheDir,
      }),
      (e: unknown) =>
        e instanceof InvalidWasmError && /core module, not a component/.test(e.message),
    );
    const bytes = bytesOf('time-js');
    await assert.rejects(
      ComponentSandbox.create({
        id: 'x',
        bytes: bytes.subarray(0, bytes.length >> 1),
        policy: policy('version: "1.0"\n'),
        cacheDir,
      }),
      InvalidWasmError,
    );
  });

  it('refuses a component needing more memory to start than its limit', async () => {
    await assert.rejects(
      create('time-js', 'version: "1.0"\nresources:\n  limits:\n    memory: "4Mi"\n'),
      (e: unknown) =>
        e instanceof MemoryLimitError && /more than the limit of 4096 KiB/.test(e.message),
    );
  });

  it('names every import the host does not provide', async () => {
    const { unsupportedComponentImports } = await import('./sandbox.js');
    assert.deepEqual(
      unsupportedComponentImports([
        'wasi:cli/environment@0.2.3',
        'wasi:keyvalue/store@0.2.0',
        'acme:thing/x',
        'mcpkit:host/log@0.1.0',
      ]),
      ['wasi:keyvalue/store@0.2.0', 'acme:thing/x'],
    );
    assert.ok(
      new UnsupportedImportsError('c', ['a:b/c'], 'interface').message.includes('an interface'),
    );
  });

  describe('calls that wait on the host (mcpkit:host/tools.call-tool)', () => {
    it('gives the guest what the embedder answers, with log and progress on the way', async () => {
      const sb = await create('compose-js');
      const logs: string[] = [];
      const progress: number[] = [];
      const seen: Array<[string, string]> = [];
      const { json } = await callJson(
        sb,
        'sum-and-hash',
        { text: 'abc' },
        {
          onLog: (level: string, message: string) => logs.push(`${level}: ${message}`),
          onProgress: (p: number) => progress.push(p),
          callTool: async (name: string, args: string) => {
            seen.push([name, args]);
            return { ok: true, value: 'hashed' };
          },
        },
      );
      assert.deepEqual(json, { ok: 'hashed' });
      assert.deepEqual(seen, [['hash', JSON.stringify({ text: 'abc', algorithm: 'sha256' })]]);
      assert.deepEqual(logs, ['info: hashing 3 characters with sha256']);
      assert.deepEqual(progress, [0.5]);
      const refused = await callJson(
        sb,
        'call',
        { name: 'x', args: '{}' },
        {
          callTool: async () => ({ ok: false, value: 'not allowed' }),
        },
      );
      assert.deepEqual(refused.json, { err: 'not allowed' });
      const none = await callJson(sb, 'call', { name: 'x', args: '{}' });
      assert.deepEqual(none.json, { err: 'calling other tools is not available here' });
    });

    it('stops a call past its deadline', async () => {
      const sb = await create(
        'compose-js',
        'version: "1.0"\nresources:\n  limits:\n    execution_time: "300ms"\n',
      );
      const t0 = performance.now();
      await assert.rejects(
        callJson(sb, 'call', { name: 'x', args: '{}' }, { callTool: () => new Promise(() => {}) }),
        DeadlineError,
      );
      assert.ok(performance.now() - t0 < 10_000);
      // The pool goes on serving.
      const { json } = await callJson(
        sb,
        'call',
        { name: 'x', args: '{}' },
        {
          callTool: async () => ({ ok: true, value: 'after' }),
        },
      );
      assert.deepEqual(json, { ok: 'after' });
    });

    it('stops a cancelled call', async () => {
      const sb = await create('compose-js');
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(
        callJson(
          sb,
          'call',
          { name: 'x', args: '{}' },
          {
            signal: controller.signal,
            callTool: () => new Promise(() => {}),
          },
        ),
        CancelledError,
      );
    });

    it('refuses calls beyond the concurrency limit and queue', async () => {
      const sb = await create(
        'compose-js',
        'version: "1.0"\nresources:\n  limits:\n    concurrency: 1\n',
        { maxQueued: 0 },
      );
      let release: (v: { ok: boolean; value: string }) => void = () => {};
      let entered: () => void = () => {};
      const inGuest = new Promise<void>((r) => {
        entered = r;
      });
      const first = callJson(
        sb,
        'call',
        { name: 'x', args: '{}' },
        {
          callTool: () =>
            new Promise((r) => {
              release = r;
              entered();
            }),
        },
      );
      await assert.rejects(callJson(sb, 'call', { name: 'x', args: '{}' }), ConcurrencyLimitError);
      // The first call reaches the host while the second is refused; then let it finish.
      await inGuest;
      release({ ok: true, value: 'done' });
      assert.deepEqual((await first).json, { ok: 'done' });
    });
  });

  it('reports violations of the call, also those decided on the host side', async () => {
    const sb = await create('env-js', 'version: "1.0"\n', { env: { SECRET: 'x', LANG: 'C' } });
    const { json, r } = await callJson(sb, 'list-env');
    assert.deepEqual(json, []);
    assert.deepEqual(r.violations, []);
    const fetch = await create('fetch-js', 'version: "1.0"\n');
    const f = await callJson(fetch, 'fetch', { url: 'http://blocked.test/' });
    assert.equal((f.json as { err?: string }).err?.startsWith('network error'), true);
    assert.ok(
      f.r.violations.some((v) => v.capability === 'network' && v.target.includes('blocked.test')),
      JSON.stringify(f.r.violations),
    );
  });
});
