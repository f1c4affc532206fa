// Parameter constraints compiled once per rule: a path or name matcher, a set
// of enum values, bounds. A check reads the argument and builds a reason only
// when it fails.

import { NameMatcher, quote } from '@mcpkit/wasm-policy';
import { describeValue } from './decision.js';
import type { EnumValue, ParameterConstraint } from './model.js';
import { isPathPattern, PathPattern } from './path-pattern.js';
import { longerThan, textLength } from './text-length.js';

/** Why `value` fails, given the rule's description, or undefined when it passes. */
type Check = (value: unknown, rule: string) => string | undefined;

const MAX_LISTED = 8;

function listValues(values: readonly EnumValue[]): string {
  const shown = values.slice(0, MAX_LISTED).map((v) => quote(v));
  return values.length > MAX_LISTED ? `${shown.join(', ')}, …` : shown.join(', ');
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  return min !== undefined ? `of at least ${min}` : `of at most ${max}`;
}

function patternCheck(arg: string, c: ParameterConstraint, pattern: string): Check {
  const qa = quote(arg);
  const qp = quote(pattern);
  const wrongType = (value: unknown, rule: string) =>
    `argument ${qa} must be text to match ${qp} required by ${rule}, not ${describeValue(value)}`;
  if (isPathPattern(pattern)) {
    const path = new PathPattern(pattern, c.at);
    return (value, rule) => {
      if (typeof value !== 'string') return wrongType(value, rule);
      const m = path.match(value);
      if (m.ok) return undefined;
      const head = `argument ${qa} = ${quote(value)}`;
      if ('error' in m)
        return `${head} does not match ${qp} required by ${rule}: ${m.error.message}`;
      const resolved = m.resolved === value ? '' : ` (resolved to ${quote(m.resolved)})`;
      return `${head}${resolved} does not match ${qp} required by ${rule}`;
    };
  }
  const names = new NameMatcher('argument', { allow: [{ name: pattern, at: c.at }], deny: [] });
  return (value, rule) => {
    if (typeof value !== 'string') return wrongType(value, rule);
    if (names.decide(value).allowed) return undefined;
    return `argument ${qa} = ${quote(value)} does not match ${qp} required by ${rule}`;
  };
}

function enumCheck(arg: string, values: readonly EnumValue[]): Check {
  const set = new Set<unknown>(values);
  const listed = listValues(values);
  return (value, rule) =>
    set.has(value)
      ? undefined
      : `argument ${quote(arg)} = ${quote(value)} is not one of ${listed} required by ${rule}`;
}

function rangeCheck(arg: string, min: number | undefined, max: number | undefined): Check {
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  const range = rangeText(min, max);
  return (value, rule) => {
    if (typeof value !== 'number')
      return `argument ${quote(arg)} must be a number ${range} required by ${rule}, not ${describeValue(value)}`;
    if (value >= lo && value <= hi) return undefined;
    return `argument ${quote(arg)} = ${quote(value)} is not a number ${range} required by ${rule}`;
  };
}

function lengthCheck(arg: string, max: number): Check {
  return (value, rule) => {
    if (typeof value !== 'string')
      return `argument ${quote(arg)} must be text of at most ${max} characters required by ${rule}, not ${describeValue(value)}`;
    if (!longerThan(value, max)) return undefined;
    return `argument ${quote(arg)} is ${textLength(value)} characters long, over the \`max_length\` of ${max} required by ${rule}`;
  };
}

/** Every constraint on one argument. */
export class ParameterCheck {
  readonly parameter: string;
  readonly #checks: readonly Check[];

  constructor(c: ParameterConstraint) {
    this.parameter = c.parameter;
    const checks: Check[] = [];
    if (c.enum !== undefined) checks.push(enumCheck(c.parameter, c.enum));
    if (c.pattern !== undefined) checks.push(patternCheck(c.parameter, c, c.pattern));
    if (c.minimum !== undefined || c.maximum !== undefined)
      checks.push(rangeCheck(c.parameter, c.minimum, c.maximum));
    if (c.maxLength !== undefined) checks.push(lengthCheck(c.parameter, c.maxLength));
    this.#checks = checks;
    Object.freeze(this);
  }

  /** Why the present argument `value` fails, or undefined. */
  failure(value: unknown, rule: string): string | undefined {
    const checks = this.#checks;
    for (let i = 0; i < checks.length; i++) {
      const why = checks[i]!(value, rule);
      if (why !== undefined) return why;
    }
    return undefined;
  }
}
