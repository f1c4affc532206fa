// File descriptors a guest holds: what each refers to on the host, and the
// rights it was granted (never more than the policy allowed at open time).

import type { InputBuffer, OutputBuffer } from './stdio.js';

/** A directory the policy lets the guest reach, visible to it at `guestPath`. */
export interface Preopen {
  /** What the guest sees (the path as written in the policy). */
  readonly guestPath: string;
  /** The same directory with host symlinks resolved. */
  readonly real: string;
}

interface Base {
  rightsBase: bigint;
  rightsInheriting: bigint;
}

export interface StdinEntry extends Base {
  readonly kind: 'stdin';
  readonly input: InputBuffer;
}

export interface OutputEntry extends Base {
  readonly kind: 'stdout' | 'stderr';
  readonly output: OutputBuffer;
}

export interface FileEntry extends Base {
  readonly kind: 'file';
  hostFd: number;
  /**
   * Opened without looking at what it is (no fstat on the hot path): it may
   * still turn out to be a directory. Settled on first use that needs to know.
   */
  pending?:
    | { readonly base: bigint; readonly inheriting: bigint; readonly preopen: Preopen }
    | undefined;
  /** Real host path when opened (for messages). */
  readonly real: string;
  position: number;
  append: boolean;
  closed: boolean;
}

export interface DirEntry extends Base {
  readonly kind: 'dir';
  /** Real host path of the directory. */
  readonly real: string;
  readonly preopen: Preopen;
  /** Set for the preopened directories themselves. */
  readonly isPreopen: boolean;
  /**
   * The directory opened (not set for preopens): what `real` must still name
   * whenever the descriptor is used. See `stillThere` in context.ts.
   */
  readonly identity?: { readonly dev: number; readonly ino: number };
  /** Entries listed by the last fd_readdir at cookie 0, for later cookies. */
  listing?: Array<{ name: string; type: number; ino: bigint }>;
}

export type FdEntry = StdinEntry | OutputEntry | FileEntry | DirEntry;

export class FdTable {
  readonly #fds = new Map<number, FdEntry>();
  #next = 0;

  add(entry: FdEntry): number {
    while (this.#fds.has(this.#next)) this.#next++;
    const fd = this.#next++;
    this.#fds.set(fd, entry);
    return fd;
  }

  get(fd: number): FdEntry | undefined {
    return this.#fds.get(fd >>> 0);
  }

  delete(fd: number): void {
    this.#fds.delete(fd >>> 0);
    if (fd >>> 0 < this.#next) this.#next = fd >>> 0;
  }

  set(fd: number, entry: FdEntry): void {
    this.#fds.set(fd >>> 0, entry);
  }

  clear(): void {
    this.#fds.clear();
    this.#next = 0;
  }

  get size(): number {
    return this.#fds.size;
  }

  entries(): IterableIterator<[number, FdEntry]> {
    return this.#fds.entries();
  }
}
