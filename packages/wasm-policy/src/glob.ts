// Path globs: syntax, brace expansion, and translation to the parts the
// storage matcher indexes. One definition of what a pattern means, used by
// validate, compile and the reference interpreter's tests.
//
//   *      any characters within one segment
//   ?      one character within a segment
//   [abc]  [a-z]  [!abc]   one character from (or not from) a set
//   **     zero or more whole segments; only as a whole segment
//   {a,b}  alternatives, expanded before matching (at most 64 expansions)
//   \x     the character x literally
//
// A segment that starts with `.` (a dotfile) is matched only by a pattern
// segment that starts with a literal `.`: `*` and `**` never reveal dotfiles.
//
// A pattern without any wildcard names a file or a directory together with
// everything beneath it, dotfiles included (as a preopened directory would).

export const MAX_BRACE_EXPANSIONS = 64;

/** A syntax problem in a glob, or undefined when the glob is valid. */
export function globSyntaxError(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (pattern.includes('\0')) return 'contains a NUL byte';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (i === pattern.length - 1) return 'ends with a lone `\\`';
      i++;
    } else if (c === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) return `has an unclosed \`[\` at offset ${i}`;
      if (pattern.slice(i, end + 1).includes('/')) return 'has a `/` inside `[...]`';
      i = end;
    } else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return `has an unmatched \`}\` at offset ${i}`;
      depth--;
    }
  }
  if (depth !== 0) return 'has an unclosed `{`';
  const expanded = expandBraces(pattern);
  if (expanded === undefined) return `expands to more than ${MAX_BRACE_EXPANSIONS} patterns`;
  for (const p of expanded) {
    for (const seg of p.split('/')) {
      if (seg.includes('**') && seg !== '**') {
        return '`**` must be a whole path segment, as in `dir/**/file`';
      }
    }
  }
  return undefined;
}

/** Index of the `]` closing the class that opens at `start`, or -1. */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '!' || pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
  }
  return -1;
}

/** Expand `{a,b}` alternatives (nested allowed). Undefined when too many. */
export function expandBraces(pattern: string): string[] | undefined {
  const out: string[] = [];
  const go = (p: string): boolean => {
    const open = findBrace(p);
    if (open < 0) {
      out.push(p.replace(/\\([{},])/g, '$1'));
      return out.length <= MAX_BRACE_EXPANSIONS;
    }
    let depth = 0;
    let close = -1;
    const commas: number[] = [];
    for (let i = open; i < p.length; i++) {
      const c = p[i];
      if (c === '\\') i++;
      else if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          close = i;
          break;
        }
      } else if (c === ',' && depth === 1) commas.push(i);
    }
    if (close < 0) {
      out.push(p);
      return out.length <= MAX_BRACE_EXPANSIONS;
    }
    const head = p.slice(0, open);
    const tail = p.slice(close + 1);
    const bounds = [open, ...commas, close];
    for (let k = 0; k < bounds.length - 1; k++) {
      if (!go(head + p.slice(bounds[k]! + 1, bounds[k + 1]) + tail)) return false;
    }
    return true;
  };
  return go(pattern) ? out : undefined;
}

function findBrace(p: string): number {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === '[') {
      const end = classEnd(p, i);
      if (end > 0) i = end;
    } else if (p[i] === '{') return i;
  }
  return -1;
}

/** A path written so that a glob matches it literally. */
export function escapeGlob(path: string): string {
  return path.replace(/[*?[\]{}\\]/g, '\\$&');
}

