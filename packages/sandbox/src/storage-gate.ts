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
  return PSEUDO_ROOTS.find((r) => path === r || path.startsWith(`${r}/`));
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

  constructor(options: StorageGateOptions) {
    this.#policy = options.policy;
    this.#component = options.component;
    this.#onViolation = options.onViolation;
    this.roots = Object.freeze(StorageGate.rootsOf(options.policy));
    this.#byReal = [...this.roots].sort((a, b) => b.real.length - a.real.length);
  }

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
    for (const r of this.#byReal) {
      if (real === r.real) return r.guestPath;
      if (r.real === '/') return r.guestPath === '/' ? real : `${r.guestPath}${real}`;
      if (real.startsWith(r.real) && real.charCodeAt(r.real.length) === 47) {
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
   */
  resolve(
    start: string,
    root: Root,
    guestPath: string,
    follow: boolean,
    statFinal = true,
  ): ResolveResult {
    if (guestPath.length === 0) return { ok: false, failure: 'not-found' };
    if (guestPath.length > MAX_GUEST_PATH) return { ok: false, failure: 'too-long' };
    if (guestPath.includes('\0')) return { ok: false, failure: 'invalid' };
    if (guestPath.charCodeAt(0) === 47) return { ok: false, failure: 'outside' };
    const pending = guestPath.split('/').filter((c) => c !== '' && c !== '.');
    const wantsDir = guestPath.endsWith('/');
    let current = start;
    let confined = true;
    let links = 0;
    let stat: Stats | undefined;
    if (pending.length === 0) {
      // "." or "./": the directory itself.
      try {
        stat = lstatSync(current);
      } catch {
        return { ok: false, failure: 'not-found' };
      }
      return { ok: true, value: { real: current, policyPath: this.policyPath(current), stat } };
    }
    while (pending.length > 0) {
      const name = pending.shift()!;
      const last = pending.length === 0;
      if (name === '..') {
        if (confined && current === root.real) return { ok: false, failure: 'outside' };
        current = parentOf(current);
        if (last) stat = lstatSync(current, { throwIfNoEntry: false });
        continue;
      }
      if (name.length > 255 && Buffer.byteLength(name) > 255)
        return { ok: false, failure: 'too-long' };
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
      const st = lstatSync(next, { throwIfNoEntry: false });
      if (st === undefined) {
        if (!last) return { ok: false, failure: 'not-found' };
        current = next;
        stat = undefined;
        break;
      }
      if (st.isSymbolicLink() && (!last || follow || wantsDir)) {
        if (++links > MAX_SYMLINKS) return { ok: false, failure: 'loop' };
        let target: string;
        try {
          target = readlinkSync(next);
        } catch {
          return { ok: false, failure: 'not-found' };
        }
        if (target.length === 0) return { ok: false, failure: 'not-found' };
        confined = false;
        if (target.startsWith('/')) current = '/';
        pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
        if (pending.length === 0) {
          // A link to "/".
          stat = lstatSync(current, { throwIfNoEntry: false });
        }
        continue;
      }
      if (!last && !st.isDirectory()) return { ok: false, failure: 'not-directory' };
      current = next;
      stat = st;
    }
    if (wantsDir && stat !== undefined && !stat.isDirectory())
      return { ok: false, failure: 'not-directory' };
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
    const decision = this.#policy.decideStorage(policyPath, access);
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
