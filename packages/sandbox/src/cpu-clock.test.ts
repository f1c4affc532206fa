// The thread CPU clock: it advances while a thread computes and stands
// still while it sleeps, read from another thread.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { currentThreadId, threadCpuClock } from './cpu-clock.js';

/** A worker that tells its thread id, then spins or sleeps on command. */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { readlinkSync } = require('node:fs');
parentPort.postMessage(Number(readlinkSync('/proc/thread-self').split('/')[2]));
parentPort.on('message', ({ spin, sleep }) => {
  if (spin) { const end = Date.now() + spin; while (Date.now() < end); }
  if (sleep) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sleep);
  parentPort.postMessage('done');
});`;

describe('thread cpu clock', () => {
  it('knows this thread, and measures another one from here', async () => {
    assert.ok(currentThreadId() > 0, 'Linux has /proc/thread-self');
    const worker = new Worker(SOURCE, { eval: true });
    try {
      const tid = await new Promise<number>((r) => worker.once('message', r));
      assert.notEqual(tid, currentThreadId());
      const clock = threadCpuClock(tid);
      assert.ok(clock, 'the clock of a thread of this process can be read');
      const step = async (msg: object) => {
        const before = clock.read()!;
        const wall = performance.now();
        worker.postMessage(msg);
        await new Promise((r) => worker.once('message', r));
        return { cpu: (clock.read()! - before) / 1e6, wall: performance.now() - wall };
      };
      const busy = await step({ spin: 300 });
      const asleep = await step({ sleep: 300 });
      // CPU time never exceeds the wall-clock time it took; a sleep takes next to none.
      assert.ok(busy.cpu > 0 && busy.cpu <= busy.wall + 10, JSON.stringify(busy));
      assert.ok(asleep.wall >= 300 && asleep.cpu < 100, JSON.stringify(asleep));
      assert.ok(busy.cpu > asleep.cpu);
      clock.close();
      assert.equal(clock.read(), undefined);
    } finally {
      await worker.terminate();
    }
    assert.equal(threadCpuClock(0), undefined);
    assert.equal(threadCpuClock(2 ** 30), undefined, 'no such thread');
  });
});
