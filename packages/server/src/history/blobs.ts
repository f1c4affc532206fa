// Policy and grant texts of the history, stored once each under their
// SHA-256 (`blobs/<hex>`), so a history line stays small and a text that
// recurs is kept once. A blob is written before the line that names it.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import { sha256 } from '../audit/chain.js';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

export function digestOf(text: string): string {
  return `sha256:${sha256(text)}`;
}

export class BlobStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  #path(digest: string): string {
    const m = DIGEST.exec(digest);
    if (!m) throw new Error(`\`${digest}\` is not a sha256 digest`);
    return join(this.#dir, m[1]!);
  }

  /** Store `text`; its digest. */
  async put(text: string): Promise<string> {
    const digest = digestOf(text);
    const path = this.#path(digest);
    const have = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!have) await writeFileAtomic(path, text);
    return digest;
  }

  /** The text under `digest`, or a reason it cannot be given. */
  async get(digest: string): Promise<{ text: string } | { problem: string }> {
    let text: string;
    try {
      text = await readFile(this.#path(digest), 'utf8');
    } catch (e) {
      return {
        problem:
          (e as NodeJS.ErrnoException).code === 'ENOENT'
            ? `its text ${digest} is missing`
            : `its text ${digest} cannot be read: ${(e as Error).message}`,
      };
    }
    if (digestOf(text) !== digest) return { problem: `its text ${digest} was changed` };
    return { text };
  }
}
