// Everything the preview1 host functions of one instance share.

import { fstatSync, lstatSync, type Stats } from 'node:fs';
import type { CompiledPolicy } from '@mcpkit/wasm-policy';
import { HostFiles } from '../host-files.js';
import type { StorageGate } from '../storage-gate.js';
import type { ViolationListener } from '../violation.js';
import { GuestAbort } from './aborts.js';
import { DIRECTORY_RIGHTS, ERRNO, errnoFromHost } from './constants.js';
import { type DirEntry, type FdEntry, FdTable, type FileEntry } from './fd-table.js';
import { GuestFault, GuestMemory } from './memory.js';

export class WasiContext {
  readonly memory = new GuestMemory();
  readonly fds = new FdTable();
  /** The host files behind the guest's file descriptors. */
  readonly files: HostFiles;

  constructor(
    readonly policy: CompiledPolicy,
    readonly gate: StorageGate,
    readonly onViolation: ViolationListener | undefined,
  ) {
    this.files = new HostFiles(policy.limits.openFiles);
  }

  /** The entry behind `fd`, its type known. */
  fd(fd: number): FdEntry | undefined {
    const e = this.fds.get(fd);
    return e?.kind === 'file' && e.pending ? this.settle(fd, e) : e;
  }

  /** The entry as it is, perhaps not settled (for read, write, close). */
  raw(fd: number): FdEntry | undefined {
    return this.fds.get(fd);
  }

  /** Find out what a pending entry is: a directory becomes a directory entry. */
  settle(fd: number, e: FileEntry): FdEntry {
    const p = e.pending!;
    const st = fstatSync(e.hostFd);
    if (!st.isDirectory()) {
      e.pending = undefined;
      return e;
    }
    this.files.close(e.hostFd);
    e.closed = true;
    const dir: DirEntry = {
      kind: 'dir',
      real: e.real,
      preopen: p.preopen,
      isPreopen: false,
      identity: { dev: st.dev, ino: st.ino },
      rightsBase: p.base & DIRECTORY_RIGHTS,
      rightsInheriting: p.inheriting,
    };
    this.fds.set(fd, dir);
    return dir;
  }
}

/**
 * Whether `st`, an lstat of `dir.real`, is the directory `dir` was opened as.
 * Preopens carry no identity and always are.
 */
export function sameDir(dir: DirEntry, st: Stats | undefined): boolean {
  const id = dir.identity;
  return !id || (st?.isDirectory() === true && st.dev === id.dev && st.ino === id.ino);
}

/**
 * A directory descriptor is kept as a path, so the path must still name the
 * directory that was opened. Otherwise the guest could move the directory
 * away and put a symlink in its place: the old descriptor would then reach
 * through the link under the policy terms of the old path (a read-only
 * directory written through a read-write name). One lstat for a directory
 * the guest opened; none for a preopen (the common case, not checked, as in
 * the WASI 0.2 host): renaming or removing a preopen itself is refused (EBUSY).
 */
export function stillThere(dir: DirEntry): boolean {
  return dir.identity === undefined || sameDir(dir, lstatSync(dir.real, { throwIfNoEntry: false }));
}

/**
 * Wrap a host function: guest faults become EFAULT, host errors become their
 * errno, intentional aborts (exit, output cap, cancel) pass through.
 */
export function guarded<A extends unknown[]>(fn: (...args: A) => number): (...args: A) => number {
  return (...args: A): number => {
    try {
      return fn(...args);
    } catch (error) {
      if (error instanceof GuestAbort) throw error;
      if (error instanceof GuestFault) return ERRNO.FAULT;
      if (error instanceof RangeError) {
        if (/call stack/i.test(error.message)) throw error;
        return ERRNO.INVAL;
      }
      return errnoFromHost(error);
    }
  };
}
