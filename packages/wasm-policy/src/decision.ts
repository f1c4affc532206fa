// What every check returns: allowed or not, the rule that decided, and why.
// Decisions for rules are built once at compile time; checks allocate nothing.

import type { SourceRef } from './model.js';

export type DecisionCode =
  /** An allow rule matched and no deny rule did. */
  | 'allowed'
  /** A deny rule matched. */
  | 'denied'
  /** No rule grants it (default deny). */
  | 'not-granted'
  /** The input could not be understood (bad path, bad host): denied. */
  | 'invalid'
  /** A special address (loopback, link-local, metadata, private) no rule names explicitly. */
  | 'special-address';

export interface RuleRef extends SourceRef {
  /** `storage`, `network`, `environment`, or an extension id. */
  readonly section: string;
  readonly list: 'allow' | 'deny';
  readonly index: number;
  /** The rule's subject as written: a URI, host, CIDR or key. */
  readonly text: string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly code: DecisionCode;
  /** The rule that decided; null for default deny and invalid input. */
  readonly rule: RuleRef | null;
  readonly reason: string;
}

export function ruleDecision(rule: RuleRef): Decision {
  const line = rule.line > 0 ? ` (line ${rule.line}${rule.file ? ` of ${rule.file}` : ''})` : '';
  const verb = rule.list === 'allow' ? 'allowed' : 'denied';
  return Object.freeze({
    allowed: rule.list === 'allow',
    code: rule.list === 'allow' ? 'allowed' : 'denied',
    rule: Object.freeze(rule),
    reason: `${verb} by the \`${rule.section}.${rule.list}\` rule \`${rule.text}\`${line}`,
  });
}

export function denial(
  code: 'not-granted' | 'invalid' | 'special-address',
  reason: string,
): Decision {
  return Object.freeze({ allowed: false, code, rule: null, reason });
}
