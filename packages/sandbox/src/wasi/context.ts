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

/** What an exception in a host function becomes: its errno, or thrown on when it ends the run. */
function errnoOf(error: unknown): number {
  if (error instanceof GuestAbort) throw error;
  if (error instanceof GuestFault) return ERRNO.FAULT;
  if (error instanceof RangeError) {
    if (/call stack/i.test(error.message)) throw error;
    return ERRNO.INVAL;
  }
  return errnoFromHost(error);
}

type HostFn = (...args: never[]) => number;

/**
 * Wrap a host function: guest faults become EFAULT, host errors become their
 * errno, intentional aborts (exit, output cap, cancel) pass through. `enter`
 * runs first (a cancellation check); what it throws passes through too.
 *
 * The wrapper takes exactly `fn`'s parameters: it runs on every host call,
 * and a rest parameter spread into `fn` would allocate an array each time.
 */
export function guarded<F extends HostFn>(fn: F, enter?: () => void): F {
  const f = fn as unknown as (...args: unknown[]) => number;
  const e = enter ?? noop;
  type A = unknown;
  let w: (...args: A[]) => number;
  // biome-ignore format: one arity a line
  switch (fn.length) {
    case 0: w = () => { try { e(); return f(); } catch (x) { return errnoOf(x); } }; break;
    case 1: w = (a: A) => { try { e(); return f(a); } catch (x) { return errnoOf(x); } }; break;
    case 2: w = (a: A, b: A) => { try { e(); return f(a, b); } catch (x) { return errnoOf(x); } }; break;
    case 3: w = (a: A, b: A, c: A) => { try { e(); return f(a, b, c); } catch (x) { return errnoOf(x); } }; break;
    case 4: w = (a: A, b: A, c: A, d: A) => { try { e(); return f(a, b, c, d); } catch (x) { return errnoOf(x); } }; break;
    case 5: w = (a: A, b: A, c: A, d: A, g: A) => { try { e(); return f(a, b, c, d, g); } catch (x) { return errnoOf(x); } }; break;
    case 6: w = (a: A, b: A, c: A, d: A, g: A, h: A) => { try { e(); return f(a, b, c, d, g, h); } catch (x) { return errnoOf(x); } }; break;
    case 7: w = (a: A, b: A, c: A, d: A, g: A, h: A, i: A) => { try { e(); return f(a, b, c, d, g, h, i); } catch (x) { return errnoOf(x); } }; break;
    case 8: w = (a: A, b: A, c: A, d: A, g: A, h: A, i: A, j: A) => { try { e(); return f(a, b, c, d, g, h, i, j); } catch (x) { return errnoOf(x); } }; break;
    case 9: w = (a: A, b: A, c: A, d: A, g: A, h: A, i: A, j: A, k: A) => { try { e(); return f(a, b, c, d, g, h, i, j, k); } catch (x) { return errnoOf(x); } }; break;
    default: w = (...args: A[]) => { try { e(); return f(...args); } catch (x) { return errnoOf(x); } };
  }
  return w as unknown as F;
}

function noop(): void {}
