// Compiled matching of names against name globs (`*` any run, `?` one
// character): tool, prompt and operation names. Exact names in a map; `abc*`
// and `*abc` by prefix/suffix maps probed once per distinct length; anything
// else in one combined regular expression. Extensions build on it.

import { type Decision, denial, type RuleRef, ruleDecision } from './decision.js';
import { isNameGlob, nameGlobRegex } from './glob.js';
import type { SourceRef } from './model.js';

export interface NameRule {
  /** A name or a name glob. */
  readonly name: string;
  readonly at: SourceRef;
}

function lengthsOf(map: Map<string, unknown>): number[] {
  return [...new Set([...map.keys()].map((k) => k.length))].sort((a, b) => b - a);
}

class NameIndex {
  readonly #exact = new Map<string, Decision>();
  readonly #prefix = new Map<string, Decision>();
  readonly #suffix = new Map<string, Decision>();
  #prefixLengths: number[] = [];
  #suffixLengths: number[] = [];
  #any: Decision | undefined;
  /** General globs with a literal prefix, grouped by that prefix. */
  readonly #byPrefix = new Map<string, Alternatives>();
  #generalLengths: number[] = [];
  /** General globs starting with a wildcard. */
  #rest: Alternatives | undefined;

  constructor(entries: ReadonlyArray<{ name: string; decision: Decision }>) {
    const general: Array<{ name: string; decision: Decision }> = [];
    for (const { name, decision } of entries) {
      const body = name.slice(0, -1);
      const tail = name.slice(1);
      if (!isNameGlob(name)) {
        if (!this.#exact.has(name)) this.#exact.set(name.replace(/\\(.)/g, '$1'), decision);
      } else if (name === '*') this.#any ??= decision;
      else if (name.endsWith('*') && !isNameGlob(body) && !body.includes('\\')) {
        if (!this.#prefix.has(body)) this.#prefix.set(body, decision);
      } else if (name.startsWith('*') && !isNameGlob(tail) && !tail.includes('\\')) {
        if (!this.#suffix.has(tail)) this.#suffix.set(tail, decision);
      } else general.push({ name, decision });
    }
    this.#prefixLengths = lengthsOf(this.#prefix);
    this.#suffixLengths = lengthsOf(this.#suffix);
    const groups = new Map<string, Array<{ name: string; decision: Decision }>>();
    const rest: Array<{ name: string; decision: Decision }> = [];
    for (const g of general) {
      const lit = /^[^*?\\]*/.exec(g.name)![0];
      if (lit.length === 0) rest.push(g);
      else groups.set(lit, [...(groups.get(lit) ?? []), g]);
    }
    for (const [lit, list] of groups) this.#byPrefix.set(lit, new Alternatives(list));
    this.#generalLengths = lengthsOf(this.#byPrefix);
    if (rest.length > 0) this.#rest = new Alternatives(rest);
  }

  match(name: string): Decision | undefined {
    const exact = this.#exact.get(name);
    if (exact !== undefined) return exact;
    const n = name.length;
    const pl = this.#prefixLengths;
    for (let i = 0; i < pl.length; i++) {
      const len = pl[i]!;
      if (len > n) continue;
      const d = this.#prefix.get(len === n ? name : name.slice(0, len));
      if (d !== undefined) return d;
    }
    const sl = this.#suffixLengths;
    for (let i = 0; i < sl.length; i++) {
      const len = sl[i]!;
      if (len > n) continue;
      const d = this.#suffix.get(len === n ? name : name.slice(n - len));
      if (d !== undefined) return d;
    }
    const gl = this.#generalLengths;
    for (let i = 0; i < gl.length; i++) {
      const len = gl[i]!;
      if (len > n) continue;
      const alt = this.#byPrefix.get(len === n ? name : name.slice(0, len));
      const d = alt?.match(name);
      if (d !== undefined) return d;
    }
    return this.#rest?.match(name) ?? this.#any;
  }
}

/** Several globs in one regular expression; a capture group per glob says which matched. */
class Alternatives {
  readonly #regex: RegExp;
  readonly #decisions: Decision[];

  constructor(list: ReadonlyArray<{ name: string; decision: Decision }>) {
    this.#decisions = list.map((g) => g.decision);
    this.#regex =
      list.length === 1
        ? new RegExp(`^${nameGlobRegex(list[0]!.name)}$`, 's')
        : new RegExp(`^(?:${list.map((g) => `(${nameGlobRegex(g.name)})`).join('|')})$`, 's');
  }

  match(name: string): Decision | undefined {
    if (this.#decisions.length === 1)
      return this.#regex.test(name) ? this.#decisions[0] : undefined;
    const m = this.#regex.exec(name);
    if (m === null) return undefined;
    for (let i = 1; i < m.length; i++) if (m[i] !== undefined) return this.#decisions[i - 1];
    return undefined;
  }
}

/** Allow and deny name rules of one section, compiled. Deny overrides allow. */
export class NameMatcher {
  readonly #allow: NameIndex;
  readonly #deny: NameIndex;
  readonly #notGranted: Decision;

  /** `section` names the rules in decisions, e.g. `mcp.tools`. */
  constructor(section: string, lists: { allow: readonly NameRule[]; deny: readonly NameRule[] }) {
    const build = (list: 'allow' | 'deny') =>
      new NameIndex(
        lists[list].map((rule, index) => {
          const ref: RuleRef = { ...rule.at, section, list, index, text: rule.name };
          return { name: rule.name, decision: ruleDecision(ref) };
        }),
      );
    this.#allow = build('allow');
    this.#deny = build('deny');
    this.#notGranted = denial('not-granted', `no \`${section}.allow\` rule grants this name`);
  }

  decide(name: string): Decision {
    return this.#deny.match(name) ?? this.#allow.match(name) ?? this.#notGranted;
  }
}

/** The plain interpreter of name globs (the oracle for NameMatcher). */
export function nameGlobMatches(pattern: string, name: string): boolean {
  const go = (i: number, j: number): boolean => {
    while (i < pattern.length) {
      const c = pattern[i]!;
      if (c === '*') {
        for (let k = j; k <= name.length; k++) if (go(i + 1, k)) return true;
        return false;
      }
      if (j >= name.length) return false;
      if (c === '?') {
        i++;
        j++;
        continue;
      }
      const lit = c === '\\' && i + 1 < pattern.length ? pattern[++i]! : c;
      if (lit !== name[j]) return false;
      i++;
      j++;
    }
    return j === name.length;
  };
  return go(0, 0);
}
