// Lexical normalisation of absolute host paths, shared by compile and decide.
// No file system access: symlinks are the runtime's business, `..` is not.

export interface PathError {
  readonly error: 'nul' | 'relative' | 'escapes-root' | 'too-long' | 'empty';
  readonly message: string;
}

const err = (error: PathError['error'], message: string): PathError =>
  Object.freeze({ error, message });

export const PATH_NUL = err('nul', 'the path contains a NUL byte');
export const PATH_RELATIVE = err('relative', 'the path is not absolute');
export const PATH_ESCAPES_ROOT = err('escapes-root', 'the path climbs above `/` with `..`');
export const PATH_TOO_LONG = err('too-long', 'the path is longer than 4096 characters');
export const PATH_EMPTY = err('empty', 'the path is empty');

export const MAX_PATH_LENGTH = 4096;

// Anything that needs work: `//`, `/./`, `/../`, a trailing `/.` or `/..`,
// NUL or non-ASCII (NFC).
const NEEDS_WORK = /\/\/|\/\.\.?(?:\/|$)|[^\x01-\x7f]/;

/**
 * Resolve `.` and `..`, collapse `//`, drop a trailing `/`, apply Unicode NFC.
 * Returns the normalised absolute path, or a `PathError` (which must deny).
 * Backslashes and percent signs are ordinary file-name characters on POSIX.
 */
export function normalizePath(input: string): string | PathError {
  const n = input.length;
  if (n === 0) return PATH_EMPTY;
  if (input.charCodeAt(0) !== 47) return PATH_RELATIVE;
  if (n > MAX_PATH_LENGTH) return PATH_TOO_LONG;
  if (!NEEDS_WORK.test(input)) {
    return n > 1 && input.charCodeAt(n - 1) === 47 ? input.slice(0, -1) : input;
  }
  if (input.includes('\0')) return PATH_NUL;
  const text = /[^\x00-\x7f]/.test(input) ? input.normalize('NFC') : input;
  const out: string[] = [];
  const end = text.length;
  for (let i = 1; i <= end; ) {
    let j = text.indexOf('/', i);
    if (j < 0) j = end;
    const len = j - i;
    if (len === 2 && text.charCodeAt(i) === 46 && text.charCodeAt(i + 1) === 46) {
      if (out.length === 0) return PATH_ESCAPES_ROOT;
      out.pop();
    } else if (len > 0 && !(len === 1 && text.charCodeAt(i) === 46)) out.push(text.slice(i, j));
    i = j + 1;
  }
  const result = `/${out.join('/')}`;
  return result.length > MAX_PATH_LENGTH ? PATH_TOO_LONG : result;
}

export function isPathError(value: string | PathError): value is PathError {
  return typeof value !== 'string';
}

/** `/a/b` is `/a/b` or lies beneath it; both normalised. */
export function isWithin(path: string, dir: string): boolean {
  if (dir === '/') return true;
  return path === dir || (path.startsWith(dir) && path.charCodeAt(dir.length) === 47);
}

/** Resolve `relative` against an absolute, normalised base, then normalise. */
export function resolvePath(base: string, relative: string): string | PathError {
  if (relative.startsWith('/')) return normalizePath(relative);
  return normalizePath(base === '/' ? `/${relative}` : `${base}/${relative}`);
}
