// What a component may still take of the network, over all its calls: the
// `network.limits` of its policy and of each allow rule (requests per
// minute, requests in flight, response size). One budget per component,
// shared by every EgressService made for its calls.

import { type EgressLimits, type NetworkSection, SlidingWindow } from '@mcpkit/wasm-policy';

export type Admission =
  | { readonly ok: true; readonly maxResponseBytes: number | undefined; release(): void }
  | { readonly ok: false; readonly reason: string; readonly retryAfterMs?: number };

interface Counter {
  readonly limits: EgressLimits;
  /** "the `network.limits`", "the limits of the `network.allow` rule `api.example.com`" */
  readonly label: string;
  readonly window: SlidingWindow | undefined;
  inFlight: number;
}

const counter = (limits: EgressLimits, label: string): Counter => ({
  limits,
  label,
  window:
    limits.requestsPerMinute === undefined
      ? undefined
      : new SlidingWindow(limits.requestsPerMinute),
  inFlight: 0,
});

export class EgressBudget {
  readonly #section: Counter | undefined;
  /** By the index of the allow rule that carries limits. */
  readonly #rules = new Map<number, Counter>();

  constructor(network: NetworkSection) {
    this.#section = network.limits ? counter(network.limits, 'the `network.limits`') : undefined;
    network.allow.forEach((rule, i) => {
      if (rule.limits)
        this.#rules.set(
          i,
          counter(
            rule.limits,
            `the limits of the \`network.allow\` rule \`${rule.kind === 'host' ? rule.host : rule.cidr}\``,
          ),
        );
    });
  }

  /** Whether any limit is set at all (a budget without one is never consulted). */
  get limited(): boolean {
    return this.#section !== undefined || this.#rules.size > 0;
  }

  /**
   * Take one request allowed by the allow rule at `rule` (an index into
   * `network.allow`): nothing is taken when a limit refuses it.
   */
  admit(rule: number | undefined, now = Date.now()): Admission {
    const counters = [this.#section, rule === undefined ? undefined : this.#rules.get(rule)].filter(
      (c): c is Counter => c !== undefined,
    );
    for (const c of counters) {
      const max = c.limits.concurrentConnections;
      if (max !== undefined && c.inFlight >= max)
        return {
          ok: false,
          reason: `${max} request${max === 1 ? ' is' : 's are'} in flight already, the \`concurrent_connections\` of ${c.label}; retry when one ends`,
        };
    }
    // Windows last: a slot is used only once everything else admits the request.
    for (const c of counters) {
      const wait = c.window?.take('requests', now) ?? 0;
      if (wait > 0) {
        // The windows already charged keep their slot: the refused request still
        // counts against them, which only errs towards fewer requests.
        return {
          ok: false,
          reason: `${c.limits.requestsPerMinute} requests were made in the last minute, the \`requests_per_minute\` of ${c.label}; retry in ${Math.ceil(wait / 1000)} s`,
          retryAfterMs: wait,
        };
      }
    }
    for (const c of counters) c.inFlight++;
    let done = false;
    const sizes = counters
      .map((c) => c.limits.maxResponseBytes)
      .filter((n): n is number => n !== undefined);
    return {
      ok: true,
      maxResponseBytes: sizes.length > 0 ? Math.min(...sizes) : undefined,
      release: () => {
        if (done) return;
        done = true;
        for (const c of counters) c.inFlight--;
      },
    };
  }
}
