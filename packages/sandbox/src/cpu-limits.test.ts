// CPU limits of command modules: `cpu_time` stops a busy call and not a
// sleeping one, and `cpu` (a quota shared by the component's calls) stops
// calls when spent and makes new ones wait, or refuses them.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CpuQuotaError, CpuTimeError } from './errors.js';
import { WorkerPool } from './pool.js';
import { Sandbox } from './sandbox.js';
import { guest, policy, run } from './testing.js';

const pool = new WorkerPool({ size: 2 });
after(() => pool.close());

// A pool that refuses every call: a call that succeeds with it was settled by a trial.
const closed = new WorkerPool({ size: 1 });
before(() => closed.close());

function box(limits: string, trial: boolean) {
  return Sandbox.create({
    id: 'cpu',
    bytes: guest('fsops-c'),
    policy: policy(`version: "1.0"\nresources:\n  limits: ${limits}\n`),
    pool,
    trial,
  });
}

describe('cpu_time', () => {
  for (const trial of [false, true]) {
    const where = trial ? 'tried first on this thread' : 'in a worker';
    it(`stops a busy call long before its wall-clock limit (${where})`, async () => {
      const sb = await box('{cpu_time: 100ms, execution_time: 1m}', trial);
      await assert.rejects(
        run(sb, ['spin']),
        (e: unknown) =>
          e instanceof CpuTimeError &&
          e.code === 'cpu-time' &&
          e.message ===
            'the call used more than its 100 ms of CPU time (`resources.limits.cpu_time`) and was stopped',
      );
      // The worker was replaced; the next call runs.
      assert.equal((await run(sb, ['echo', 'alive'])).out, 'alive\n');
    });

    it(`does not stop a call that sleeps far longer than its CPU time (${where})`, async () => {
      const sb = await box('{cpu_time: 50ms, execution_time: 1m}', trial);
      const r = await run(sb, ['sleep', '1000']);
      assert.equal(r.code, 0);
      // What it used is the thread's CPU time, not the second it slept.
      assert.ok(r.result.cpuMs !== undefined && r.result.cpuMs < 50, String(r.result.cpuMs));
      assert.ok(r.result.durationMs >= 1000);
    });
  }

  it("charges a call settled by a trial the trial's time on this thread", async () => {
    const sb = await Sandbox.create({
      id: 'cpu',
      bytes: guest('fsops-c'),
      policy: policy('version: "1.0"\nresources:\n  limits: {cpu_time: 1s}\n'),
      pool: closed,
    });
    const r = await run(sb, ['echo', 'quick']);
    assert.equal(r.out, 'quick\n');
    assert.ok(r.result.cpuMs !== undefined && r.result.cpuMs >= r.result.durationMs);
  });

  it('is not measured without a CPU limit', async () => {
    const sb = await box('{execution_time: 10s}', false);
    assert.equal((await run(sb, ['echo', 'x'])).result.cpuMs, undefined);
  });
});

describe('cpu quota', () => {
  it('stops the call that spends it, then refuses calls that could not wait long enough', async () => {
    // 1m: 10 ms of CPU time in reserve, refilled at 1 ms per second.
    const sb = await box('{cpu: 1m, execution_time: 900ms}', false);
    const stopped = await run(sb, ['spin']).then(
      () => assert.fail('the spin returned'),
      (e) => e,
    );
    assert.ok(stopped instanceof CpuQuotaError, String(stopped));
    assert.equal(stopped.code, 'cpu-quota');
    assert.match(
      stopped.message,
      /^component `cpu` used up its CPU quota of 1m \(`resources\.limits\.cpu`\) and the call was stopped; calls can start again in \d/,
    );
    // Calls start again when 1 ms is back: a second's refill at least, however
    // little the spin overdrew, so longer than this call's 0.9 s: refused
    // without running.
    const refused = await run(sb, ['echo', 'x']).then(
      () => assert.fail('the call ran'),
      (e) => e,
    );
    assert.ok(refused instanceof CpuQuotaError, String(refused));
    assert.ok(refused.retryAfterMs > 900, String(refused.retryAfterMs));
    assert.match(
      refused.message,
      /has used up its CPU quota of 1m .* later than this call may wait \(900 ms\)$/,
    );
  });

  it('lets a call that mostly sleeps run on a small quota', async () => {
    // 10m: 100 ms of CPU time in reserve.
    const sb = await box('{cpu: 10m, execution_time: 1m}', true);
    for (let i = 0; i < 3; i++) assert.equal((await run(sb, ['sleep', '300'])).code, 0);
  });

  it('makes a call wait for the quota to refill when it can', async () => {
    // 100m: 1 s in reserve; after it is spent, calls start when 100 ms is back (1 s).
    const sb = await box('{cpu: 100m, execution_time: 1m}', false);
    await assert.rejects(run(sb, ['spin']), CpuQuotaError);
    const r = await run(sb, ['echo', 'later']);
    assert.equal(r.out, 'later\n');
  });

  it('is no longer a concurrency limit: that has its own key', async () => {
    const sb = await box('{cpu: 1m}', false);
    assert.equal(sb.limits.concurrency, 8);
    assert.equal(sb.limits.cpu, 0.001);
    const c = await box('{cpu: "4", concurrency: 2}', false);
    assert.equal(c.limits.concurrency, 2);
  });
});
