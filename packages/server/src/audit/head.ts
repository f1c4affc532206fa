// The head file beside a log: the seq and hash of its last record, rewritten
// in place after every append. It is what shows a cut end: a log that stops
// before the record its head names lost its tail. Two fixed-size slots are
// written in turn, so a write torn by a crash spoils one and leaves the other.

import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import type { LineMac } from './chain.js';

const SLOT = 256;

export interface Head {
  readonly seq: number;
  readonly hash: string;
}

export function headPath(logFile: string): string {
  return `${logFile}.head`;
}

/**
 * A head names the last record by seq and hash, and with a key carries that
 * record's HMAC: a head cannot name a hash no keyed writer sealed, and the
 * verifier checks the record at that seq has that hash.
 */
export class HeadWriter {
  readonly #fd: number;
  readonly #slot = Buffer.alloc(SLOT);

  constructor(path: string) {
    // Positioned writes: a descriptor without O_APPEND.
    this.#fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  }

  write(seq: number, hash: string, hmac?: string): void {
    const mac = hmac ? `,"hmac":"${hmac}"` : '';
    const slot = this.#slot;
    slot.fill(32);
    slot.write(`{"seq":${seq},"hash":"${hash}"${mac}}`, 0, SLOT - 1, 'latin1');
    slot[SLOT - 1] = 10;
    const at = (seq & 1) * SLOT;
    let done = 0;
    while (done < SLOT) done += writeSync(this.#fd, slot, done, SLOT - done, at + done);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

export type HeadRead =
  | { readonly state: 'ok'; readonly head: Head }
  | { readonly state: 'missing' }
  | { readonly state: 'bad'; readonly message: string };

/** The newest valid slot of a head file. */
export function readHead(path: string, mac?: LineMac): HeadRead {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'bad', message: `cannot read it: ${(e as Error).message}` };
  }
  let best: Head | undefined;
  let why = 'it holds no head record';
  for (let at = 0; at + SLOT <= bytes.length && at < 2 * SLOT; at += SLOT) {
    let v: { seq?: unknown; hash?: unknown; hmac?: unknown };
    try {
      v = JSON.parse(bytes.toString('latin1', at, at + SLOT));
    } catch {
      continue;
    }
    if (
      !Number.isSafeInteger(v.seq) ||
      typeof v.hash !== 'string' ||
      !/^[0-9a-f]{64}$/.test(v.hash)
    )
      continue;
    const seq = v.seq as number;
    if (mac) {
      if (typeof v.hmac !== 'string' || !mac.matches(v.hash, v.hmac)) {
        why = 'its HMAC does not match (written without this key, or changed)';
        continue;
      }
    }
    if (!best || seq > best.seq) best = { seq, hash: v.hash };
  }
  return best ? { state: 'ok', head: best } : { state: 'bad', message: why };
}
