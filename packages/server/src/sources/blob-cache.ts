// A content-addressed cache of fetched bytes, shared by every source:
// `<dir>/sha256/<hex>`, written to a temporary name and renamed, checked
// against its name whenever it is read (a damaged entry is dropped).

import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import { digestHex, isSha256Digest, sha256Digest } from './digest.js';

export class BlobCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #path(digest: string): string {
    if (!isSha256Digest(digest)) throw new Error(`\`${digest}\` is not a sha256 digest`);
    return join(this.dir, 'sha256', digestHex(digest));
  }

  async get(digest: string): Promise<Uint8Array | undefined> {
    const path = this.#path(digest);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch {
      return undefined;
    }
    if (sha256Digest(bytes) !== digest) {
      await rm(path, { force: true });
      return undefined;
    }
    return bytes;
  }

  /** Store bytes under their own digest; returns it. */
  async put(bytes: Uint8Array): Promise<string> {
    const digest = sha256Digest(bytes);
    await mkdir(join(this.dir, 'sha256'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.#path(digest), bytes);
    return digest;
  }
}
