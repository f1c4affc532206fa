// The compiled `mcp.prompts` rules: the name, then the allowing rule's
// `max_length` over the characters of all argument values together.

import { NameMatcher, quote } from '@mcpkit/wasm-policy';
import { decision, describeRule, invalid, type McpDecision, ruleRef } from './decision.js';
import type { McpRuleLists, PromptRule } from './model.js';
import { textLength } from './text-length.js';

const FAILED = invalid('the prompt check failed; denied');

interface Limit {
  readonly max: number;
  readonly label: string;
}

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
}

/** Characters of the argument values: text as is, anything else as its JSON. */
function argumentsLength(args: Record<string, unknown>, max: number): number {
  const keys = Object.keys(args);
  let units = 0;
  for (const key of keys) if (args[key] !== undefined) units += valueText(args[key]).length;
  if (units <= max) return units;
  let total = 0;
  for (const key of keys) if (args[key] !== undefined) total += textLength(valueText(args[key]));
  return total;
}

export class PromptRules {
  readonly #names: NameMatcher;
  readonly #limits: ReadonlyArray<Limit | undefined>;

  constructor(lists: McpRuleLists<PromptRule>) {
    this.#names = new NameMatcher('mcp.prompts', lists);
    this.#limits = Object.freeze(
      lists.allow.map((rule, index) =>
        rule.maxLength === undefined
          ? undefined
          : Object.freeze({
              max: rule.maxLength,
              label: describeRule(ruleRef(rule.at, 'mcp.prompts', 'allow', index, rule.name)),
            }),
      ),
    );
    Object.freeze(this);
  }

  /** Decide getting prompt `name` with `args`. */
  decide(name: string, args?: Record<string, unknown>): McpDecision {
    try {
      const d = this.#names.decide(name);
      if (!d.allowed) return d;
      const limit = this.#limits[d.rule!.index];
      if (limit === undefined || args === undefined || args === null) return d;
      if (typeof args !== 'object' || Array.isArray(args))
        return invalid('the prompt arguments are not a map; denied');
      const length = argumentsLength(args, limit.max);
      if (length <= limit.max) return d;
      return decision(
        false,
        'not-granted',
        d.rule,
        `the arguments of prompt ${quote(name)} are ${length} characters long, over the \`max_length\` of ${limit.max} required by ${limit.label}`,
      );
    } catch {
      return FAILED;
    }
  }
}
