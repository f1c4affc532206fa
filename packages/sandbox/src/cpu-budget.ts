// A component's CPU quota (`resources.limits.cpu`) as a budget of CPU time:
// it holds at most CPU_WINDOW_MS of the quota (`500m`: 5 s of CPU time) and
// refills at the quota's rate (`500m`: 0.5 ms per ms). Calls spend it as
// they run. When it is spent, running calls are stopped and new ones wait
// until a tenth of it (one second's refill) is back: a guest cannot be slowed
// down the way a kernel throttles a process, so the quota is kept by
// stopping and waiting. Over any span of T seconds the component's calls use
// at most `cpu × (T + 10 s)` of CPU time, give or take a check's latency.

import { formatCpu } from '@mcpkit/wasm-policy';
import { CpuQuotaError } from './errors.js';

/** How much of the quota the budget holds: `cpu ×` this is its size. */
export const CPU_WINDOW_MS = 10_000;
/** Once spent, calls start again when this share of the budget is back. */
const RESTART_SHARE = 0.1;

export class CpuBudget {
  /** Cores. */
  readonly cores: number;
  /** CPU time the budget holds when full, in ms. */
  readonly capacityMs: number;
  readonly #component: string;
  readonly #now: () => number;
  #balance: number;
  #at: number;
  /** Spent, and not yet refilled to RESTART_SHARE. */
  #exhausted = false;
  #running = 0;

  constructor(component: string, cores: number, now: () => number = () => performance.now()) {
    this.#component = component;
    this.cores = cores;
    this.capacityMs = cores * CPU_WINDOW_MS;
    this.#now = now;
    this.#balance = this.capacityMs;
    this.#at = now();
  }

  /** The quota as a policy writes it. */
  get quota(): string {
    return String(formatCpu(this.cores));
  }

  /** CPU time left, in ms (negative when calls used more than was left). */
  balance(): number {
    const now = this.#now();
    this.#balance = Math.min(this.capacityMs, this.#balance + (now - this.#at) * this.cores);
    this.#at = now;
    if (this.#exhausted && this.#balance >= this.capacityMs * RESTART_SHARE)
      this.#exhausted = false;
    return this.#balance;
  }

  /** Spend `ms` of CPU time. */
  charge(ms: number): void {
    if (!(ms > 0)) return;
    this.#balance = this.balance() - ms;
    if (this.#balance <= 0) this.#exhausted = true;
  }

  /** The budget is spent: running calls are to be stopped. */
  get spent(): boolean {
    return this.balance() <= 0;
  }

  /** How long until a call may start, in ms; 0 now. */
  startsIn(): number {
    const b = this.balance();
    if (!this.#exhausted) return 0;
    return (this.capacityMs * RESTART_SHARE - b) / this.cores;
  }

  /** A call starts, or ends, running on a thread of its own. */
  begin(): void {
    this.#running++;
  }
  end(): void {
    this.#running--;
  }

  /** The soonest the running calls could spend what is left (each runs on at most one core). */
  msUntilSpent(): number {
    return Math.max(0, this.balance()) / Math.max(1, this.#running);
  }

  /** The error for a call stopped because the budget ran out. */
  stopped(): CpuQuotaError {
    return new CpuQuotaError(this.#component, this.quota, this.startsIn());
  }

  /** The error for a call refused because it would wait longer than `waitLimitMs`. */
  refused(waitLimitMs: number): CpuQuotaError {
    return new CpuQuotaError(this.#component, this.quota, this.startsIn(), { waitLimitMs });
  }
}
