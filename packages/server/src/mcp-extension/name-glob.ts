// Name globs (tool and prompt names, resource URIs, non-path argument
// patterns): `*` any run of characters, `?` one character, `\x` a literal x.
// Syntax checks and a conservative coverage test; matching is NameMatcher's.

import { nameGlobMatches } from '@mcpkit/wasm-policy';

/** A syntax problem in a name glob, or undefined when it is valid. */
export function nameGlobSyntaxError(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'contains a control character';
  const trailing = /\\*$/.exec(pattern)![0].length;
  if (trailing % 2 === 1) return 'ends with a lone `\\`';
  return undefined;
}

/** The characters before the first wildcard, escapes resolved. */
export function literalPrefix(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' || c === '?') break;
    if (c === '\\' && i + 1 < pattern.length) out += pattern[++i]!;
    else out += c;
  }
  return out;
}

/** The text a glob without wildcards stands for, or undefined when it has one. */
export function literalName(pattern: string): string | undefined {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' || c === '?') return undefined;
    if (c === '\\' && i + 1 < pattern.length) out += pattern[++i]!;
    else out += c;
  }
  return out;
}

const ALL_STARS = /^\*+$/;

/**
 * Does every name `inner` matches also match `outer`? Conservative (false
 * when unsure): equal globs; `*`; a `prefix*` outer covering an inner whose
 * literal prefix starts with that prefix; or a literal inner that outer matches.
 */
export function nameGlobCovers(outer: string, inner: string): boolean {
  if (outer === inner || ALL_STARS.test(outer)) return true;
  const literal = literalName(inner);
  if (literal !== undefined) return nameGlobMatches(outer, literal);
  const body = outer.slice(0, -1);
  if (outer.endsWith('*') && !/[*?\\]/.test(body)) return literalPrefix(inner).startsWith(body);
  return false;
}
