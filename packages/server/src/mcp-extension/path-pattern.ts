// Argument patterns that start with `/` are path globs with wasm-policy's
// storage semantics (`**` whole segments, dotfiles hidden from wildcards, a
// literal path covers what lies beneath it). wasm-policy exports no standalone
// compiled path matcher, so each pattern is compiled once as a one-rule
// storage policy and asked through the public `decideStorage`.

import {
  type CompiledPolicy,
  compilePolicy,
  emptyPolicy,
  globSyntaxError,
  isPathError,
  normalizePath,
  type PathError,
  type SourceRef,
  storagePatternCovers,
} from '@mcpkit/wasm-policy';

export function isPathPattern(pattern: string): boolean {
  return pattern.startsWith('/');
}

export interface PatternProblem {
  readonly code: 'glob-syntax' | 'pattern-dots';
  readonly message: string;
  readonly help?: string;
}

/** What is wrong with a path glob (the message follows the quoted glob), or undefined. */
export function pathPatternProblem(pattern: string): PatternProblem | undefined {
  const syntax = globSyntaxError(pattern);
  if (syntax) return { code: 'glob-syntax', message: syntax };
  if (pattern.split('/').some((s) => s === '.' || s === '..')) {
    return {
      code: 'pattern-dots',
      message: 'contains a `.` or `..` segment',
      help: 'write the directory it means, without `.` or `..`',
    };
  }
  return undefined;
}

/** The stored form: NFC, no `//`, no trailing `/` (as storage globs are stored). */
export function normalizePathPattern(pattern: string): string {
  let out = pattern.normalize('NFC').replace(/\/{2,}/g, '/');
  if (out.length > 1 && out.endsWith('/')) out = out.slice(0, -1);
  return out;
}

/** Is every path `inner` matches also matched by `outer`? Conservative. */
export function pathPatternCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  // Brace alternatives are not expanded here (no public expansion): unsure, so no.
  if (/[{}]/.test(outer) || /[{}]/.test(inner)) return false;
  return storagePatternCovers(outer, inner);
}

export type PathMatch =
  | { readonly ok: true }
  | { readonly ok: false; readonly resolved: string }
  | { readonly ok: false; readonly error: PathError };

const OK: PathMatch = Object.freeze({ ok: true });

export class PathPattern {
  readonly #policy: CompiledPolicy;

  constructor(
    readonly pattern: string,
    at: SourceRef,
  ) {
    this.#policy = compilePolicy({
      ...emptyPolicy(),
      storage: {
        allow: [{ uri: `fs://${pattern}`, pattern, access: ['read'], at }],
        deny: [],
      },
    });
    Object.freeze(this);
  }

  /** Normalise `path` lexically, then match it. */
  match(path: string): PathMatch {
    const normal = normalizePath(path);
    if (isPathError(normal)) return { ok: false, error: normal };
    return this.#policy.decideStorage(normal, 'read').allowed
      ? OK
      : { ok: false, resolved: normal };
  }
}
