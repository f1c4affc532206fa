// Hash-chained JSON lines, shared by the audit log and the policy history.
// A line is a JSON object whose last members are `prev` (the hash of the line
// before), `hash` (SHA-256 of the line's text up to and including `prev`,
// closed with `}`) and, when a key is set, `hmac` (HMAC-SHA256 of that hash).
// A reader checks the text exactly as written, never a re-serialisation.

import { hash as digest, timingSafeEqual } from 'node:crypto';

/** `prev` of the first record of a chain. */
export const GENESIS = '0'.repeat(64);

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * HMAC-SHA256 (RFC 2104) of a 32-byte hash under a fixed key. Written out
 * over the one-shot `crypto.hash` because `createHmac` allocates an object
 * per record and costs about twice as much on the append path; a test checks
 * it against `createHmac`.
 */
export class LineMac {
  readonly #inner = Buffer.alloc(96);
  readonly #outer = Buffer.alloc(96);

  constructor(key: Uint8Array) {
    let k: Buffer = Buffer.from(key);
    if (k.length > 64) k = digest('sha256', k, 'buffer') as Buffer;
    for (let i = 0; i < 64; i++) {
      const b = k[i] ?? 0;
      this.#inner[i] = b ^ 0x36;
      this.#outer[i] = b ^ 0x5c;
    }
  }

  /** HMAC of a hex SHA-256, as hex. */
  of(hashHex: string): string {
    this.#inner.write(hashHex, 64, 32, 'hex');
    (digest('sha256', this.#inner, 'buffer') as Buffer).copy(this.#outer, 64);
    return digest('sha256', this.#outer, 'hex');
  }

  matches(hashHex: string, macHex: string): boolean {
    if (!HEX64.test(macHex)) return false;
    return timingSafeEqual(Buffer.from(this.of(hashHex), 'hex'), Buffer.from(macHex, 'hex'));
  }
}

export function sha256(text: string | Uint8Array): string {
  return digest('sha256', text, 'hex');
}

/** One line (without its newline) for `fields`, chained to `prev`. */
export function sealLine(
  fields: object,
  prev: string,
  mac?: LineMac,
): { line: string; hash: string; hmac?: string } {
  const json = JSON.stringify(fields);
  const body = `${json.slice(0, -1)},"prev":"${prev}"}`;
  const hash = sha256(body);
  if (!mac) return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
  const hmac = mac.of(hash);
  return { line: `${body.slice(0, -1)},"hash":"${hash}","hmac":"${hmac}"}`, hash, hmac };
}

export interface OpenedLine {
  readonly fields: Record<string, unknown>;
  readonly prev: string;
  /** The hash the line states. */
  readonly hash: string;
  readonly hmac?: string;
  /** False when the text no longer hashes to the stated hash: it was changed. */
  readonly intact: boolean;
}

export type LineProblem = { kind: 'not-json' | 'not-record'; message: string };

const TAIL = /,"hash":"([0-9a-f]{64})"(?:,"hmac":"([0-9a-f]{64})")?\}$/;

/** Read one line back: its fields, its links, and whether its text is as sealed. */
export function openLine(text: string): OpenedLine | LineProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { kind: 'not-json', message: `not JSON (${(e as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'not-record', message: 'not a record (expected a JSON object)' };
  const fields = value as Record<string, unknown>;
  const m = TAIL.exec(text);
  const prev = fields.prev;
  if (!m || typeof prev !== 'string' || !HEX64.test(prev))
    return {
      kind: 'not-record',
      message: 'not a chained record (it must end with `prev` and `hash`, as written)',
    };
  const body = `${text.slice(0, m.index)}}`;
  if (!body.endsWith(`,"prev":"${prev}"}`))
    return { kind: 'not-record', message: '`prev` is not where the record was sealed' };
  const hash = m[1]!;
  return {
    fields,
    prev,
    hash,
    ...(m[2] ? { hmac: m[2] } : {}),
    intact: sha256(body) === hash,
  };
}

export function isLineProblem(x: OpenedLine | LineProblem): x is LineProblem {
  return 'kind' in x;
}
