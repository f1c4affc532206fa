// Checking a hash chain line by line, for the audit log and the policy
// history: each line's hash and HMAC, the order of sequence numbers, and that
// each record names the one before it. One record of lookahead tells two
// swapped lines from a removed one.

import { GENESIS, isLineProblem, type LineMac, openLine } from './chain.js';
import type { Line } from './lines.js';

export type ChainFindingKind =
  | 'not-json'
  | 'not-record'
  | 'changed'
  | 'hmac'
  | 'chain'
  | 'removed'
  | 'reordered'
  | 'chain-start'
  | 'unkeyed';

export interface Finding<K extends string = string> {
  readonly file: string;
  /** 1-based; 0 for the file as a whole. */
  readonly line: number;
  readonly kind: K;
  readonly message: string;
}

/** What verifying a chain found. */
export interface ChainReport<K extends string> {
  /** No problems (notes allowed). */
  readonly ok: boolean;
  /** Records read. */
  readonly records: number;
  /** Signs of tampering or damage. */
  readonly problems: readonly Finding<K>[];
  /** Marks that do not fail verification: a crash's unclean end, unchecked HMACs. */
  readonly notes: readonly Finding<K>[];
}

export interface WalkedRecord {
  readonly file: string;
  readonly line: number;
  readonly seq: number;
  readonly hash: string;
  readonly prev: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface ChainWalkOptions {
  /** The member holding the sequence number (`seq`, `version`). */
  readonly seqField: string;
  readonly mac?: LineMac;
  problem(f: Finding<ChainFindingKind>): void;
  note(f: Finding<ChainFindingKind>): void;
  /** Each record read, in file order, before the chain checks. */
  onParsed?(r: WalkedRecord): void;
  /** Each record taken into the chain, with the one it follows. */
  onRecord?(r: WalkedRecord, before: WalkedRecord | undefined): void;
}

function where(r: WalkedRecord, from: WalkedRecord): string {
  return r.file === from.file ? `line ${r.line}` : `${r.file}:${r.line}`;
}

export class ChainWalker {
  readonly #o: ChainWalkOptions;
  #last: WalkedRecord | undefined;
  #pending: WalkedRecord | undefined;
  /** Unreadable lines since the last record read: they may be the records a gap lacks. */
  #bad = 0;
  /** For each record read, the unreadable lines just before it. */
  readonly #badBefore = new WeakMap<WalkedRecord, number>();
  #records = 0;
  #notedUnkeyed = false;

  constructor(options: ChainWalkOptions) {
    this.#o = options;
  }

  /** Records read (readable lines that are records). */
  get records(): number {
    return this.#records;
  }

  /** The last record taken into the chain (after `finish`). */
  get last(): WalkedRecord | undefined {
    return this.#last;
  }

  /** One complete line of `file`. */
  feed(file: string, line: Line): void {
    const o = this.#o;
    const at = { file, line: line.number };
    const bad = (kind: 'not-json' | 'not-record', message: string) => {
      o.problem({ ...at, kind, message });
      this.#bad++;
    };
    if (line.tooLong) {
      bad('not-json', 'a line too long to be a record');
      return;
    }
    if (line.text === '') {
      bad('not-json', 'an empty line');
      return;
    }
    const r = openLine(line.text);
    if (isLineProblem(r)) {
      bad(r.kind, r.message);
      return;
    }
    const seq = r.fields[o.seqField];
    if (!Number.isSafeInteger(seq) || (seq as number) < 1) {
      bad('not-record', `a record without a valid \`${o.seqField}\``);
      return;
    }
    this.#records++;
    if (!r.intact)
      o.problem({
        ...at,
        kind: 'changed',
        message: 'changed after it was written: its text no longer matches its hash',
      });
    if (o.mac) {
      if (r.hmac === undefined)
        o.problem({
          ...at,
          kind: 'hmac',
          message: 'no HMAC although a key was given: written without the key, or forged',
        });
      else if (!o.mac.matches(r.hash, r.hmac))
        o.problem({
          ...at,
          kind: 'hmac',
          message: 'the HMAC does not match: written with another key, or forged',
        });
    } else if (r.hmac !== undefined && !this.#notedUnkeyed) {
      this.#notedUnkeyed = true;
      o.note({
        ...at,
        kind: 'unkeyed',
        message: 'records carry HMACs that were not checked: give the key (--key-file)',
      });
    }
    const rec: WalkedRecord = {
      ...at,
      seq: seq as number,
      hash: r.hash,
      prev: r.prev,
      fields: r.fields,
    };
    this.#badBefore.set(rec, this.#bad);
    this.#bad = 0;
    o.onParsed?.(rec);
    if (this.#pending) {
      const consumed = this.#step(this.#pending, rec);
      this.#pending = consumed ? undefined : rec;
    } else this.#pending = rec;
  }

  /** The end of the input. */
  finish(): void {
    if (this.#pending) this.#step(this.#pending, undefined);
    this.#pending = undefined;
  }

  #accept(r: WalkedRecord): void {
    this.#o.onRecord?.(r, this.#last);
    this.#last = r;
  }

  #link(r: WalkedRecord, before: WalkedRecord): void {
    if (r.prev !== before.hash)
      this.#o.problem({
        file: r.file,
        line: r.line,
        kind: 'chain',
        message: `does not follow ${where(before, r)}: its \`prev\` is not that record's hash (a record was replaced or inserted)`,
      });
  }

  /** Check `cur` against the chain so far; true when `next` was taken with it. */
  #step(cur: WalkedRecord, next: WalkedRecord | undefined): boolean {
    const o = this.#o;
    const f = o.seqField;
    const last = this.#last;
    const bad = this.#badBefore.get(cur) ?? 0;
    const expected = last ? last.seq + 1 : next && next.seq === cur.seq - 1 ? next.seq : cur.seq;
    if (cur.seq === expected) {
      if (last) {
        if (bad === 0) this.#link(cur, last);
      } else if (cur.seq === 1 && cur.prev !== GENESIS)
        o.problem({
          file: cur.file,
          line: cur.line,
          kind: 'chain',
          message: `${f} 1 must start a chain, but its \`prev\` names a record before it`,
        });
      else if (cur.seq !== 1)
        o.note({
          file: cur.file,
          line: cur.line,
          kind: 'chain-start',
          message: `the chain starts at ${f} ${cur.seq}: earlier records are in files not given, or were removed by rotation`,
        });
      this.#accept(cur);
      return false;
    }
    if (next && cur.seq === expected + 1 && next.seq === expected) {
      o.problem({
        file: cur.file,
        line: cur.line,
        kind: 'reordered',
        message: `this line and ${where(next, cur)} are swapped (${f} ${cur.seq} before ${f} ${next.seq})`,
      });
      if (last && bad === 0) this.#link(next, last);
      this.#accept(next);
      this.#link(cur, next);
      this.#accept(cur);
      return true;
    }
    if (cur.seq > expected) {
      const missing = cur.seq - expected;
      if (missing > bad)
        o.problem({
          file: cur.file,
          line: cur.line,
          kind: 'removed',
          message: `${missing === 1 ? '1 record is' : `${missing} records are`} missing before this line (${f} ${expected}${missing > 1 ? `–${cur.seq - 1}` : ''})`,
        });
      this.#accept(cur);
      return false;
    }
    o.problem({
      file: cur.file,
      line: cur.line,
      kind: 'reordered',
      message: `${f} ${cur.seq} comes after ${f} ${last!.seq} (${where(last!, cur)}): a record out of order or repeated`,
    });
    return false;
  }
}
