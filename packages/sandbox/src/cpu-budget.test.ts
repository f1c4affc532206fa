// The CPU quota's budget, on a clock the test moves.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CPU_WINDOW_MS, CpuBudget } from './cpu-budget.js';

function budget(cores: number) {
  let now = 0;
  const b = new CpuBudget('tool', cores, () => now);
  return { b, pass: (ms: number) => (now += ms) };
}

describe('cpu budget', () => {
  it('holds cpu × 10 s and refills at cpu per second, never above full', () => {
    const { b, pass } = budget(0.5);
    assert.equal(CPU_WINDOW_MS, 10_000);
    assert.equal(b.capacityMs, 5000);
    assert.equal(b.quota, '500m');
    b.charge(3000);
    assert.equal(b.balance(), 2000);
    pass(2000);
    assert.equal(b.balance(), 3000);
    pass(60_000);
    assert.equal(b.balance(), 5000);
    assert.equal(b.startsIn(), 0);
  });

  it('once spent, stops calls and starts new ones when a tenth is back', () => {
    const { b, pass } = budget(0.5);
    b.charge(5200);
    assert.equal(b.spent, true);
    // 200 ms overdrawn, 500 ms needed back, refilled at 0.5 per ms: 1400 ms.
    assert.equal(b.startsIn(), 1400);
    pass(600);
    assert.equal(b.spent, false, 'refilled past zero');
    assert.equal(b.startsIn(), 800, 'but not yet enough to start');
    pass(800);
    assert.equal(b.startsIn(), 0);
    // Below a tenth again without running out: calls still start.
    b.charge(400);
    assert.equal(b.startsIn(), 0);
  });

  it('says how soon the running calls could spend what is left', () => {
    const { b } = budget(2);
    assert.equal(b.msUntilSpent(), 20_000);
    b.begin();
    b.begin();
    assert.equal(b.msUntilSpent(), 10_000);
    b.end();
    b.charge(25_000);
    assert.equal(b.msUntilSpent(), 0);
  });

  it('explains a stop and a refusal', () => {
    const { b } = budget(0.25);
    b.charge(2600);
    assert.equal(
      b.stopped().message,
      'component `tool` used up its CPU quota of 250m (`resources.limits.cpu`) and the call was stopped; calls can start again in 1.4 s',
    );
    assert.equal(
      b.refused(1000).message,
      'component `tool` has used up its CPU quota of 250m (`resources.limits.cpu`); calls can start again in 1.4 s, later than this call may wait (1.0 s)',
    );
    assert.equal(b.refused(1000).retryAfterMs, 1400);
  });
});
