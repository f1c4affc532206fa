// The compiled storage matcher. Rules hang on a tree of the literal directory
// segments they start with; a check scans the path once (validating it and
// finding its segments) and walks that tree from the root, testing only the
// rules found on its way. Nothing is compiled or parsed at check time.

import { type Decision, denial, ruleDecision } from './decision.js';
import { expandBraces, planGlob } from './glob.js';
import type { Access, RuleLists, StorageRule } from './model.js';
import { MAX_PATH_LENGTH, normalizePath } from './path.js';

const PREFIX = 0;
const SUBTREE = 1;
const REGEX = 2;

interface Entry {
  readonly kind: 0 | 1 | 2;
  readonly regex: RegExp | undefined;
  readonly deny: boolean;
  readonly decision: Decision;
}

interface Node {
  /** The directory segment this node stands for. */
  readonly segment: string;
  /** Children by the FNV-1a hash of their segment (collisions chained). */
  children: Map<number, Node[]> | undefined;
  /** Deny entries first. */
  entries: Entry[] | undefined;
}

// Segment boundaries of the path being checked (segment k is
// [bounds[k] + 1, bounds[k + 1])) and each segment's hash. Checks run to
// completion one at a time, so one scratch buffer serves them all.
const bounds = new Int32Array(MAX_PATH_LENGTH + 2);
const hashes = new Int32Array(MAX_PATH_LENGTH + 2);

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

