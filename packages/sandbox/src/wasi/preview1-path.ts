// preview1 host functions on paths. Each one resolves the guest path through
// the storage gate (normalise, follow symlinks here, map to policy terms),
// decides the access it needs, and only then touches the host.

import {
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  type Stats,
  symlinkSync,
  unlinkSync,
  utimesSync,
} from 'node:fs';
import type { Access } from '@mcpkit/wasm-policy';
import type { Resolved, ResolveFailure } from '../storage-gate.js';
import {
  DIRECTORY_RIGHTS,
  ERRNO,
  FDFLAGS,
  FILE_READ_RIGHTS,
  FILE_RIGHTS,
  FILE_WRITE_RIGHTS,
  LOOKUP_SYMLINK_FOLLOW,
  OFLAGS,
  RIGHTS,
} from './constants.js';
import { guarded, stillThere, type WasiContext } from './context.js';
import type { DirEntry, FileEntry } from './fd-table.js';
import { timesFor, writeFilestat } from './preview1-fd.js';

type Fn = (...args: never[]) => number;

const FAILURE_ERRNO: Record<ResolveFailure, number> = {
  'not-found': ERRNO.NOENT,
  'not-directory': ERRNO.NOTDIR,
  loop: ERRNO.LOOP,
  outside: ERRNO.NOTCAPABLE,
  invalid: ERRNO.INVAL,
  'too-long': ERRNO.NAMETOOLONG,
};

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const O_DIRECTORY = constants.O_DIRECTORY ?? 0;

