// The path operations of wasi:filesystem (`*-at`). Each one resolves the
// guest path through the storage gate (normalise, follow symlinks here, map
// to policy terms), decides the access it needs, and only then touches the
// host: the same decisions as the preview1 host in ../wasi/preview1-path.ts.

import { createHash } from 'node:crypto';
import {
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  type Stats,
  symlinkSync,
  unlinkSync,
  utimesSync,
} from 'node:fs';
import type { Access } from '@mcpkit/wasm-policy';
import { HostFiles } from '../host-files.js';
import type { Resolved, ResolveFailure, Root } from '../storage-gate.js';
import { type Context, Failure } from './context.js';
import {
  type DescriptorFlags,
  type DescriptorStat,
  type DirectoryEntry,
  type ErrorCode,
  type NewTimestamp,
  type OpenFlags,
  type PathFlags,
  secondsOf,
  statOf,
  typeOf,
} from './filesystem-types.js';

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
const O_SYNC = constants.O_SYNC ?? 0;
const O_DSYNC = constants.O_DSYNC ?? 0;

const FAILURE_CODE: Record<ResolveFailure, ErrorCode> = {
  'not-found': 'no-entry',
  'not-directory': 'not-directory',
  loop: 'loop',
  outside: 'not-permitted',
  invalid: 'invalid',
  'too-long': 'name-too-long',
};

/** A host file descriptor shared by a descriptor and the streams made from it. */
export interface HostFile {
  readonly fd: number;
  refs: number;
}

export interface DirState {
  readonly kind: 'dir';
  /** Real host path; directories are kept as paths, as in the preview1 host. */
  readonly real: string;
  readonly root: Root;
  readonly flags: Readonly<DescriptorFlags>;
  /** The directory opened (not a preopen): what `real` must still name when it is used. */
  readonly identity?: { readonly dev: number; readonly ino: number };
}

export interface FileState {
  readonly kind: 'file';
  readonly real: string;
  readonly root: Root;
  readonly flags: Readonly<DescriptorFlags>;
  readonly file: HostFile;
}

export type DescriptorState = DirState | FileState;

/** The host descriptor of a file still open; never a number the host may have reused. */
export function fdOf(f: HostFile): number {
  if (f.refs <= 0) throw new Failure('bad-descriptor');
  return f.fd;
}

/**
 * A directory descriptor is kept as a path, so the path must still name the
 * directory that was opened. Otherwise the guest could move the directory
 * away and put a symlink in its place: the old descriptor would then reach
 * through the link under the policy terms of the old path (a read-only
 * directory written through a read-write name).
 */
export function verifyDir(dir: DirState): void {
  if (!dir.identity) return;
  const st = lstatSync(dir.real, { throwIfNoEntry: false });
  if (!st?.isDirectory() || st.dev !== dir.identity.dev || st.ino !== dir.identity.ino)
    throw new Failure('bad-descriptor');
}

/** Open host files of one instance, closed when their last user lets go (or at dispose). */
export class FileTable {
  readonly #host: HostFiles;
  readonly #open = new Set<HostFile>();

  constructor(limit: number | undefined) {
    this.#host = new HostFiles(limit);
  }

  /** openSync, counted against the instance's open-file limit. */
  open(path: string, flags: number, mode?: number): number {
    return this.#host.open(path, flags, mode);
  }

  /** Close a descriptor from `open` that never became a file (a directory, a refusal). */
  discard(fd: number): void {
    this.#host.close(fd);
  }

  add(fd: number): HostFile {
    const f = { fd, refs: 1 };
    this.#open.add(f);
    return f;
  }

  retain(f: HostFile): void {
    if (f.refs <= 0) throw new Failure('bad-descriptor');
    f.refs++;
  }

  release(f: HostFile): void {
    if (f.refs <= 0) return;
    if (--f.refs === 0) {
      this.#open.delete(f);
      this.#host.close(f.fd);
    }
  }

