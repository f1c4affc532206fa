// Combining and comparing parameter constraints, for merge (a rule repeated
// in base and child) and for keeping grants under a ceiling.

import type { EnumValue, ParameterConstraint } from './model.js';
import { nameGlobCovers } from './name-glob.js';
import { isPathPattern, pathPatternCovers } from './path-pattern.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function smaller(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

function larger(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.max(a, b);
}

/** Does every argument `inner` accepts also pass `outer`? Conservative. */
export function patternCovers(outer: string, inner: string): boolean {
  if (outer === inner || /^\*+$/.test(outer)) return true;
  const op = isPathPattern(outer);
  if (op !== isPathPattern(inner)) return false;
  return op ? pathPatternCovers(outer, inner) : nameGlobCovers(outer, inner);
}

/** When two patterns both apply: the one the other covers; undefined when unknown. */
export function narrowerPattern(a: string, b: string): string | undefined {
  if (patternCovers(a, b)) return b;
  if (patternCovers(b, a)) return a;
  return undefined;
}

/**
 * One constraint that holds where both `a` and `b` hold: enum values in both,
 * the larger minimum, the smaller maximum and `max_length`, the narrower
 * pattern. Where that cannot be written (unrelated patterns, no common enum
 * value, an empty range, text and number kinds together), `onUnrelated` says
 * whether `b` wins (merge: the child is the more specific document) or the
 * combination fails with undefined (a ceiling must never be widened).
 */
export function combineConstraint(
  a: ParameterConstraint,
  b: ParameterConstraint,
  onUnrelated: 'second' | 'fail',
): ParameterConstraint | undefined {
  const unrelated = () => (onUnrelated === 'fail' ? undefined : b);
  const out: Mutable<ParameterConstraint> = { parameter: a.parameter, at: a.at };
  if (a.pattern !== undefined && b.pattern !== undefined) {
    const p = narrowerPattern(a.pattern, b.pattern);
    if (p === undefined) return unrelated();
    out.pattern = p;
  } else {
    const p = a.pattern ?? b.pattern;
    if (p !== undefined) out.pattern = p;
  }
  if (a.enum !== undefined && b.enum !== undefined) {
    const other = new Set<EnumValue>(b.enum);
    out.enum = a.enum.filter((v) => other.has(v));
    if (out.enum.length === 0) return unrelated();
  } else {
    const e = a.enum ?? b.enum;
    if (e !== undefined) out.enum = e;
  }
  const minimum = larger(a.minimum, b.minimum);
  const maximum = smaller(a.maximum, b.maximum);
  const maxLength = smaller(a.maxLength, b.maxLength);
  if (minimum !== undefined) out.minimum = minimum;
  if (maximum !== undefined) out.maximum = maximum;
  if (maxLength !== undefined) out.maxLength = maxLength;
  if (minimum !== undefined && maximum !== undefined && minimum > maximum) return unrelated();
  const forText = out.pattern !== undefined || out.maxLength !== undefined;
  const forNumbers = out.minimum !== undefined || out.maximum !== undefined;
  if (forText && forNumbers) return unrelated();
  return out;
}

/** Constraints of both lists, combined per argument; undefined when one cannot be combined. */
export function combineParameters(
  a: readonly ParameterConstraint[] | undefined,
  b: readonly ParameterConstraint[] | undefined,
  onUnrelated: 'second' | 'fail',
): ParameterConstraint[] | undefined {
  const out: ParameterConstraint[] = [];
  const rest = [...(b ?? [])];
  for (const ca of a ?? []) {
    const i = rest.findIndex((cb) => cb.parameter === ca.parameter);
    if (i < 0) {
      out.push(ca);
      continue;
    }
    const both = combineConstraint(ca, rest[i]!, onUnrelated);
    if (both === undefined) return undefined;
    out.push(both);
    rest.splice(i, 1);
  }
  return [...out, ...rest];
}

/** Does `c` accept no more than `bound` does? Conservative: false when unsure. */
export function constraintWithin(
  c: ParameterConstraint | undefined,
  bound: ParameterConstraint,
): boolean {
  if (bound.pattern !== undefined) {
    if (c?.pattern === undefined || !patternCovers(bound.pattern, c.pattern)) return false;
  }
  if (bound.enum !== undefined) {
    const allowed = new Set<EnumValue>(bound.enum);
    if (c?.enum === undefined || !c.enum.every((v) => allowed.has(v))) return false;
  }
  if (bound.minimum !== undefined) {
    if (c?.minimum === undefined || c.minimum < bound.minimum) return false;
  }
  if (bound.maximum !== undefined) {
    if (c?.maximum === undefined || c.maximum > bound.maximum) return false;
  }
  if (bound.maxLength !== undefined) {
    if (c?.maxLength === undefined || c.maxLength > bound.maxLength) return false;
  }
  return true;
}
