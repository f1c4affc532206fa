// WorkerPool.stopAll: an emergency stop ends the calls running in workers at
// once, and the pool goes on serving new calls afterwards.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { StoppedError } from './errors.js';
import { WorkerPool } from './pool.js';
import { Sandbox } from './sandbox.js';
import { guest, policy } from './testing.js';

describe('WorkerPool.stopAll', () => {
  const pool = new WorkerPool({ size: 2 });
  after(() => pool.close());

  it('ends every running call with StoppedError, and serves the next ones', async () => {
    const sb = await Sandbox.create({
      id: 'spin',
      bytes: guest('fsops-c'),
      policy: policy('resources:\n  limits:\n    execution_time: "60s"\n    concurrency: 4\n'),
      pool,
    });
    const settled = Promise.allSettled([sb.run({ args: ['spin'] }), sb.run({ args: ['spin'] })]);
    // Both reach a worker (past the trial, which gives up on a loop within its budget).
    for (let stopped = 0; stopped < 2; ) {
      stopped += pool.stopAll('an emergency stop');
      await new Promise((r) => setTimeout(r, 20));
    }
    const outcomes = await settled;
    for (const o of outcomes) {
      assert.equal(o.status, 'rejected');
      assert.ok((o as PromiseRejectedResult).reason instanceof StoppedError);
      assert.match(String((o as PromiseRejectedResult).reason.message), /stopped/);
    }
    assert.equal(pool.stopAll('nothing runs'), 0);
    const r = await sb.run({ args: ['stdin'], stdin: 'still here' });
    assert.equal(new TextDecoder().decode(r.stdout), 'still here');
  });
});