  closeAll(): void {
    for (const f of this.#open) f.refs = 0;
    this.#open.clear();
    this.#host.closeAll();
  }
}

/** After a check, the same inode must be what we touch: narrows check-then-use races. */
const same = (a: Stats | undefined, b: Stats | undefined) =>
  !!a && !!b && a.ino === b.ino && a.dev === b.dev;

/** 128 bits of the identity and version of a file: dev, ino, size, times. */
export function metadataHashOf(real: string | number): { lower: bigint; upper: bigint } {
  const st =
    typeof real === 'number'
      ? fstatSync(real, { bigint: true })
      : lstatSync(real, { bigint: true });
  const digest = createHash('sha256')
    .update(`${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`)
    .digest();
  return { lower: digest.readBigUInt64LE(0), upper: digest.readBigUInt64LE(8) };
}

export class PathOps {
  readonly #ctx: Context;
  readonly #files: FileTable;

  constructor(ctx: Context, files: FileTable) {
    this.#ctx = ctx;
    this.#files = files;
  }

  /** Resolve a guest path against a directory descriptor, or throw its `error-code`. */
  resolve(dir: DirState, path: string, follow: boolean, statFinal = true): Resolved {
    verifyDir(dir);
    const r = this.#ctx.gate.resolveGuest(dir.real, dir.root, path, follow, statFinal);
    if (!r.ok) throw new Failure(r.failure === 'hidden' ? 'access' : FAILURE_CODE[r.failure]);
    return r.value;
  }

