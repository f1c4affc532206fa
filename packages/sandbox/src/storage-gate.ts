// The one place guest paths become host paths. Every file system host
// function (WASI preview1 and WASI 0.2 alike) goes through here: resolve the
// guest path against its directory one component at a time, follow symlinks
// here rather than in the kernel, map the result into the paths the policy
// speaks of, and decide it with the compiled storage policy.

import { lstatSync, readlinkSync, realpathSync, type Stats, statSync } from 'node:fs';
import {
  type Access,
  type CompiledPolicy,
  type Decision,
  normalizePath,
  type StorageScope,
} from '@mcpkit/wasm-policy';
import { type Violation, type ViolationListener, violation } from './violation.js';

/** A directory the policy lets the guest reach. */
export interface Root {
  /** What the guest sees, the directory as the policy names it. */
  readonly guestPath: string;
  /** The same directory with host symlinks resolved. */
  readonly real: string;
}

export type ResolveFailure =
  | 'not-found'
  | 'not-directory'
  | 'loop'
  | 'outside'
  | 'invalid'
  | 'too-long';

export interface Resolved {
  /** Host path with every symlink resolved (the last component only when following). */
  readonly real: string;
  /** The same path in the terms the policy speaks of. */
  readonly policyPath: string;
  /** lstat of the final component; undefined when it does not exist or was not looked at. */
  readonly stat: Stats | undefined;
  /** The final component was not looked at (`statFinal: false`): the caller opens it with O_NOFOLLOW. */
  readonly unchecked?: boolean;
}

export type ResolveResult = { ok: true; value: Resolved } | { ok: false; failure: ResolveFailure };

/** As ResolveResult, plus `hidden`: a path the policy does not grant, whether or not it exists. */
export type GuestResolveResult =
  | { ok: true; value: Resolved }
  | { ok: false; failure: ResolveFailure | 'hidden' };

const MAX_SYMLINKS = 40;

/**
 * Kernel pseudo file systems: `/proc/self/environ` is the server's own
 * environment, `/proc/self/mem` its memory. A broad rule (`fs:///**`) does
 * not reach them; only a rule whose literal directory lies inside one does.
 */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

function pseudoRootOf(path: string): string | undefined {
  for (const r of PSEUDO_ROOTS) {
    if (path.startsWith(r) && (path.length === r.length || path.charCodeAt(r.length) === 47))
      return r;
  }
  return undefined;
}

