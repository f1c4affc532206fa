// What the MCP checks return: wasm-policy's Decision, plus the argument that
// failed and, for a rate-limited call, when to retry.

import {
  type Decision,
  type DecisionCode,
  quote,
  type RuleRef,
  type SourceRef,
} from '@mcpkit/wasm-policy';

export interface McpDecision extends Decision {
  /** The argument whose constraint failed. */
  readonly parameter?: string;
  /** For a rate-limited call: milliseconds until a call would be allowed. */
  readonly retryAfterMs?: number;
}

export function ruleRef(
  at: SourceRef,
  section: string,
  list: 'allow' | 'deny',
  index: number,
  text: string,
): RuleRef {
  return Object.freeze({ ...at, section, list, index, text });
}

/** "the `mcp.tools.allow` rule `file_reader` (line 12)" */
export function describeRule(rule: RuleRef): string {
  const line = rule.line > 0 ? ` (line ${rule.line}${rule.file ? ` of ${rule.file}` : ''})` : '';
  return `the \`${rule.section}.${rule.list}\` rule ${quote(rule.text)}${line}`;
}

export function decision(
  allowed: boolean,
  code: DecisionCode,
  rule: RuleRef | null,
  reason: string,
  extra?: { parameter?: string; retryAfterMs?: number },
): McpDecision {
  return Object.freeze({ allowed, code, rule, reason, ...extra });
}

export function invalid(reason: string): McpDecision {
  return decision(false, 'invalid', null, reason);
}

/** How a value reads in a reason: its kind, and the value quoted. */
export function describeValue(value: unknown): string {
  if (value === null) return '`null`';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the text ${quote(value)}`;
  if (typeof value === 'number') return `the number ${quote(value)}`;
  return quote(value);
}
