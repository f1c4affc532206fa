// A sliding-window rate limit: at most `max` calls in any `windowMs`, counted
// per key (a tool, a client, a network rule). Each key keeps the times of its last `max` calls in a
// ring; a call is allowed when the oldest of them has left the window.

interface Ring {
  readonly times: number[];
  /** When the ring is full, the index of the oldest time. */
  next: number;
}

const SWEEP_FROM = 1024;

export class SlidingWindow {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #rings = new Map<string, Ring>();
  #sweepAt = SWEEP_FROM;

  constructor(max: number, windowMs = 60_000) {
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /**
   * Take a slot for `key` at time `now`: 0 when the call is allowed (the slot
   * is used), otherwise the milliseconds until one frees up (nothing is used).
   */
  take(key: string, now: number): number {
    let ring = this.#rings.get(key);
    if (ring === undefined) {
      if (this.#rings.size >= this.#sweepAt) this.#sweep(now);
      ring = { times: [], next: 0 };
      this.#rings.set(key, ring);
    }
    const times = ring.times;
    if (times.length < this.#max) {
      times.push(now);
      return 0;
    }
    const oldest = times[ring.next]!;
    const wait = oldest + this.#windowMs - now;
    if (wait > 0) return Math.min(wait, this.#windowMs);
    times[ring.next] = now;
    ring.next = ring.next + 1 === times.length ? 0 : ring.next + 1;
    return 0;
  }

  /** Forget keys whose last call has left the window, so many names cannot grow the map forever. */
  #sweep(now: number): void {
    for (const [key, ring] of this.#rings) {
      const t = ring.times;
      const newest = t.length < this.#max ? t[t.length - 1] : t[(ring.next || t.length) - 1];
      if (newest === undefined || newest + this.#windowMs <= now) this.#rings.delete(key);
    }
    this.#sweepAt = Math.max(SWEEP_FROM, this.#rings.size * 2);
  }
}