/** The literal directory a storage rule's URI starts with. */
function literalDirOf(uri: string): string {
  const body = uri.startsWith('fs://') ? uri.slice(5) : uri;
  const segs: string[] = [];
  for (const seg of body.split('/')) {
    if (/[*?[{\\]/.test(seg)) break;
    if (seg !== '') segs.push(seg);
  }
  return `/${segs.join('/')}`;
}

const PSEUDO_DENIAL = (root: string) =>
  Object.freeze({
    allowed: false,
    code: 'not-granted' as const,
    rule: null,
    reason: `${root} is reachable only through a storage rule that names a path inside it`,
  });
const MAX_GUEST_PATH = 4096;

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/**
 * Where the next component of `path` at or after `from` starts, skipping
 * empty ones and `.`; -1 when none is left.
 */
function nextComponent(path: string, from: number): number {
  const n = path.length;
  let i = from;
  while (i < n) {
    const c = path.charCodeAt(i);
    if (c === 47) i++;
    else if (c === 46 && (i + 1 === n || path.charCodeAt(i + 1) === 47)) i += 2;
    else return i;
  }
  return -1;
}

const NO_THROW = Object.freeze({ throwIfNoEntry: false });

const FAILED = Object.freeze(
  Object.fromEntries(
    (['not-found', 'not-directory', 'loop', 'outside', 'invalid', 'too-long'] as const).map(
      (failure) => [failure, Object.freeze({ ok: false, failure })],
    ),
  ) as { readonly [F in ResolveFailure]: { readonly ok: false; readonly failure: F } },
);

/** A root's StorageScope with the pseudo file system rule applied to its two decisions. */
interface RootScope {
  readonly scope: StorageScope;
  readonly plain: Decision;
  readonly dotted: Decision;
}

export interface StorageGateOptions {
  policy: CompiledPolicy;
  component: string;
  onViolation?: ViolationListener | undefined;
}

export class StorageGate {
  readonly roots: readonly Root[];
  readonly #policy: CompiledPolicy;
  readonly #component: string;
  readonly #onViolation: ViolationListener | undefined;
  /** Roots by real path, longest first, for mapping real paths back. */
  readonly #byReal: readonly Root[];
  /** No root is reached through a host symlink: real paths are policy paths. */
  readonly #sameTerms: boolean;

  constructor(options: StorageGateOptions) {
    this.#policy = options.policy;
    this.#component = options.component;
    this.#onViolation = options.onViolation;
    this.roots = Object.freeze(StorageGate.rootsOf(options.policy));
    this.#byReal = [...this.roots].sort((a, b) => b.real.length - a.real.length);
    this.#sameTerms = this.roots.every((r) => r.guestPath === r.real);
    const scopes = (access: Access) =>
      this.roots.flatMap((r) => {
        const scope = this.#policy.storageScope(r.guestPath, access);
        if (scope === undefined) return [];
        // Every path below a root other than `/` shares its pseudo file system (if any).
        const plain = this.#pseudo(r.guestPath, scope.plain);
        const dotted = this.#pseudo(r.guestPath, scope.dotted);
        return [{ scope, plain, dotted }];
      });
    this.#scopes = { read: scopes('read'), write: scopes('write') };
  }

  /**
   * The policy's decisions below each root, where they need no rule-tree walk
   * (most policies: a root's rule and nothing inside it). Nearly every path a
   * guest names lies below a root, and this makes its decision a scan of the
   * part below the root.
   */
  readonly #scopes: Readonly<Record<Access, readonly RootScope[]>>;

  /**
   * Resolve a path a guest gave, relative to one of its directory
   * descriptors, as both WASI hosts do. Beyond `resolve`: a path that does not
   * resolve and that the policy grants neither read nor write on is
   * `hidden` (and reported), so the guest cannot probe for what exists where
   * it may not look; a path climbing out of its preopen is reported.
   */
  resolveGuest(
    dir: string,
    root: Root,
    path: string,
    follow: boolean,
    statFinal = true,
  ): GuestResolveResult {
    const r = this.resolve(dir, root, path, follow, statFinal);
    if (r.ok) return r;
    if (r.failure === 'outside') {
      const g = root.guestPath;
      this.report(
        violation(this.#component, 'storage', g === '/' ? `/${path}` : `${g}/${path}`, 'resolve', {
          rule: null,
          reason: 'the path climbs out of its preopened directory with `..`, or is absolute',
        }),
      );
      return r;
    }
    const base = this.policyPath(dir);
    const lexical = normalizePath(base === '/' ? `/${path}` : `${base}/${path}`);
    if (
      typeof lexical === 'string' &&
      !this.allows(lexical, 'read') &&
      !this.allows(lexical, 'write')
    ) {
      this.check({ policyPath: lexical }, 'read');
      return { ok: false, failure: 'hidden' };
    }
    return r;
  }

  /**
   * May the guest plant a symlink at `link` pointing to `linkTarget`? Only
   * where it could read the target itself: others (the host, other tools)
   * may follow the link later. `invalid`: the target is no path at all;
   * `denied` (reported): the policy does not let it read there.
   */
  plantable(link: Resolved, linkTarget: string): 'ok' | 'invalid' | 'denied' {
    const parent = parentOf(link.policyPath);
    const pointsTo = normalizePath(
      linkTarget.startsWith('/') ? linkTarget : join(parent, linkTarget),
    );
    if (typeof pointsTo !== 'string') return 'invalid';
    return this.check({ policyPath: pointsTo }, 'read').allowed ? 'ok' : 'denied';
  }

  /**
   * Is a preopen at or below this real path? Such a directory may not be
   * renamed or removed: moving it (or a parent of it) and planting a symlink
   * in its place would redirect every later use of the preopen.
   */
  holdsRoot(real: string): boolean {
    if (real === '/') return true;
    const prefix = `${real}/`;
    return this.roots.some((r) => r.real !== '/' && (r.real === real || r.real.startsWith(prefix)));
  }

  /**
   * Directories to preopen: the literal directories of the storage allow
   * rules that exist on this host (a file's parent for a file rule), and `/`
   * last. Guest paths are host paths; with `/` preopened, a guest that names a
   * path no rule grants still asks the host, so the refusal is decided here,
   * reported, and can be explained, instead of failing silently in its libc.
   */
  static rootsOf(policy: CompiledPolicy): Root[] {
    const out = new Map<string, Root>();
    for (const path of policy.storageRoots) {
      let dir = path;
      let st: Stats | undefined;
      try {
        st = statSync(dir);
      } catch {
        continue;
      }
      if (!st.isDirectory()) dir = parentOf(dir);
      if (out.has(dir)) continue;
      try {
        out.set(dir, { guestPath: dir, real: realpathSync.native(dir) });
      } catch {
        // Vanished since: nothing to preopen.
      }
    }
    out.delete('/');
    return [...out.values(), { guestPath: '/', real: '/' }];
  }

  /** A real host path in the terms of the policy (undoing host symlinks above a root). */
  policyPath(real: string): string {
    if (this.#sameTerms) return real;
    for (const r of this.#byReal) {
      if (real === r.real) return r.guestPath;
      if (r.real === '/') return r.guestPath === '/' ? real : `${r.guestPath}${real}`;
      if (real.startsWith(r.real) && real.charCodeAt(r.real.length) === 47) {
        // A root named by its real path (no host symlink above it) maps a path to itself.
        if (r.guestPath === r.real) return real;
        const rest = real.slice(r.real.length);
        return r.guestPath === '/' ? rest : `${r.guestPath}${rest}`;
      }
    }
    return real;
  }

  /**
   * Resolve `guestPath` relative to the directory `start` (real path) that
   * lies under `root`. A guest-written `..` may not climb above `root`; once
   * a symlink has been followed the walk is in host terms and only the policy
   * decides. The last component's symlink is followed only when `follow`.
   *
   * Every component is looked at with lstat, every time: nothing here is
   * remembered between calls, since a directory seen once may be a symlink
   * by the next call. The walk reads the path where it lies (indices, no
   * arrays) because it runs on every file call.
   */
  resolve(
    start: string,
    root: Root,
    guestPath: string,
    follow: boolean,
    statFinal = true,
  ): ResolveResult {
    const n = guestPath.length;
    if (n === 0) return FAILED['not-found'];
    if (n > MAX_GUEST_PATH) return FAILED['too-long'];
    if (guestPath.indexOf('\0') >= 0) return FAILED.invalid;
    if (guestPath.charCodeAt(0) === 47) return FAILED.outside;
    const wantsDir = guestPath.charCodeAt(n - 1) === 47;
    // What is left to walk is `rest` from `at`; a symlink's target replaces what was walked.
    let rest = guestPath;
    let at = nextComponent(rest, 0);
    let current = start;
    let confined = true;
    let links = 0;
    let stat: Stats | undefined;
    if (at < 0) {
      // "." or "./": the directory itself.
      try {
        stat = lstatSync(current);
      } catch {
        return FAILED['not-found'];
      }
      return { ok: true, value: { real: current, policyPath: this.policyPath(current), stat } };
    }
    while (at >= 0) {
      let end = rest.indexOf('/', at);
      if (end < 0) end = rest.length;
      const name = at === 0 && end === rest.length ? rest : rest.slice(at, end);
      at = nextComponent(rest, end);
      const last = at < 0;
      if (name === '..') {
        if (confined && current === root.real) return FAILED.outside;
        current = parentOf(current);
        if (last) stat = lstatSync(current, NO_THROW);
        continue;
      }
      if (name.length > 255 && Buffer.byteLength(name) > 255) return FAILED['too-long'];
      const next = join(current, name);
      if (last && !statFinal && !wantsDir) {
        // The caller opens it with O_NOFOLLOW: one system call instead of two.
        return {
          ok: true,
          value: {
            real: next,
            policyPath: this.policyPath(next),
            stat: undefined,
            unchecked: true,
          },
        };
      }
      const st = lstatSync(next, NO_THROW);
      if (st === undefined) {
        if (!last) return FAILED['not-found'];
        current = next;
        stat = undefined;
        break;
      }
      if (st.isSymbolicLink() && (!last || follow || wantsDir)) {
        if (++links > MAX_SYMLINKS) return FAILED.loop;
        let target: string;
        try {
          target = readlinkSync(next);
        } catch {
          return FAILED['not-found'];
        }
        if (target.length === 0) return FAILED['not-found'];
        confined = false;
        if (target.charCodeAt(0) === 47) current = '/';
        rest = last ? target : `${target}/${rest.slice(at)}`;
        at = nextComponent(rest, 0);
        // A link to "/" (or to "."): where the walk stands is the end.
        if (at < 0) stat = lstatSync(current, NO_THROW);
        continue;
      }
      if (!last && !st.isDirectory()) return FAILED['not-directory'];
      current = next;
      stat = st;
    }
    if (wantsDir && stat !== undefined && !stat.isDirectory()) return FAILED['not-directory'];
    return { ok: true, value: { real: current, policyPath: this.policyPath(current), stat } };
  }

  /** Decide `access` to a resolved path; a refusal is reported as a violation. */
  check(resolved: { policyPath: string }, access: Access): Decision {
    const decision = this.decide(resolved.policyPath, access);
    if (!decision.allowed)
      this.report(violation(this.#component, 'storage', resolved.policyPath, access, decision));
    return decision;
  }

  /** Decide without reporting (for filtering directory listings). */
  allows(policyPath: string, access: Access): boolean {
    return this.decide(policyPath, access).allowed;
  }

  /** The policy's decision, with the pseudo file systems kept out of broad rules. */
  decide(policyPath: string, access: Access): Decision {
    const scoped = this.#scopes[access];
    for (let i = 0; i < scoped.length; i++) {
      const s = scoped[i]!;
      const d = s.scope.decide(policyPath);
      if (d !== undefined) return d === s.scope.plain ? s.plain : s.dotted;
    }
    return this.#pseudo(policyPath, this.#policy.decideStorage(policyPath, access));
  }

  /** A decision allowing a pseudo file system (/proc, /sys, /dev) only by a rule inside it. */
  #pseudo(policyPath: string, decision: Decision): Decision {
    if (decision.allowed && decision.rule) {
      const root = pseudoRootOf(policyPath);
      if (root !== undefined && pseudoRootOf(literalDirOf(decision.rule.text)) !== root)
        return PSEUDO_DENIAL(root);
    }
    return decision;
  }

  report(v: Violation): void {
    try {
      this.#onViolation?.(v);
    } catch {
      // A listener's failure must not change what the guest sees.
    }
  }

  get component(): string {
    return this.#component;
  }
}
