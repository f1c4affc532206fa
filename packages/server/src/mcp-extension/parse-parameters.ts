// `parameters:` of a tool allow rule: per argument a constraint map, a glob
// (`path: "/data/**"`), or the seed's shorthand `path_pattern: "/data/**"`.

import { joinPointer, quote, type SectionContext, type SourceRef } from '@mcpkit/wasm-policy';
import type { EnumValue, ParameterConstraint } from './model.js';
import { nameGlobSyntaxError } from './name-glob.js';
import { readCount } from './parse-values.js';
import { isPathPattern, normalizePathPattern, pathPatternProblem } from './path-pattern.js';

export const CONSTRAINT_KEYS = Object.freeze([
  'pattern',
  'enum',
  'minimum',
  'maximum',
  'max_length',
] as const);

const SUFFIX = '_pattern';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A path glob (starts with `/`, returned normalised) or a name glob. */
export function readPattern(
  ctx: SectionContext,
  text: string,
  pointer: string,
): string | undefined {
  if (isPathPattern(text)) {
    const problem = pathPatternProblem(text);
    if (problem) {
      ctx.error(
        problem.code,
        pointer,
        `path pattern ${quote(text)} ${problem.message}`,
        problem.help,
      );
      return undefined;
    }
    return normalizePathPattern(text);
  }
  const syntax = nameGlobSyntaxError(text);
  if (syntax) {
    ctx.error('glob-syntax', pointer, `pattern ${quote(text)} ${syntax}`);
    return undefined;
  }
  if (/^(?:\.{1,2}\/|~)/.test(text)) {
    ctx.warning(
      'relative-path-pattern',
      pointer,
      `pattern ${quote(text)} does not start with \`/\`, so it is matched as a name glob over the text, not as a path`,
      'path patterns are absolute, e.g. `/data/**`',
    );
  }
  return text;
}

function readEnum(ctx: SectionContext, value: unknown, pointer: string): EnumValue[] | undefined {
  const list = ctx.readList(value, pointer, '`enum`');
  if (list === undefined) return undefined;
  if (list.length === 0) {
    ctx.error(
      'empty-enum',
      pointer,
      '`enum` is empty, so no value can pass',
      'list the values the argument may take',
    );
    return undefined;
  }
  let ok = true;
  list.forEach((v, i) => {
    if (v !== null && typeof v === 'object') {
      ctx.error(
        'type',
        joinPointer(pointer, i),
        `each value of \`enum\` must be text, a number, \`true\`, \`false\` or \`null\`, not ${Array.isArray(v) ? 'a list' : 'a map'}`,
      );
      ok = false;
    }
  });
  return ok ? [...new Set(list as EnumValue[])] : undefined;
}

function readConstraint(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
  parameter: string,
): ParameterConstraint | undefined {
  const what = `the constraint on parameter ${quote(parameter)}`;
  const map = ctx.readMap(value, pointer, what, CONSTRAINT_KEYS);
  if (!map) return undefined;
  const c: Mutable<ParameterConstraint> = { parameter, at: ctx.ref(pointer) };
  let ok = true;
  const at = (key: string) => joinPointer(pointer, key);
  if (map.pattern !== undefined) {
    const text = ctx.readString(map.pattern, at('pattern'), '`pattern`');
    const pattern = text === undefined ? undefined : readPattern(ctx, text, at('pattern'));
    if (pattern === undefined) ok = false;
    else c.pattern = pattern;
  }
  if (map.enum !== undefined) {
    const values = readEnum(ctx, map.enum, at('enum'));
    if (values === undefined) ok = false;
    else c.enum = values;
  }
  for (const key of ['minimum', 'maximum'] as const) {
    if (map[key] === undefined) continue;
    const n = ctx.readNumber(map[key], at(key), quote(key));
    if (n === undefined) ok = false;
    else c[key] = n;
  }
  if (map.max_length !== undefined) {
    const n = readCount(
      ctx,
      map.max_length,
      at('max_length'),
      'max_length',
      0,
      'the most characters the argument may have',
    );
    if (n === undefined) ok = false;
    else c.maxLength = n;
  }
  if (c.minimum !== undefined && c.maximum !== undefined && c.minimum > c.maximum) {
    ctx.error(
      'range-order',
      at('maximum'),
      `\`minimum\` ${c.minimum} is greater than \`maximum\` ${c.maximum}, so no value can pass`,
      'swap them',
    );
    ok = false;
  }
  const forText = (['pattern', 'max_length'] as const).filter((k) => map[k] !== undefined);
  const forNumbers = (['minimum', 'maximum'] as const).filter((k) => map[k] !== undefined);
  if (forText.length > 0 && forNumbers.length > 0) {
    ctx.error(
      'constraint-conflict',
      pointer,
      `${what} combines ${quote(forText[0])} (for text) with ${quote(forNumbers[0])} (for numbers), so no value can pass`,
      'keep the kind that fits the argument',
    );
    ok = false;
  }
  if (Object.keys(map).length === 0) {
    ctx.warning(
      'empty-constraint',
      pointer,
      `${what} is empty and constrains nothing`,
      `add ${CONSTRAINT_KEYS.map((k) => quote(k)).join(', ')}, or remove it`,
    );
  }
  return ok ? c : undefined;
}

/** The constraints of one rule, in document order; undefined after an error. */
export function readParameters(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): ParameterConstraint[] | undefined {
  const keys =
    value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
  const map = ctx.readMap(value, pointer, '`parameters`', keys);
  if (!map) return undefined;
  const out: ParameterConstraint[] = [];
  const seen = new Map<string, SourceRef>();
  let ok = true;
  for (const key of keys) {
    const at = joinPointer(pointer, key);
    const v = map[key];
    let parameter = key;
    let c: ParameterConstraint | undefined;
    if (typeof v === 'string') {
      if (key.endsWith(SUFFIX) && key.length > SUFFIX.length)
        parameter = key.slice(0, -SUFFIX.length);
      const pattern = readPattern(ctx, v, at);
      c = pattern === undefined ? undefined : { parameter, pattern, at: ctx.ref(at) };
    } else c = readConstraint(ctx, v, at, parameter);
    const earlier = seen.get(parameter);
    if (earlier !== undefined) {
      ctx.error(
        'duplicate-parameter',
        at,
        `parameter ${quote(parameter)} is constrained twice`,
        earlier.line > 0
          ? `it is also constrained at line ${earlier.line}; keep one`
          : 'keep one of them',
      );
      ok = false;
      continue;
    }
    seen.set(parameter, ctx.ref(at));
    if (c === undefined) ok = false;
    else out.push(c);
  }
  return ok ? out : undefined;
}
