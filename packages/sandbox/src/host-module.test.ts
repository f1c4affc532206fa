import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { HostModuleSource } from './host-module.js';
import { WorkerPool } from './pool.js';
import { Sandbox } from './sandbox.js';
import { policy, wat } from './testing.js';
import type { Violation } from './violation.js';

const SOURCE: HostModuleSource = {
  name: 'testhost',
  functions: ['env_allowed', 'ask'],
  url: new URL('../test/fixtures/env-host.js', import.meta.url).href,
  options: { channel: 'answer' },
};

const pool = new WorkerPool({ size: 1 });
after(() => pool.close());

async function guestCalling(fn: string, text: string) {
  return wat(`(module
    (import "testhost" "${fn}" (func $f (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 100) "${text}")
    (func (export "_start")
      (local $n i32)
      (local.set $n (call $f (i32.const 100) (i32.const ${text.length})))
      ;; print what the call left at 100 (n bytes), then exit with n + 100
      (i32.store (i32.const 0) (i32.const 100))
      (i32.store (i32.const 4) (select (local.get $n) (i32.const 0) (i32.gt_s (local.get $n) (i32.const 0))))
      (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (call $exit (i32.add (local.get $n) (i32.const 100)))))`);
}

const envPolicy = policy('version: "1.0"\nenvironment:\n  allow:\n    - key: "API_KEY"\n');

describe('the host function API', () => {
  for (const isolation of ['inline', 'worker'] as const) {
    it(`runs the policy check first and reports a refusal (${isolation})`, async () => {
      const violations: Violation[] = [];
      const make = async (key: string) =>
        Sandbox.create({
          id: 'h',
          bytes: await guestCalling('env_allowed', key),
          policy: envPolicy,
          isolation,
          pool,
          hostModules: [SOURCE],
          onViolation: (v) => violations.push(v),
        });
      assert.equal((await (await make('API_KEY')).run()).exitCode, 101);
      const denied = await (await make('AWS_SECRET')).run();
      assert.equal(denied.exitCode, 100);
      assert.equal(denied.violations.length, 1);
      assert.deepEqual(
        [
          denied.violations[0]!.capability,
          denied.violations[0]!.target,
          denied.violations[0]!.access,
        ],
        ['environment', 'AWS_SECRET', 'read'],
      );
      assert.ok(violations.some((v) => v.target === 'AWS_SECRET'));
    });
  }

  it('reaches the embedder from a worker through ctx.call, without blocking the main thread', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const sb = await Sandbox.create({
      id: 'ask',
      bytes: await guestCalling('ask', 'ping'),
      policy: envPolicy,
      pool,
      hostModules: [SOURCE],
      channels: {
        answer: async (payload) => {
          await new Promise((r) => setTimeout(r, 60));
          return `pong:${(payload as { question: string }).question}`;
        },
      },
    });
    const r = await sb.run();
    clearInterval(timer);
    assert.equal(new TextDecoder().decode(r.stdout), 'pong:ping');
    assert.equal(r.exitCode, 109);
    assert.ok(ticks >= 5, 'the main event loop kept running while the guest waited');
  });

  it('an embedder handler that fails gives the guest the failure value', async () => {
    const sb = await Sandbox.create({
      id: 'ask',
      bytes: await guestCalling('ask', 'ping'),
      policy: envPolicy,
      pool,
      hostModules: [SOURCE],
      channels: {
        answer: () => {
          throw new Error('no');
        },
      },
    });
    assert.equal((await sb.run()).exitCode, 98);
  });

  it('inline, ctx.call is not available and the guest gets the failure value', async () => {
    const sb = await Sandbox.create({
      id: 'ask',
      bytes: await guestCalling('ask', 'ping'),
      policy: envPolicy,
      isolation: 'inline',
      hostModules: [SOURCE],
    });
    assert.equal((await sb.run()).exitCode, 98);
  });
});
