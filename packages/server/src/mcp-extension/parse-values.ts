// Small readers shared by the section parsers: required name globs and counts.

import { joinPointer, quote, type SectionContext } from '@mcpkit/wasm-policy';
import { nameGlobSyntaxError } from './name-glob.js';

export function missing(
  ctx: SectionContext,
  pointer: string,
  key: string,
  what: string,
  help: string,
) {
  ctx.error('missing-key', pointer, `${what} needs ${quote(key)}`, help);
}

/** `map[key]`, required, as a valid name glob. `kind` names it in messages (`tool name`). */
export function readNameGlob(
  ctx: SectionContext,
  map: Record<string, unknown>,
  key: string,
  pointer: string,
  what: string,
  kind: string,
  example: string,
): string | undefined {
  if (map[key] === undefined || map[key] === null) {
    missing(ctx, pointer, key, what, `add e.g. \`${key}: ${JSON.stringify(example)}\``);
    return undefined;
  }
  const at = joinPointer(pointer, key);
  const text = ctx.readString(map[key], at, quote(key));
  if (text === undefined) return undefined;
  const syntax = nameGlobSyntaxError(text);
  if (syntax) {
    const subject = text === '' ? kind : `${kind} ${quote(text)}`;
    ctx.error('glob-syntax', at, `${subject} ${syntax}`);
    return undefined;
  }
  return text;
}

/** A whole number of at least `min`. */
export function readCount(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
  key: string,
  min: 0 | 1,
  help: string,
): number | undefined {
  const n = ctx.readNumber(value, pointer, quote(key));
  if (n === undefined) return undefined;
  if (!Number.isSafeInteger(n) || n < min) {
    const want = min === 1 ? 'a whole number of at least 1' : 'a whole number of at least 0';
    ctx.error('invalid-limit', pointer, `${quote(key)} must be ${want}, not ${quote(n)}`, help);
    return undefined;
  }
  return n;
}
