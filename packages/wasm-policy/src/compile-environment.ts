// The compiled environment matcher: exact keys in a map, then prefix patterns.

import { type Decision, denial, ruleDecision } from './decision.js';
import type { EnvRule, RuleLists } from './model.js';

class KeyIndex {
  readonly exact = new Map<string, Decision>();
  readonly prefixes: Array<{ prefix: string; decision: Decision }> = [];

  add(key: string, decision: Decision): void {
    if (key.endsWith('*')) this.prefixes.push({ prefix: key.slice(0, -1), decision });
    else if (!this.exact.has(key)) this.exact.set(key, decision);
  }

  match(key: string): Decision | undefined {
    const d = this.exact.get(key);
    if (d !== undefined) return d;
    for (let i = 0; i < this.prefixes.length; i++) {
      const p = this.prefixes[i]!;
      if (key.startsWith(p.prefix)) return p.decision;
    }
    return undefined;
  }
}

const NOT_GRANTED = denial('not-granted', 'no `environment.allow` rule grants this variable');

export class EnvironmentMatcher {
  readonly #allow = new KeyIndex();
  readonly #deny = new KeyIndex();

  constructor(lists: RuleLists<EnvRule>) {
    for (const list of ['allow', 'deny'] as const) {
      lists[list].forEach((rule, index) => {
        const decision = ruleDecision({
          ...rule.at,
          section: 'environment',
          list,
          index,
          text: rule.key,
        });
        (list === 'allow' ? this.#allow : this.#deny).add(rule.key, decision);
      });
    }
  }

  decide(key: string): Decision {
    return this.#deny.match(key) ?? this.#allow.match(key) ?? NOT_GRANTED;
  }
}
