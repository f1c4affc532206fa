// Waking the other thread without its event loop: a counter in shared memory.
// The sender bumps it and notifies; a worker sleeps in Atomics.wait on it,
// the main thread awaits Atomics.waitAsync. Payloads still travel over a
// MessagePort, read with receiveMessageOnPort. A thread asleep this way wakes
// in well under half the time an idle event loop takes to see a message.

export class Doorbell {
  readonly #cell: Int32Array;
  #seen = 0;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.#cell = new Int32Array(buffer);
  }

  ring(): void {
    Atomics.add(this.#cell, 0, 1);
    Atomics.notify(this.#cell, 0);
  }

  /**
   * Block until rung (or `timeoutMs` passes); true when rung. Spins for up to
   * `spinMs` first: a thread asleep in the kernel takes tens of microseconds
   * to wake, more than a short call takes, so a moment of spinning right
   * after work pays for itself when the next ring comes soon.
   */
  waitSync(timeoutMs: number, spinMs = 0): boolean {
    if (spinMs > 0) {
      const until = performance.now() + spinMs;
      while (Atomics.load(this.#cell, 0) === this.#seen) {
        if (performance.now() > until) break;
      }
    }
    const result = Atomics.wait(this.#cell, 0, this.#seen, timeoutMs);
    const now = Atomics.load(this.#cell, 0);
    const rung = result !== 'timed-out' || now !== this.#seen;
    this.#seen = now;
    return rung;
  }

  /** Resolve when rung (or after `timeoutMs`); true when rung. For the main thread. */
  async wait(timeoutMs: number): Promise<boolean> {
    const w = Atomics.waitAsync(this.#cell, 0, this.#seen, timeoutMs);
    const result = w.async ? await w.value : w.value;
    const now = Atomics.load(this.#cell, 0);
    const rung = result !== 'timed-out' || now !== this.#seen;
    this.#seen = now;
    return rung;
  }
}