  /** Decide every access; the first refusal is reported and becomes `access`. */
  allow(target: { policyPath: string }, ...accesses: Access[]): void {
    for (const a of accesses) {
      if (!this.#ctx.gate.check(target, a).allowed) throw new Failure('access');
    }
  }

  /** May a symlink at `link` point to `linkTarget`? (See StorageGate.plantable.) */
  plantable(link: Resolved, linkTarget: string): void {
    const p = this.#ctx.gate.plantable(link, linkTarget);
    if (p === 'invalid') throw new Failure('not-permitted');
    if (p === 'denied') throw new Failure('access');
  }

  openAt(
    dir: DirState,
    pathFlags: PathFlags,
    path: string,
    openFlags: OpenFlags,
    flags: DescriptorFlags,
  ): DescriptorState {
    const follow = pathFlags.symlinkFollow === true;
    const create = openFlags.create === true;
    const exclusive = openFlags.exclusive === true;
    const truncate = openFlags.truncate === true;
    const wantsDir = openFlags.directory === true;
    if (wantsDir && (create || exclusive || truncate)) throw new Failure('invalid');
    // Writing is what the guest asked for when it wants `write` or changes the file at open.
    const wantsWrite = flags.write === true || create || truncate;
    // Opening with neither read nor write still reveals the file: it needs read.
    const wantsRead = flags.read === true || !wantsWrite;
    const decide = (target: Resolved) => {
      if (wantsRead) this.allow(target, 'read');
      if (wantsWrite) this.allow(target, 'write');
    };
    const access = wantsWrite
      ? flags.read
        ? constants.O_RDWR
        : constants.O_WRONLY
      : constants.O_RDONLY;
    const sync = (flags.fileIntegritySync ? O_SYNC : 0) | (flags.dataIntegritySync ? O_DSYNC : 0);
    const opened: DescriptorFlags = {
      read: flags.read === true,
      write: flags.write === true,
      fileIntegritySync: flags.fileIntegritySync === true,
      dataIntegritySync: flags.dataIntegritySync === true,
      requestedWriteSync: flags.requestedWriteSync === true,
      mutateDirectory: false,
    };
    /** What was opened, as a descriptor (directories are kept as paths). */
    const settle = (real: string, fd: number, st: Stats): DescriptorState => {
      if (st.isDirectory()) {
        this.#files.discard(fd);
        if (wantsWrite) throw new Failure('is-directory');
        const mutateDirectory = flags.mutateDirectory === true;
        return {
          kind: 'dir',
          real,
          root: dir.root,
          flags: { ...opened, mutateDirectory },
          identity: { dev: st.dev, ino: st.ino },
        };
      }
      if (wantsDir) {
        this.#files.discard(fd);
        throw new Failure('not-directory');
      }
      return { kind: 'file', real, root: dir.root, flags: opened, file: this.#files.add(fd) };
    };

    let target: Resolved | undefined;
    if (!create && !truncate) {
      // Opens that change nothing take the short way: the final component is
      // not looked at first but opened with O_NOFOLLOW, so what is opened is
      // exactly the path the policy decided (a symlink there fails with ELOOP
      // and is then followed the careful way). O_NONBLOCK keeps a FIFO from
      // hanging the guest.
      const quick = this.resolve(dir, path, follow, false);
      decide(quick);
      if (!quick.unchecked) {
        // The gate looked at the final component anyway ("." or a trailing "/").
        target = quick;
      } else {
        let fd: number | undefined;
        try {
          fd = this.#files.open(
            quick.real,
            access | sync | O_NOFOLLOW | O_NONBLOCK | (wantsDir ? O_DIRECTORY : 0),
          );
        } catch (error) {
          if (!((error as NodeJS.ErrnoException).code === 'ELOOP' && follow)) throw error;
        }
        if (fd !== undefined) return settle(quick.real, fd, fstatSync(fd));
      }
    }

    if (!target) {
      target = this.resolve(dir, path, follow);
      decide(target);
    }
    const existed = target.stat;
    if (existed === undefined && !create) throw new Failure('no-entry');
    if (existed !== undefined && create && exclusive) throw new Failure('exist');
    if (existed?.isSymbolicLink()) throw new Failure('loop');
    if (existed?.isDirectory() && wantsWrite) throw new Failure('is-directory');
    if (existed && wantsDir && !existed.isDirectory()) throw new Failure('not-directory');
    let oflags = access | sync | O_NOFOLLOW | O_NONBLOCK;
    if (create) oflags |= constants.O_CREAT;
    // A file that was not there is created fresh: nothing can have been put in its place meanwhile.
    if (exclusive || (create && !existed)) oflags |= constants.O_EXCL;
    if (truncate) oflags |= constants.O_TRUNC;
    if (existed?.isDirectory()) oflags = constants.O_RDONLY | O_NOFOLLOW | O_DIRECTORY;
    const fd = this.#files.open(target.real, oflags, 0o666);
    const st = fstatSync(fd);
    if (
      existed ? !same(existed, st) : !same(lstatSync(target.real, { throwIfNoEntry: false }), st)
    ) {
      this.#files.discard(fd);
      throw new Failure('access');
    }
    return settle(target.real, fd, st);
  }

  statAt(dir: DirState, pathFlags: PathFlags, path: string): DescriptorStat {
    const target = this.resolve(dir, path, pathFlags.symlinkFollow === true);
    this.allow(target, 'read');
    if (!target.stat) throw new Failure('no-entry');
    return statOf(target.stat);
  }

  metadataHashAt(
    dir: DirState,
    pathFlags: PathFlags,
    path: string,
  ): { lower: bigint; upper: bigint } {
    const target = this.resolve(dir, path, pathFlags.symlinkFollow === true);
    this.allow(target, 'read');
    if (!target.stat) throw new Failure('no-entry');
    return metadataHashOf(target.real);
  }

  setTimesAt(
    dir: DirState,
    pathFlags: PathFlags,
    path: string,
    atime: NewTimestamp,
    mtime: NewTimestamp,
  ): void {
    const target = this.resolve(dir, path, pathFlags.symlinkFollow === true);
    this.allow(target, 'write');
    const st = target.stat;
    if (!st) throw new Failure('no-entry');
    const a = secondsOf(atime, st.atimeMs);
    const m = secondsOf(mtime, st.mtimeMs);
    if (st.isSymbolicLink()) lutimesSync(target.real, a, m);
    else utimesSync(target.real, a, m);
  }

  createDirectoryAt(dir: DirState, path: string): void {
    const target = this.resolve(dir, path, false);
    this.allow(target, 'write');
    if (target.stat) throw new Failure('exist');
    mkdirSync(target.real);
  }

  readlinkAt(dir: DirState, path: string): string {
    const target = this.resolve(dir, path, false);
    this.allow(target, 'read');
    if (!target.stat) throw new Failure('no-entry');
    if (!target.stat.isSymbolicLink()) throw new Failure('invalid');
    return readlinkSync(target.real);
  }

  removeDirectoryAt(dir: DirState, path: string): void {
    const target = this.resolve(dir, path, false);
    this.allow(target, 'write');
    if (!target.stat) throw new Failure('no-entry');
    if (!target.stat.isDirectory()) throw new Failure('not-directory');
    if (this.#isRoot(target.real)) throw new Failure('busy');
    rmdirSync(target.real);
  }

  unlinkFileAt(dir: DirState, path: string): void {
    const target = this.resolve(dir, path, false);
    this.allow(target, 'write');
    if (!target.stat) throw new Failure('no-entry');
    if (target.stat.isDirectory()) throw new Failure('is-directory');
    if (!same(lstatSync(target.real, { throwIfNoEntry: false }), target.stat))
      throw new Failure('access');
    unlinkSync(target.real);
  }

  renameAt(from: DirState, oldPath: string, to: DirState, newPath: string): void {
    const src = this.resolve(from, oldPath, false);
    const dst = this.resolve(to, newPath, false);
    // Moving takes a file out of one place and puts it in another: both ends are writes.
    this.allow(src, 'write');
    this.allow(dst, 'write');
    if (!src.stat) throw new Failure('no-entry');
    if (this.#isRoot(src.real) || this.#isRoot(dst.real)) throw new Failure('busy');
    renameSync(src.real, dst.real);
  }

  linkAt(
    from: DirState,
    oldFlags: PathFlags,
    oldPath: string,
    to: DirState,
    newPath: string,
  ): void {
    const src = this.resolve(from, oldPath, oldFlags.symlinkFollow === true);
    const dst = this.resolve(to, newPath, false);
    // A hard link is the same file under a new name: whoever may use the
    // new name reads and writes the original, so the source needs both.
    this.allow(src, 'read', 'write');
    this.allow(dst, 'write');
    if (!src.stat) throw new Failure('no-entry');
    if (src.stat.isDirectory()) throw new Failure('not-permitted');
    if (dst.stat) throw new Failure('exist');
    if (src.stat.isSymbolicLink()) {
      // A hard link to a symlink is a new symlink: it may only point where the guest could read.
      this.plantable(dst, readlinkSync(src.real));
    }
    linkSync(src.real, dst.real);
  }

  symlinkAt(dir: DirState, linkTarget: string, path: string): void {
    if (linkTarget.length === 0 || linkTarget.includes('\0')) throw new Failure('invalid');
    const link = this.resolve(dir, path, false);
    this.allow(link, 'write');
    if (link.stat) throw new Failure('exist');
    this.plantable(link, linkTarget);
    symlinkSync(linkTarget, link.real);
  }

  /** Entries the policy lets the guest read or write; the rest stay hidden. */
  listing(dir: DirState): DirectoryEntry[] {
    verifyDir(dir);
    const gate = this.#ctx.gate;
    const base = gate.policyPath(dir.real);
    const out: DirectoryEntry[] = [];
    for (const d of readdirSync(dir.real, { withFileTypes: true })) {
      const p = base === '/' ? `/${d.name}` : `${base}/${d.name}`;
      if (!gate.allows(p, 'read') && !gate.allows(p, 'write')) continue;
      out.push({ type: typeOf(d), name: d.name });
    }
    return out;
  }

  /** A preopen, or a directory holding one: renaming or removing it would redirect the preopen. */
  #isRoot(real: string): boolean {
    return this.#ctx.gate.holdsRoot(real);
  }
}
