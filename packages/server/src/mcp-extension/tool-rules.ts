// The compiled `mcp.tools` rules: deny rules first, then the allow rule that
// matches the name, then that rule's parameter constraints, then its rate limit.

import { type Decision, NameMatcher, quote, type RuleRef } from '@mcpkit/wasm-policy';
import { ParameterCheck } from './constraint.js';
import { decision, describeRule, invalid, type McpDecision, ruleRef } from './decision.js';
import type { McpRuleLists, ToolRule } from './model.js';
import { SlidingWindow } from './rate-limit.js';

interface Conditions {
  /** "the `mcp.tools.allow` rule `x` (line n)" */
  readonly label: string;
  readonly checks: readonly ParameterCheck[];
  readonly max: number;
  readonly window: SlidingWindow | undefined;
}

const FAILED = invalid('the tool check failed; denied');
const NOT_A_MAP = invalid('the tool arguments are not a map; denied');

function compileConditions(rule: ToolRule, index: number): Conditions | undefined {
  const params = rule.parameters ?? [];
  if (params.length === 0 && rule.maxCallsPerMinute === undefined) return undefined;
  const ref = ruleRef(rule.at, 'mcp.tools', 'allow', index, rule.name);
  return Object.freeze({
    label: describeRule(ref),
    checks: Object.freeze(params.map((c) => new ParameterCheck(c))),
    max: rule.maxCallsPerMinute ?? 0,
    window:
      rule.maxCallsPerMinute === undefined ? undefined : new SlidingWindow(rule.maxCallsPerMinute),
  });
}

function seconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s === 1 ? '1 second' : `${s} seconds`;
}

export class ToolRules {
  readonly #names: NameMatcher;
  /** By allow-rule index; undefined for a rule with neither constraints nor a limit. */
  readonly #conditions: ReadonlyArray<Conditions | undefined>;

  constructor(lists: McpRuleLists<ToolRule>) {
    this.#names = new NameMatcher('mcp.tools', lists);
    this.#conditions = Object.freeze(lists.allow.map(compileConditions));
    Object.freeze(this);
  }

  /**
   * Decide a call of tool `name` with `args`. An allowed call uses one slot of
   * its rule's rate limit, counted per `client` when one is named; `now` (ms
   * since the epoch) defaults to `Date.now()`.
   */
  decide(name: string, args?: Record<string, unknown>, now?: number, client?: string): McpDecision {
    try {
      const d = this.#names.decide(name);
      if (!d.allowed) return d;
      const cond = this.#conditions[d.rule!.index];
      if (cond === undefined) return d;
      const checks = cond.checks;
      if (checks.length > 0 && args !== undefined && args !== null) {
        if (typeof args !== 'object' || Array.isArray(args)) return NOT_A_MAP;
        for (let i = 0; i < checks.length; i++) {
          const check = checks[i]!;
          const p = check.parameter;
          if (!Object.hasOwn(args, p)) continue;
          const value = args[p];
          if (value === undefined) continue;
          const why = check.failure(value, cond.label);
          if (why !== undefined)
            return decision(false, 'not-granted', d.rule, why, { parameter: p });
        }
      }
      if (cond.window !== undefined) {
        const wait = cond.window.take(
          client === undefined ? name : `${client}\0${name}`,
          now ?? Date.now(),
        );
        if (wait > 0) return this.#limited(name, d.rule!, cond, wait);
      }
      return d;
    } catch {
      return FAILED;
    }
  }

  /** Whether the name alone is allowed: no arguments, no rate limit, nothing used. */
  peek(name: string): Decision {
    try {
      return this.#names.decide(name);
    } catch {
      return FAILED;
    }
  }

  #limited(name: string, rule: RuleRef, cond: Conditions, wait: number): McpDecision {
    const times = cond.max === 1 ? 'once' : `${cond.max} times`;
    return decision(
      false,
      'not-granted',
      rule,
      `tool ${quote(name)} was called ${times} in the last minute, the \`max_calls_per_minute\` of ${cond.label}; retry in ${seconds(wait)}`,
      { retryAfterMs: wait },
    );
  }
}
