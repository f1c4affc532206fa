// The compiled storage matcher. Rules are indexed by the literal directory they
// start with; a check walks the path's ancestors (only at depths that have
// rules) and tests the few rules found there. No pattern is compiled at check time.

import { type Decision, denial, ruleDecision } from './decision.js';
import { expandBraces, planGlob } from './glob.js';
import type { Access, RuleLists, StorageRule } from './model.js';
import { normalizePath } from './path.js';

const PREFIX = 0;
const SUBTREE = 1;
const REGEX = 2;

interface Entry {
  readonly kind: 0 | 1 | 2;
  readonly regex: RegExp | undefined;
  readonly deny: boolean;
  readonly decision: Decision;
}

class AccessIndex {
  readonly #byDir = new Map<string, Entry[]>();
  /** hasDepth[d]: some rule's literal directory has d segments. */
  readonly #hasDepth: boolean[] = [];
  #maxDepth = -1;

  add(dir: string, entry: Entry): void {
    let list = this.#byDir.get(dir);
    if (!list) {
      list = [];
      this.#byDir.set(dir, list);
    }
    // Deny entries first: within one directory a deny is found before an allow.
    if (entry.deny) list.unshift(entry);
    else list.push(entry);
    const depth = dir === '' ? 0 : dir.split('/').length - 1;
    this.#hasDepth[depth] = true;
    if (depth > this.#maxDepth) this.#maxDepth = depth;
  }

  get empty(): boolean {
    return this.#maxDepth < 0;
  }

  /** `key` is a normalised path with the root written as `""`. */
  decide(key: string): Decision | undefined {
    let depth = 0;
    for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 47) depth++;
    let end = key.length;
    let dotBelow = false;
    let allow: Decision | undefined;
    for (;;) {
      if (depth <= this.#maxDepth && this.#hasDepth[depth]) {
        const entries = this.#byDir.get(end === key.length ? key : key.slice(0, end));
        if (entries !== undefined) {
          for (let i = 0; i < entries.length; i++) {
            const e = entries[i]!;
            const hit =
              e.kind === PREFIX ||
              (e.kind === SUBTREE
                ? !dotBelow
                : e.regex!.test(end === key.length ? '' : key.slice(end)));
            if (hit) {
              if (e.deny) return e.decision;
              allow ??= e.decision;
            }
          }
        }
      }
      if (end === 0) break;
      const slash = key.lastIndexOf('/', end - 1);
      if (key.charCodeAt(slash + 1) === 46) dotBelow = true;
      end = slash;
      depth--;
    }
    return allow;
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
    const normal = normalizePath(path);
    if (typeof normal !== 'string') {
      let d = INVALID.get(normal.error);
      if (!d) {
        d = denial('invalid', normal.message);
        INVALID.set(normal.error, d);
      }
      return d;
    }
    const index = access === 'write' ? this.#write : access === 'read' ? this.#read : undefined;
    if (index === undefined) return denial('invalid', `unknown access \`${String(access)}\``);
    return index.decide(normal === '/' ? '' : normal) ?? NOT_GRANTED[access];
  }
}
