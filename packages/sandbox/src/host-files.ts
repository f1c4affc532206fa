// Host files a guest holds open. Every call's files are closed when the call
// ends, however it ends, and one call may hold only so many at once: without
// that a guest could open files until the server's process runs out of
// descriptors and every other tool with it.
//
// A worker stopped in the middle of a call (deadline, cancel) runs no more
// code; Node closes the descriptors it opened when it exits (the pool's
// workers track them: `trackUnmanagedFds`).

import { closeSync, openSync } from 'node:fs';

/** Host files one call may hold open when its policy sets no `open_files`. */
const DEFAULT_OPEN_FILES = 256;

/** An error a host function turns into EMFILE. */
function tooMany(limit: number): Error {
  return Object.assign(
    new Error(
      `the guest holds ${limit} files open, its limit (resources.limits.open_files in the policy)`,
    ),
    { code: 'EMFILE' },
  );
}

/** The host files of one instance. */
export class HostFiles {
  readonly #open = new Set<number>();

  /** `limit`: the policy's `open_files`, if it sets one. */
  constructor(readonly limit: number = DEFAULT_OPEN_FILES) {}

  /** openSync, counted against the limit (EMFILE beyond it). */
  open(path: string, flags: number, mode?: number): number {
    if (this.#open.size >= this.limit) throw tooMany(this.limit);
    const fd = openSync(path, flags, mode);
    this.#open.add(fd);
    return fd;
  }

  close(fd: number): void {
    if (this.#open.delete(fd)) closeSync(fd);
  }

  /** Close everything still open (the call is over). */
  closeAll(): void {
    for (const fd of this.#open) {
      try {
        closeSync(fd);
      } catch {
        // Already gone.
      }
    }
    this.#open.clear();
  }
}
