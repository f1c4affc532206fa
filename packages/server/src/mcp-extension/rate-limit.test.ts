import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlidingWindow } from '@mcpkit/wasm-policy';
import { compiled, policy } from './testing.js';

describe('tools: rate limits', () => {
  const make = () =>
    compiled(
      policy(
        'tools:',
        '  allow:',
        '    - name: "calc/*"',
        '      max_calls_per_minute: 3',
        '      parameters: { n: { maximum: 10 } }',
        '    - name: once',
        '      max_calls_per_minute: 1',
        '    - name: free',
      ),
    ).tools!;

  it('allows max calls in any 60 s window, and says when to retry', () => {
    const tools = make();
    assert.equal(tools.decide('calc/add', {}, 0).allowed, true);
    assert.equal(tools.decide('calc/add', {}, 10).allowed, true);
    assert.equal(tools.decide('calc/add', {}, 20).allowed, true);
    const d = tools.decide('calc/add', {}, 30);
    assert.equal(d.allowed, false);
    assert.equal(d.code, 'not-granted');
    assert.equal(d.retryAfterMs, 59_970);
    assert.equal(d.rule?.text, 'calc/*');
    assert.match(
      d.reason,
      /^tool `calc\/add` was called 3 times in the last minute, the `max_calls_per_minute` of the `mcp\.tools\.allow` rule `calc\/\*` \(line 5 of p\.yaml\); retry in 60 seconds$/,
    );
    // The window slides: the call at 0 leaves it at 60 000.
    assert.equal(tools.decide('calc/add', {}, 59_999).allowed, false);
    assert.equal(tools.decide('calc/add', {}, 60_000).allowed, true);
    const next = tools.decide('calc/add', {}, 60_001);
    assert.equal(next.allowed, false);
    assert.equal(next.retryAfterMs, 9);
    assert.equal(tools.decide('calc/add', {}, 60_010).allowed, true);
    assert.equal(tools.decide('calc/add', {}, 60_020).allowed, true);
    assert.equal(tools.decide('calc/add', {}, 60_021).allowed, false);
  });

  it('counts each tool name of a glob rule apart', () => {
    const tools = make();
    for (let i = 0; i < 3; i++) assert.equal(tools.decide('calc/add', {}, i).allowed, true);
    assert.equal(tools.decide('calc/add', {}, 5).allowed, false);
    assert.equal(tools.decide('calc/sub', {}, 5).allowed, true);
  });

  it('counts only allowed calls; peek and refused arguments use nothing', () => {
    const tools = make();
    for (let i = 0; i < 10; i++) {
      assert.equal(tools.decide('calc/add', { n: 99 }, i).allowed, false);
      assert.equal(tools.peek('calc/add').allowed, true);
    }
    for (let i = 0; i < 3; i++) assert.equal(tools.decide('calc/add', { n: 1 }, 100).allowed, true);
    assert.equal(tools.decide('calc/add', { n: 1 }, 100).retryAfterMs, 60_000);
    assert.equal(tools.decide('free', {}, 0).allowed, true);
  });

  it('words a limit of one', () => {
    const tools = make();
    assert.equal(tools.decide('once', {}, 1000).allowed, true);
    const d = tools.decide('once', {}, 1500);
    assert.match(d.reason, /was called once in the last minute/);
    assert.match(d.reason, /retry in 60 seconds/);
    assert.equal(d.retryAfterMs, 59_500);
    assert.match(tools.decide('once', {}, 60_500).reason, /retry in 1 second$/);
  });

  it('uses the clock when no time is given', () => {
    const tools = make();
    assert.equal(tools.decide('once').allowed, true);
    const d = tools.decide('once');
    assert.equal(d.allowed, false);
    assert.ok(d.retryAfterMs! > 59_000 && d.retryAfterMs! <= 60_000);
  });
});

describe('sliding window', () => {
  it('keeps counting the keys still in the window when it forgets old ones', () => {
    const w = new SlidingWindow(1, 1000);
    for (let i = 0; i < 3000; i++) assert.equal(w.take(`k${i}`, 0), 0);
    assert.equal(w.take('k0', 500), 500);
    for (let i = 0; i < 3000; i++) assert.equal(w.take(`n${i}`, 2000), 0);
    assert.equal(w.take('k0', 2000), 0, 'a forgotten key starts afresh');
    assert.equal(w.take('n0', 2500), 500);
  });

  it('never asks to wait longer than the window, even when the clock goes back', () => {
    const w = new SlidingWindow(1, 1000);
    w.take('a', 10_000);
    assert.equal(w.take('a', 0), 1000);
  });
});