function hashOf(segment: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < segment.length; i++) h = Math.imul(h ^ segment.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * One pass over an absolute path: fills `bounds`, returns the segment count,
 * or -1 when the path needs normalising first (`//`, `.`, `..`, a trailing
 * `/`, NUL, or non-ASCII unless `normalized` says NFC was applied). `lastDot` receives the index of the last segment that
 * starts with `.` (or -1).
 */
function scan(path: string, out: { lastDot: number }, normalized: boolean): number {
  const n = path.length;
  if (n === 0 || n > MAX_PATH_LENGTH || path.charCodeAt(0) !== 47) return -1;
  if (n === 1) {
    out.lastDot = -1;
    bounds[0] = 0;
    return 0;
  }
  let segments = 0;
  let lastDot = -1;
  let start = 0;
  let h = FNV_OFFSET;
  bounds[0] = 0;
  for (let i = 1; i <= n; i++) {
    const c = i === n ? 47 : path.charCodeAt(i);
    if (c === 47) {
      const len = i - start - 1;
      if (len === 0) return -1;
      if (path.charCodeAt(start + 1) === 46) {
        if (len === 1 || (len === 2 && path.charCodeAt(start + 2) === 46)) return -1;
        lastDot = segments;
      }
      hashes[segments] = h;
      h = FNV_OFFSET;
      segments++;
      bounds[segments] = i;
      start = i;
    } else {
      if ((c === 0 || c > 127) && !normalized) return -1;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
  }
  out.lastDot = lastDot;
  return segments;
}

class AccessIndex {
  readonly #root: Node = { segment: '', children: undefined, entries: undefined };
  readonly #scratch = { lastDot: -1 };

  add(dir: string, entry: Entry): void {
    let node = this.#root;
    for (const seg of dir.split('/').slice(1)) {
      node.children ??= new Map();
      const h = hashOf(seg);
      const chain = node.children.get(h) ?? [];
      let child = chain.find((c) => c.segment === seg);
      if (!child) {
        child = { segment: seg, children: undefined, entries: undefined };
        node.children.set(h, [...chain, child]);
      }
      node = child;
    }
    node.entries ??= [];
    // Deny entries first: within one directory a deny is found before an allow.
    if (entry.deny) node.entries.unshift(entry);
    else node.entries.push(entry);
  }

  /** Decide for a path: undefined when no rule applies, null when it must be normalised first. */
  decide(path: string, normalized = false): Decision | undefined | null {
    const scratch = this.#scratch;
    const segments = scan(path, scratch, normalized);
    if (segments < 0) return null;
    const lastDot = scratch.lastDot;
    let allow: Decision | undefined;
    let node: Node | undefined = this.#root;
    for (let depth = 0; node !== undefined; depth++) {
      const entries = node.entries;
      if (entries !== undefined) {
        for (let i = 0; i < entries.length; i++) {
          const e = entries[i]!;
          const hit =
            e.kind === PREFIX ||
            (e.kind === SUBTREE
              ? lastDot < depth
              : e.regex!.test(
                  depth === segments ? '' : depth === 0 ? path : path.slice(bounds[depth]!),
                ));
          if (hit) {
            if (e.deny) return e.decision;
            allow ??= e.decision;
          }
        }
      }
      if (depth === segments || node.children === undefined) break;
      const chain: Node[] | undefined = node.children.get(hashes[depth]!);
      node = undefined;
      if (chain !== undefined) {
        const from = bounds[depth]! + 1;
        const len = bounds[depth + 1]! - from;
        for (let i = 0; i < chain.length; i++) {
          const c: Node = chain[i]!;
          if (c.segment.length === len && path.startsWith(c.segment, from)) {
            node = c;
            break;
          }
        }
      }
    }
    return allow;
  }
  /**
   * The decision for every path strictly below `dir` (normalised, ASCII),
   * when it is one of two: `plain` for paths none of whose segments below
   * `dir` starts with `.`, `dotted` for the others. Undefined when it is not
   * that simple (a rule below `dir`, or a regular-expression rule on the way).
   */
  uniformBelow(
    dir: string,
  ): { plain: Decision | undefined; dotted: Decision | undefined } | undefined {
    const segments = scan(dir, this.#scratch, false);
    if (segments < 0) return undefined;
    const lastDot = this.#scratch.lastDot;
    const from = {
      plain: undefined as Decision | undefined,
      dotted: undefined as Decision | undefined,
    };
    let plainDone = false;
    let dottedDone = false;
    let node: Node | undefined = this.#root;
    for (let depth = 0; node !== undefined; depth++) {
      for (const e of node.entries ?? []) {
        if (e.kind === REGEX) return undefined;
        // Below `dir` there is at least one more segment: a dotted one makes
        // the last dot deeper than any node on the way, `plain` leaves it in `dir`.
        const plainHit = e.kind === PREFIX || lastDot < depth;
        const dottedHit = e.kind === PREFIX;
        if (plainHit && !plainDone) {
          if (e.deny) {
            from.plain = e.decision;
            plainDone = true;
          } else from.plain ??= e.decision;
        }
        if (dottedHit && !dottedDone) {
          if (e.deny) {
            from.dotted = e.decision;
            dottedDone = true;
          } else from.dotted ??= e.decision;
        }
      }
      if (depth === segments) return node.children === undefined ? from : undefined;
      if (node.children === undefined) return from;
      const seg = dir.slice(bounds[depth]! + 1, bounds[depth + 1]);
      node = node.children.get(hashOf(seg))?.find((c) => c.segment === seg);
    }
    return from;
  }
}

/**
 * Decisions for the paths below one directory, made without walking the rule
 * tree: what `StorageMatcher.decide` would say, found by scanning only the
 * part of the path below the directory. For a file host that resolves every
 * path under a few roots, which is nearly every check it makes.
 */
export class StorageScope {
  readonly #prefix: string;

  constructor(
    /** The directory (normalised, absolute, not `/`). */
    readonly dir: string,
    /** The decision when no segment below `dir` starts with `.`. */
    readonly plain: Decision,
    /** The decision when one does. */
    readonly dotted: Decision,
  ) {
    this.#prefix = dir;
  }

  /**
   * The decision for `path`, or undefined when it is not a normalised ASCII
   * path strictly below the directory (the caller decides it the long way).
   */
  decide(path: string): Decision | undefined {
    const p = this.#prefix;
    const n = path.length;
    const start = p.length;
    if (n <= start + 1 || n > MAX_PATH_LENGTH || path.charCodeAt(start) !== 47) return undefined;
    if (!path.startsWith(p)) return undefined;
    let dotted = false;
    let segStart = start;
    for (let i = start + 1; i <= n; i++) {
      const c = i === n ? 47 : path.charCodeAt(i);
      if (c === 47) {
        const len = i - segStart - 1;
        if (len === 0) return undefined;
        if (path.charCodeAt(segStart + 1) === 46) {
          if (len === 1 || (len === 2 && path.charCodeAt(segStart + 2) === 46)) return undefined;
          dotted = true;
        }
        segStart = i;
      } else if (c === 0 || c > 127) return undefined;
    }
    return dotted ? this.dotted : this.plain;
  }
}

const NOT_GRANTED: Record<Access, Decision> = {
  read: denial('not-granted', 'no `storage.allow` rule grants `read` access to this path'),
  write: denial('not-granted', 'no `storage.allow` rule grants `write` access to this path'),
};

const INVALID = new Map<string, Decision>();

export class StorageMatcher {
  readonly #read = new AccessIndex();
  readonly #write = new AccessIndex();
  /** Literal directories of allow rules: where a runtime preopens. */
  readonly roots: readonly string[];

  constructor(lists: RuleLists<StorageRule>) {
    const roots = new Set<string>();
    for (const list of ['allow', 'deny'] as const) {
      lists[list].forEach((rule, index) => {
        const decision = ruleDecision({
          ...rule.at,
          section: 'storage',
          list,
          index,
          text: rule.uri,
        });
        for (const pattern of expandBraces(rule.pattern) ?? [rule.pattern]) {
          const plan = planGlob(pattern);
          const entry: Entry = {
            kind: plan.kind === 'prefix' ? PREFIX : plan.kind === 'subtree' ? SUBTREE : REGEX,
            regex: plan.kind === 'regex' ? new RegExp(`^${plan.rest}$`) : undefined,
            deny: list === 'deny',
            decision,
          };
          if (rule.access.includes('read')) this.#read.add(plan.dir, entry);
          if (rule.access.includes('write')) this.#write.add(plan.dir, entry);
          if (list === 'allow') roots.add(plan.dir === '' ? '/' : plan.dir);
        }
      });
    }
    this.roots = Object.freeze([...roots].sort());
  }

  /** Decide `access` to the absolute host path (normalised here). */
  decide(path: string, access: Access): Decision {
    const index = access === 'write' ? this.#write : access === 'read' ? this.#read : undefined;
    if (index === undefined) return denial('invalid', `unknown access \`${String(access)}\``);
    const fast = index.decide(path);
    if (fast !== null) return fast ?? NOT_GRANTED[access];
    const normal = normalizePath(path);
    if (typeof normal !== 'string') {
      let d = INVALID.get(normal.error);
      if (!d) {
        d = denial('invalid', normal.message);
        INVALID.set(normal.error, d);
      }
      return d;
    }
    return index.decide(normal, true) ?? NOT_GRANTED[access];
  }

  /**
   * Decisions for the paths below `dir`, when they can be made without the
   * rule tree (see StorageScope); undefined otherwise, or for `/`.
   */
  scope(dir: string, access: Access): StorageScope | undefined {
    const index = access === 'write' ? this.#write : access === 'read' ? this.#read : undefined;
    if (index === undefined || dir === '/' || normalizePath(dir) !== dir) return undefined;
    const u = index.uniformBelow(dir);
    if (u === undefined) return undefined;
    return new StorageScope(dir, u.plain ?? NOT_GRANTED[access], u.dotted ?? NOT_GRANTED[access]);
  }
}
