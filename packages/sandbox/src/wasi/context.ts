// Everything the preview1 host functions of one instance share.

import { closeSync, fstatSync } from 'node:fs';
import type { CompiledPolicy } from '@mcpkit/wasm-policy';
import type { StorageGate } from '../storage-gate.js';
import type { ViolationListener } from '../violation.js';
import { GuestAbort } from './aborts.js';
import { DIRECTORY_RIGHTS, ERRNO, errnoFromHost } from './constants.js';
import { type DirEntry, type FdEntry, FdTable, type FileEntry } from './fd-table.js';
import { GuestFault, GuestMemory } from './memory.js';

export class WasiContext {
  readonly memory = new GuestMemory();
  readonly fds = new FdTable();

  constructor(
    readonly policy: CompiledPolicy,
    readonly gate: StorageGate,
    readonly onViolation: ViolationListener | undefined,
  ) {}

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
    closeSync(e.hostFd);
    e.closed = true;
    const dir: DirEntry = {
      kind: 'dir',
      real: e.real,
      preopen: p.preopen,
      isPreopen: false,
      rightsBase: p.base & DIRECTORY_RIGHTS,
      rightsInheriting: p.inheriting,
    };
    this.fds.set(fd, dir);
    return dir;
  }
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
