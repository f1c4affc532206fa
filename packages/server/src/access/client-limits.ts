// Limits per client identity: requests per minute (a sliding window) and
// tool calls at once. Each client counts apart, so one client's burst never
// slows another.

import { SlidingWindow } from '../mcp-extension/rate-limit.js';
import type { ClientLimits } from './model.js';

export class ClientLimiter {
  /** One window per distinct limit (roles may differ), keyed inside by client id. */
  readonly #windows = new Map<number, SlidingWindow>();
  readonly #calls = new Map<string, number>();

  /** 0 when the request may go on, else milliseconds until it may. */
  takeRequest(client: string, limits: ClientLimits | undefined, now = Date.now()): number {
    const max = limits?.requestsPerMinute;
    if (max === undefined) return 0;
    let w = this.#windows.get(max);
    if (!w) {
      w = new SlidingWindow(max);
      this.#windows.set(max, w);
    }
    return w.take(client, now);
  }

  /** A release function when another call may start now, else undefined. */
  enterCall(client: string, limits: ClientLimits | undefined): (() => void) | undefined {
    const max = limits?.concurrentCalls;
    const n = this.#calls.get(client) ?? 0;
    if (max !== undefined && n >= max) return undefined;
    this.#calls.set(client, n + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.#calls.get(client) ?? 1) - 1;
      if (left === 0) this.#calls.delete(client);
      else this.#calls.set(client, left);
    };
  }
}
