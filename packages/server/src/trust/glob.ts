// Globs over source URIs and signer identities. Always anchored: a pattern
// matches the whole text or nothing.
//
//   source URIs:  `*` any characters but `/`;  `**` any characters;  `?` one
//                 character but `/`
//   identities:   `*` any characters but `/` and `@`;  `**` any characters
//                 but `@`;  `?` one such character. An email domain or a URI
//                 host can therefore never be stretched across an `@`, and
//                 `*@example.com` does not match `evil@example.com.attacker`.
//   `\x` is x literally. A pattern without wildcards is an exact match.

export type GlobFlavour = 'source' | 'identity';

const cache = new Map<string, RegExp>();

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|]/.test(c) ? `\\${c}` : c;
}

export function globToRegExp(pattern: string, flavour: GlobFlavour): RegExp {
  const key = `${flavour}\0${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const one = flavour === 'source' ? '[^/]' : '[^/@]';
  const many = flavour === 'source' ? '[\\s\\S]' : '[^@]';
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[++i] as string);
    } else if (c === '*' && pattern[i + 1] === '*') {
      while (pattern[i + 1] === '*') i++;
      re += `${many}*`;
    } else if (c === '*') re += `${one}*`;
    else if (c === '?') re += one;
    else re += escapeRe(c);
  }
  const out = new RegExp(`^${re}$`, 'u');
  cache.set(key, out);
  return out;
}

export function hasWildcard(pattern: string): boolean {
  return /(^|[^\\])[*?]/.test(pattern);
}

export function globMatches(pattern: string, text: string, flavour: GlobFlavour): boolean {
  if (!hasWildcard(pattern)) return pattern.replace(/\\(.)/g, '$1') === text;
  return globToRegExp(pattern, flavour).test(text);
}

/** A syntax problem in a glob, or undefined. */
export function trustGlobError(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (pattern.includes('\0')) return 'contains a NUL byte';
  if (pattern.endsWith('\\') && !pattern.endsWith('\\\\')) return 'ends with a lone `\\`';
  return undefined;
}