export function hasGlobMeta(segment: string): boolean {
  return /[*?[\\]/.test(segment);
}

/** The segment without escapes, when it has no wildcard; otherwise undefined. */
export function literalSegment(segment: string): string | undefined {
  if (!/[*?[]/.test(segment.replace(/\\./g, ''))) return segment.replace(/\\(.)/g, '$1');
  return undefined;
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Regex source for one segment (no `/`), without anchors. */
export function segmentRegex(segment: string): string {
  let out = '';
  // A dotfile is matched only by a segment that names the dot literally.
  if (segment[0] !== '.' && !segment.startsWith('\\.')) out += '(?!\\.)';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\') {
      out += escapeRegex(segment[++i] ?? '\\');
    } else if (c === '*') {
      while (segment[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = classEnd(segment, i);
      let body = segment.slice(i + 1, end);
      let negate = false;
      if (body[0] === '!' || body[0] === '^') {
        negate = true;
        body = body.slice(1);
      }
      body = body.replace(/\\(.)/g, (_m, ch: string) => `\\${ch}`).replace(/^\]/, '\\]');
      body = body.replace(/\[/g, '\\[');
      out += negate ? `[^/${body}]` : `[${body}]`;
      i = end;
    } else {
      out += escapeRegex(c);
    }
  }
  return out;
}

/**
 * Regex source matching a sequence of pattern segments against the rest of a
 * path, where the rest is `""` or starts with `/`.
 */
export function segmentsRegex(segments: readonly string[]): string {
  let out = '';
  for (const seg of segments) {
    out += seg === '**' ? '(?:/(?!\\.)[^/]+)*' : `/${segmentRegex(seg)}`;
  }
  return out;
}

/**
 * A parsed absolute glob: the literal directory it starts with, and what the
 * rest of a path below that directory must look like.
 */
export type GlobPlan =
  | { kind: 'prefix'; dir: string }
  | { kind: 'subtree'; dir: string }
  | { kind: 'regex'; dir: string; rest: string; restSegments: readonly string[] };

/** Plan an absolute, brace-free glob. `dir` has no trailing `/` (`""` is the root). */
export function planGlob(pattern: string): GlobPlan {
  const segs = pattern.split('/').filter((s) => s !== '');
  const lits: string[] = [];
  let i = 0;
  for (; i < segs.length; i++) {
    const lit = literalSegment(segs[i]!);
    if (lit === undefined) break;
    lits.push(lit);
  }
  const dir = lits.length === 0 ? '' : `/${lits.join('/')}`;
  const rest = segs.slice(i);
  if (rest.length === 0) return { kind: 'prefix', dir };
  if (rest.length === 1 && rest[0] === '**') return { kind: 'subtree', dir };
  return { kind: 'regex', dir, rest: segmentsRegex(rest), restSegments: rest };
}

/** Name globs (tool, prompt names): `*` any run of characters, `?` one character. */
export function nameGlobRegex(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) out += escapeRegex(pattern[++i]!);
    else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else out += escapeRegex(c);
  }
  return out;
}

export function isNameGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

// ---------------------------------------------------------------------------
// The plain interpreter: segment by segment, no regular expressions. It is the
// oracle the compiled matcher is tested against, and decides pattern coverage.

/** Does the absolute, brace-free glob match the normalised absolute path? */
export function globMatches(pattern: string, path: string): boolean {
  const pSegs = pattern.split('/').filter((s) => s !== '');
  const tSegs = path.split('/').filter((s) => s !== '');
  if (pSegs.every((s) => literalSegment(s) !== undefined)) {
    const lits = pSegs.map((s) => literalSegment(s)!);
    return lits.length <= tSegs.length && lits.every((s, i) => s === tSegs[i]);
  }
  return matchSegments(pSegs, 0, tSegs, 0);
}

function matchSegments(p: readonly string[], i: number, t: readonly string[], j: number): boolean {
  if (i === p.length) return j === t.length;
  if (p[i] === '**') {
    for (let k = j; k <= t.length; k++) {
      if (k > j && t[k - 1]!.startsWith('.')) break;
      if (matchSegments(p, i + 1, t, k)) return true;
    }
    return false;
  }
  if (j === t.length) return false;
  return segmentMatches(p[i]!, t[j]!) && matchSegments(p, i + 1, t, j + 1);
}

/** One pattern segment against one path segment. */
export function segmentMatches(pattern: string, text: string): boolean {
  if (text.startsWith('.') && !(pattern.startsWith('.') || pattern.startsWith('\\.'))) return false;
  return charsMatch(pattern, 0, text, 0);
}

function charsMatch(p: string, i: number, t: string, j: number): boolean {
  while (i < p.length) {
    const c = p[i]!;
    if (c === '*') {
      while (p[i + 1] === '*') i++;
      for (let k = j; k <= t.length; k++) if (charsMatch(p, i + 1, t, k)) return true;
      return false;
    }
    if (j >= t.length) return false;
    if (c === '?') {
      i++;
      j++;
    } else if (c === '[') {
      const end = classEnd(p, i);
      if (!classMatches(p.slice(i + 1, end), t[j]!)) return false;
      i = end + 1;
      j++;
    } else {
      const lit = c === '\\' ? p[++i]! : c;
      if (lit !== t[j]) return false;
      i++;
      j++;
    }
  }
  return j === t.length;
}

function classMatches(body: string, ch: string): boolean {
  let negate = false;
  let i = 0;
  if (body[0] === '!' || body[0] === '^') {
    negate = true;
    i = 1;
  }
  let found = false;
  let first = true;
  while (i < body.length) {
    let lo = body[i]!;
    if (lo === '\\') lo = body[++i]!;
    else if (lo === ']' && !first) break;
    i++;
    first = false;
    let hi = lo;
    if (body[i] === '-' && i + 1 < body.length) {
      hi = body[i + 1]!;
      if (hi === '\\') {
        hi = body[i + 2]!;
        i++;
      }
      i += 2;
    }
    if (ch >= lo && ch <= hi) found = true;
  }
  if (ch === '/') return false;
  return negate ? !found : found;
}