export function pathFunctions(ctx: WasiContext): Record<string, Fn> {
  const mem = ctx.memory;
  const gate = ctx.gate;

  /**
   * The directory entry behind `fd`, holding `right`, its path still naming
   * the directory that was opened (EBADF if not). Every path function starts
   * here, so nothing is resolved against a directory swapped since it was
   * opened. `checked`: an entry this call already checked (rename, link).
   */
  const dirOf = (fd: number, right: bigint, checked?: DirEntry): DirEntry | number => {
    const e = ctx.fd(fd);
    if (!e) return ERRNO.BADF;
    if (e.kind !== 'dir') return ERRNO.NOTDIR;
    if ((e.rightsBase & right) !== right) return ERRNO.NOTCAPABLE;
    if (e !== checked && !stillThere(e)) return ERRNO.BADF;
    return e;
  };

  /** Read the guest path, resolve it, or return an errno. */
  const resolve = (
    dir: DirEntry,
    ptr: number,
    len: number,
    follow: boolean,
    statFinal = true,
  ): Resolved | number => {
    const path = mem.text(ptr, len);
    if (path === undefined) return ERRNO.ILSEQ;
    const r = gate.resolveGuest(dir.real, dir.preopen, path, follow, statFinal);
    if (!r.ok) return r.failure === 'hidden' ? ERRNO.ACCES : FAILURE_ERRNO[r.failure];
    return r.value;
  };

  /** Decide `access`, and `also` if given; the first refusal is the errno. */
  const allowed = (target: Resolved, access: Access, also?: Access): number => {
    if (!gate.check(target, access).allowed) return ERRNO.ACCES;
    if (also !== undefined && !gate.check(target, also).allowed) return ERRNO.ACCES;
    return ERRNO.SUCCESS;
  };

  /**
   * The start of most path functions: the directory behind `fd` holding
   * `right`, the guest path read and resolved against it, and `access`
   * decided; the target, or the errno of the first step that failed.
   */
  const resolveTarget = (
    fd: number,
    right: bigint,
    ptr: number,
    len: number,
    follow: boolean,
    access: Access,
  ): Resolved | number => {
    const dir = dirOf(fd, right);
    if (typeof dir === 'number') return dir;
    const t = resolve(dir, ptr, len, follow);
    if (typeof t === 'number') return t;
    return allowed(t, access) || t;
  };

  /** May a symlink at `link` point to `linkTarget`? (See StorageGate.plantable.) */
  const plantable = (link: Resolved, linkTarget: string): number => {
    const p = gate.plantable(link, linkTarget);
    return p === 'ok' ? ERRNO.SUCCESS : p === 'invalid' ? ERRNO.NOTCAPABLE : ERRNO.ACCES;
  };

  /** After a check, the same inode must be what we touch: narrows check-then-use races. */
  const same = (a: Stats | undefined, b: Stats | undefined) =>
    !!a && !!b && a.ino === b.ino && a.dev === b.dev;

  /** The accesses an open needs, decided; the errno of the first refused. */
  const decideOpen = (target: Resolved, wantsRead: boolean, wantsWrite: boolean): number => {
    if (wantsRead) {
      const e = allowed(target, 'read');
      if (e) return e;
    }
    return wantsWrite ? allowed(target, 'write') : ERRNO.SUCCESS;
  };

  /** A file opened: its descriptor, written to `out`. */
  const addFile = (
    out: number,
    target: Resolved,
    hostFd: number,
    base: bigint,
    append: boolean,
    pending: FileEntry['pending'],
  ): number => {
    mem.setU32(
      out,
      ctx.fds.add({
        kind: 'file',
        hostFd,
        real: target.real,
        position: 0,
        append,
        closed: false,
        rightsBase: base & FILE_RIGHTS,
        rightsInheriting: 0n,
        pending,
      }),
    );
    return ERRNO.SUCCESS;
  };

  /**
   * A file or directory opened and looked at (`st`; undefined: known to be a
   * directory, opened with O_DIRECTORY): its descriptor, or why not.
   */
  const addOpened = (
    out: number,
    dir: DirEntry,
    target: Resolved,
    hostFd: number,
    st: Stats | undefined,
    o: {
      base: bigint;
      inheriting: bigint;
      wantsWrite: boolean;
      wantsDir: boolean;
      append: boolean;
    },
  ): number => {
    if (st === undefined || st.isDirectory()) {
      if (o.wantsWrite) {
        ctx.files.close(hostFd);
        return ERRNO.ISDIR;
      }
      // The directory as opened: every later use checks its path still names it.
      let opened: Stats;
      try {
        opened = st ?? fstatSync(hostFd);
      } finally {
        ctx.files.close(hostFd);
      }
      const entry: DirEntry = {
        kind: 'dir',
        real: target.real,
        preopen: dir.preopen,
        isPreopen: false,
        identity: { dev: opened.dev, ino: opened.ino },
        rightsBase: o.base & DIRECTORY_RIGHTS,
        rightsInheriting: o.inheriting,
      };
      mem.setU32(out, ctx.fds.add(entry));
      return ERRNO.SUCCESS;
    }
    if (o.wantsDir) {
      ctx.files.close(hostFd);
      return ERRNO.NOTDIR;
    }
    return addFile(out, target, hostFd, o.base, o.append, undefined);
  };

  return {
    path_open: guarded(
      (
        dirfd: number,
        dirflags: number,
        pathPtr: number,
        pathLen: number,
        oflags: number,
        rightsBase: bigint,
        rightsInheriting: bigint,
        fdflags: number,
        out: number,
      ) => {
        const dir = dirOf(dirfd, RIGHTS.PATH_OPEN);
        if (typeof dir === 'number') return dir;
        mem.check(out, 4);
        const follow = (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0;
        const create = (oflags & OFLAGS.CREAT) !== 0;
        const truncate = (oflags & OFLAGS.TRUNC) !== 0;
        const wantsDir = (oflags & OFLAGS.DIRECTORY) !== 0;
        let base = rightsBase & dir.rightsInheriting;
        const inheriting = rightsInheriting & dir.rightsInheriting;
        // Writing is what the guest asked for when it wants FD_WRITE or
        // changes the file at open. The other write-ish rights (set size,
        // allocate, set times) come along with many libraries' plain opens
        // (Go's os.Open asks for them): without FD_WRITE the descriptor is
        // read-only and they are dropped, as POSIX O_RDONLY would have it.
        const wantsWrite =
          (base & RIGHTS.FD_WRITE) !== 0n || (fdflags & FDFLAGS.APPEND) !== 0 || create || truncate;
        // Opening with no read or write right still reveals the file: it needs read.
        const wantsRead = (base & FILE_READ_RIGHTS) !== 0n || !wantsWrite;
        if (!wantsWrite) base &= ~FILE_WRITE_RIGHTS;

        const append = (fdflags & FDFLAGS.APPEND) !== 0;
        const canRead = (base & FILE_READ_RIGHTS) !== 0n;
        const access = wantsWrite
          ? canRead
            ? constants.O_RDWR
            : constants.O_WRONLY
          : constants.O_RDONLY;

        // Opens that change nothing take the short way: the final component is
        // not looked at first but opened with O_NOFOLLOW, so what is opened is
        // exactly the path the policy decided (a symlink there fails with ELOOP,
        // and is then followed the careful way). O_NONBLOCK keeps a FIFO from
        // hanging the guest.
        if (!create && !truncate) {
          const target = resolve(dir, pathPtr, pathLen, follow, false);
          if (typeof target === 'number') return target;
          const e = decideOpen(target, wantsRead, wantsWrite);
          if (e) return e;
          if (target.unchecked) {
            let hostFd: number;
            try {
              hostFd = ctx.files.open(
                target.real,
                access | O_NOFOLLOW | O_NONBLOCK | (wantsDir ? O_DIRECTORY : 0),
              );
            } catch (error) {
              const code = (error as NodeJS.ErrnoException).code;
              if (!(code === 'ELOOP' && follow)) throw error;
              hostFd = -1;
            }
            if (hostFd >= 0) {
              if (wantsDir) {
                const o = { base, inheriting, wantsWrite, wantsDir, append };
                return addOpened(out, dir, target, hostFd, undefined, o);
              }
              // What it is (file or directory) is found out when it matters.
              return addFile(out, target, hostFd, base, append, {
                base,
                inheriting,
                preopen: dir.preopen,
              });
            }
          }
        }

        const target = resolve(dir, pathPtr, pathLen, follow);
        if (typeof target === 'number') return target;
        const e = decideOpen(target, wantsRead, wantsWrite);
        if (e) return e;
        const existed = target.stat;
        if (existed === undefined && !create) return ERRNO.NOENT;
        if (existed !== undefined && create && oflags & OFLAGS.EXCL) return ERRNO.EXIST;
        if (existed?.isSymbolicLink()) return ERRNO.LOOP;
        if (existed?.isDirectory() && (truncate || wantsWrite)) return ERRNO.ISDIR;
        let flags = access | O_NOFOLLOW | O_NONBLOCK;
        if (create) flags |= constants.O_CREAT;
        // A file that was not there is created fresh: nothing can have been put in its place meanwhile.
        if (oflags & OFLAGS.EXCL || (create && !existed)) flags |= constants.O_EXCL;
        if (truncate) flags |= constants.O_TRUNC;
        if (existed?.isDirectory()) flags = constants.O_RDONLY | O_NOFOLLOW | O_DIRECTORY;
        const hostFd = ctx.files.open(target.real, flags, 0o666);
        const opened = fstatSync(hostFd);
        if (
          existed
            ? !same(existed, opened)
            : !same(lstatSync(target.real, { throwIfNoEntry: false }), opened)
        ) {
          ctx.files.close(hostFd);
          return ERRNO.ACCES;
        }
        const o = { base, inheriting, wantsWrite, wantsDir, append };
        return addOpened(out, dir, target, hostFd, opened, o);
      },
    ),

    path_filestat_get: guarded(
      (fd: number, flags: number, ptr: number, len: number, out: number) => {
        const target = resolveTarget(
          fd,
          RIGHTS.PATH_FILESTAT_GET,
          ptr,
          len,
          (flags & LOOKUP_SYMLINK_FOLLOW) !== 0,
          'read',
        );
        if (typeof target === 'number') return target;
        if (!target.stat) return ERRNO.NOENT;
        writeFilestat(ctx, out, target.stat);
        return ERRNO.SUCCESS;
      },
    ),

    path_filestat_set_times: guarded(
      (
        fd: number,
        flags: number,
        ptr: number,
        len: number,
        atim: bigint,
        mtim: bigint,
        fst: number,
      ) => {
        const target = resolveTarget(
          fd,
          RIGHTS.PATH_FILESTAT_SET_TIMES,
          ptr,
          len,
          (flags & LOOKUP_SYMLINK_FOLLOW) !== 0,
          'write',
        );
        if (typeof target === 'number') return target;
        if (!target.stat) return ERRNO.NOENT;
        const t = timesFor(fst, atim, mtim, target.stat);
        if (typeof t === 'number') return t;
        if (target.stat.isSymbolicLink()) lutimesSync(target.real, t[0], t[1]);
        else utimesSync(target.real, t[0], t[1]);
        return ERRNO.SUCCESS;
      },
    ),

    path_create_directory: guarded((fd: number, ptr: number, len: number) => {
      const target = resolveTarget(fd, RIGHTS.PATH_CREATE_DIRECTORY, ptr, len, false, 'write');
      if (typeof target === 'number') return target;
      if (target.stat) return ERRNO.EXIST;
      mkdirSync(target.real);
      return ERRNO.SUCCESS;
    }),

    path_remove_directory: guarded((fd: number, ptr: number, len: number) => {
      const target = resolveTarget(fd, RIGHTS.PATH_REMOVE_DIRECTORY, ptr, len, false, 'write');
      if (typeof target === 'number') return target;
      if (!target.stat) return ERRNO.NOENT;
      if (!target.stat.isDirectory()) return ERRNO.NOTDIR;
      if (gate.holdsRoot(target.real)) return ERRNO.BUSY;
      rmdirSync(target.real);
      return ERRNO.SUCCESS;
    }),

    path_unlink_file: guarded((fd: number, ptr: number, len: number) => {
      const target = resolveTarget(fd, RIGHTS.PATH_UNLINK_FILE, ptr, len, false, 'write');
      if (typeof target === 'number') return target;
      if (!target.stat) return ERRNO.NOENT;
      if (target.stat.isDirectory()) return ERRNO.ISDIR;
      const now = lstatSync(target.real, { throwIfNoEntry: false });
      if (!same(now, target.stat)) return ERRNO.ACCES;
      unlinkSync(target.real);
      return ERRNO.SUCCESS;
    }),

    path_rename: guarded(
      (
        fd: number,
        oldPtr: number,
        oldLen: number,
        newFd: number,
        newPtr: number,
        newLen: number,
      ) => {
        const from = dirOf(fd, RIGHTS.PATH_RENAME_SOURCE);
        if (typeof from === 'number') return from;
        const to = dirOf(newFd, RIGHTS.PATH_RENAME_TARGET, from);
        if (typeof to === 'number') return to;
        const src = resolve(from, oldPtr, oldLen, false);
        if (typeof src === 'number') return src;
        const dst = resolve(to, newPtr, newLen, false);
        if (typeof dst === 'number') return dst;
        // Moving takes a file out of one place and puts it in another: both ends are writes.
        let e = allowed(src, 'write');
        if (e) return e;
        e = allowed(dst, 'write');
        if (e) return e;
        if (!src.stat) return ERRNO.NOENT;
        if (gate.holdsRoot(src.real) || gate.holdsRoot(dst.real)) return ERRNO.BUSY;
        renameSync(src.real, dst.real);
        return ERRNO.SUCCESS;
      },
    ),

    path_link: guarded(
      (
        oldFd: number,
        flags: number,
        oldPtr: number,
        oldLen: number,
        newFd: number,
        newPtr: number,
        newLen: number,
      ) => {
        const from = dirOf(oldFd, RIGHTS.PATH_LINK_SOURCE);
        if (typeof from === 'number') return from;
        const to = dirOf(newFd, RIGHTS.PATH_LINK_TARGET, from);
        if (typeof to === 'number') return to;
        const src = resolve(from, oldPtr, oldLen, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
        if (typeof src === 'number') return src;
        const dst = resolve(to, newPtr, newLen, false);
        if (typeof dst === 'number') return dst;
        // A hard link is the same file under a new name: whoever may use the
        // new name reads and writes the original, so the source needs both.
        let e = allowed(src, 'read', 'write');
        if (e) return e;
        e = allowed(dst, 'write');
        if (e) return e;
        if (!src.stat) return ERRNO.NOENT;
        if (src.stat.isDirectory()) return ERRNO.PERM;
        if (dst.stat) return ERRNO.EXIST;
        if (src.stat.isSymbolicLink()) {
          // A hard link to a symlink is a new symlink: it may only point where the guest could read.
          const r = plantable(dst, readlinkSync(src.real));
          if (r) return r;
        }
        linkSync(src.real, dst.real);
        return ERRNO.SUCCESS;
      },
    ),

    path_symlink: guarded(
      (oldPtr: number, oldLen: number, fd: number, newPtr: number, newLen: number) => {
        const dir = dirOf(fd, RIGHTS.PATH_SYMLINK);
        if (typeof dir === 'number') return dir;
        const linkTarget = mem.text(oldPtr, oldLen);
        if (linkTarget === undefined) return ERRNO.ILSEQ;
        if (linkTarget.length === 0 || linkTarget.includes('\0')) return ERRNO.INVAL;
        const link = resolve(dir, newPtr, newLen, false);
        if (typeof link === 'number') return link;
        const e = allowed(link, 'write');
        if (e) return e;
        if (link.stat) return ERRNO.EXIST;
        const r = plantable(link, linkTarget);
        if (r) return r;
        symlinkSync(linkTarget, link.real);
        return ERRNO.SUCCESS;
      },
    ),

    path_readlink: guarded(
      (fd: number, ptr: number, len: number, buf: number, bufLen: number, used: number) => {
        const target = resolveTarget(fd, RIGHTS.PATH_READLINK, ptr, len, false, 'read');
        if (typeof target === 'number') return target;
        if (!target.stat) return ERRNO.NOENT;
        if (!target.stat.isSymbolicLink()) return ERRNO.INVAL;
        mem.check(buf, bufLen);
        mem.check(used, 4);
        const n = mem.writeText(buf, readlinkSync(target.real), bufLen);
        mem.setU32(used, n);
        return ERRNO.SUCCESS;
      },
    ),
  };
}
