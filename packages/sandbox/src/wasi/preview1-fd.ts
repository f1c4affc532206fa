// preview1 host functions on file descriptors: read, write, seek, stat,
// directory listing, and the bookkeeping around them. Rights decided at open
// time are enforced on every call.

import {
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  futimesSync,
  lstatSync,
  readdirSync,
  readSync,
  type Stats,
  writeSync,
} from 'node:fs';
import {
  ERRNO,
  FDFLAGS,
  FILETYPE,
  FSTFLAGS,
  PREOPENTYPE_DIR,
  RIGHTS,
  WHENCE,
} from './constants.js';
import { guarded, sameDir, type WasiContext } from './context.js';
import type { DirEntry, FdEntry, FileEntry } from './fd-table.js';
import { utf8Encoder } from './memory.js';

type Fn = (...args: never[]) => number;

export function filetypeOf(st: Stats): number {
  if (st.isFile()) return FILETYPE.REGULAR_FILE;
  if (st.isDirectory()) return FILETYPE.DIRECTORY;
  if (st.isSymbolicLink()) return FILETYPE.SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return FILETYPE.CHARACTER_DEVICE;
  if (st.isBlockDevice()) return FILETYPE.BLOCK_DEVICE;
  if (st.isSocket()) return FILETYPE.SOCKET_STREAM;
  return FILETYPE.UNKNOWN;
}

/** Nanoseconds as a number: a time in ms holds no more precision than that anyway. */
function nsOf(ms: number): number {
  return Math.round(ms * 1e6);
}

/** filestat: dev u64, ino u64, filetype u8, nlink u64, size u64, atim, mtim, ctim (64 bytes). */
export function writeFilestat(
  ctx: WasiContext,
  ptr: number,
  st: Stats | undefined,
  type?: number,
): void {
  const m = ctx.memory;
  m.check(ptr, 64);
  m.setU64Number(ptr, st ? st.dev : 0);
  m.setU64Number(ptr + 8, st ? st.ino : 0);
  m.setU8(ptr + 16, type ?? (st ? filetypeOf(st) : FILETYPE.CHARACTER_DEVICE));
  m.setU64Number(ptr + 24, st ? st.nlink : 1);
  m.setU64Number(ptr + 32, st ? st.size : 0);
  m.setU64Number(ptr + 40, st ? nsOf(st.atimeMs) : 0);
  m.setU64Number(ptr + 48, st ? nsOf(st.mtimeMs) : 0);
  m.setU64Number(ptr + 56, st ? nsOf(st.ctimeMs) : 0);
}

/** The entry if it exists and holds every right in `needed`; else an errno. */
export function withRights(ctx: WasiContext, fd: number, needed: bigint): FdEntry | number {
  const e = ctx.fd(fd);
  if (!e) return ERRNO.BADF;
  // Missing rights are ENOTCAPABLE, as the WASI specification (and uvwasi) has it.
  if ((e.rightsBase & needed) !== needed) return ERRNO.NOTCAPABLE;
  return e;
}

function file(ctx: WasiContext, fd: number, needed: bigint): FileEntry | number {
  const e = ctx.fd(fd);
  if (!e) return ERRNO.BADF;
  if (e.kind === 'dir') return ERRNO.ISDIR;
  if (e.kind !== 'file') return ERRNO.SPIPE;
  if ((e.rightsBase & needed) !== needed) return ERRNO.NOTCAPABLE;
  return e;
}

/** Timestamps for *_filestat_set_times, in milliseconds, per fst_flags. */
export function timesFor(
  flags: number,
  atim: bigint,
  mtim: bigint,
  st: Stats,
): [number, number] | number {
  if (
    (flags & FSTFLAGS.ATIM && flags & FSTFLAGS.ATIM_NOW) ||
    (flags & FSTFLAGS.MTIM && flags & FSTFLAGS.MTIM_NOW)
  ) {
    return ERRNO.INVAL;
  }
  const now = Date.now();
  const a =
    flags & FSTFLAGS.ATIM_NOW
      ? now
      : flags & FSTFLAGS.ATIM
        ? Number(atim / 1000n) / 1000
        : st.atimeMs;
  const m =
    flags & FSTFLAGS.MTIM_NOW
      ? now
      : flags & FSTFLAGS.MTIM
        ? Number(mtim / 1000n) / 1000
        : st.mtimeMs;
  return [a / 1000, m / 1000];
}

export function fdFunctions(ctx: WasiContext): Record<string, Fn> {
  const mem = ctx.memory;

  // Files are read and written in place, at an offset into the guest's
  // memory; stdio goes through a view. `ptr` and `len` were checked.
  const read = (e: FdEntry, ptr: number, len: number, at: number | null): number => {
    if (e.kind === 'stdin') return e.input.read(mem.view(ptr, len));
    if (e.kind !== 'file') return 0;
    const n = readSync(e.hostFd, mem.bytes, ptr >>> 0, len, at ?? e.position);
    if (at === null) e.position += n;
    return n;
  };

  const write = (e: FdEntry, ptr: number, len: number, at: number | null): number => {
    if (e.kind === 'stdout' || e.kind === 'stderr') {
      e.output.write(mem.view(ptr, len));
      return len;
    }
    if (e.kind !== 'file') return 0;
    let pos = at ?? e.position;
    if (at === null && e.append) pos = fstatSync(e.hostFd).size;
    const n = writeSync(e.hostFd, mem.bytes, ptr >>> 0, len, pos);
    if (at === null) e.position = pos + n;
    return n;
  };

  const io = (
    fd: number,
    iovs: number,
    count: number,
    offset: bigint | null,
    outPtr: number,
    writing: boolean,
  ): number => {
    // Unsettled on purpose: a read or write does not need to know first
    // whether the descriptor is a directory; the kernel says so (EISDIR).
    const e = ctx.raw(fd);
    if (!e) return ERRNO.BADF;
    const needed = writing ? RIGHTS.FD_WRITE : RIGHTS.FD_READ;
    if ((e.rightsBase & needed) !== needed) return ERRNO.NOTCAPABLE;
    if (e.kind === 'dir') return ERRNO.ISDIR;
    if (e.kind === 'file' && e.pending) {
      try {
        return transfer(e, iovs, count, offset, outPtr, writing);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
        // A directory opened as a file: it holds no read or write right.
        return ctx.settle(fd, e).kind === 'dir' ? ERRNO.NOTCAPABLE : ERRNO.ISDIR;
      }
    }
    return transfer(e, iovs, count, offset, outPtr, writing);
  };

  const transfer = (
    e: FdEntry,
    iovs: number,
    count: number,
    offset: bigint | null,
    outPtr: number,
    writing: boolean,
  ): number => {
    if (offset !== null && e.kind !== 'file') return ERRNO.SPIPE;
    const vecs = mem.iovecs(iovs, count);
    mem.check(outPtr, 4);
    let at = offset === null ? null : Number(offset);
    if (at !== null && (at < 0 || !Number.isSafeInteger(at))) return ERRNO.INVAL;
    let total = 0;
    for (let i = 0; i < vecs; i++) {
      const ptr = mem.u32(iovs + i * 8);
      const len = mem.u32(iovs + i * 8 + 4);
      if (len === 0) continue;
      const n = writing ? write(e, ptr, len, at) : read(e, ptr, len, at);
      total += n;
      if (at !== null) at += n;
      if (n < len) break;
    }
    mem.setU32(outPtr, total);
    return ERRNO.SUCCESS;
  };

  /** The entries of `e`, or EBADF when its path no longer names the directory opened. */
  const listing = (e: DirEntry): Array<{ name: string; type: number; ino: bigint }> | number => {
    const out: Array<{ name: string; type: number; ino: bigint }> = [];
    const self = lstatSync(e.real, { throwIfNoEntry: false });
    if (!sameDir(e, self)) return ERRNO.BADF;
    if (!self) return ERRNO.NOENT;
    out.push({ name: '.', type: FILETYPE.DIRECTORY, ino: BigInt(self.ino) });
    const parent =
      e.real === '/' ? self : lstatSync(e.real.slice(0, e.real.lastIndexOf('/')) || '/');
    out.push({ name: '..', type: FILETYPE.DIRECTORY, ino: BigInt(parent.ino) });
    const base = ctx.gate.policyPath(e.real);
    for (const d of readdirSync(e.real, { withFileTypes: true })) {
      // Names the policy neither lets the guest read nor write stay hidden.
      const p = base === '/' ? `/${d.name}` : `${base}/${d.name}`;
      if (!ctx.gate.allows(p, 'read') && !ctx.gate.allows(p, 'write')) continue;
      let ino = 0n;
      try {
        ino = BigInt(lstatSync(`${e.real === '/' ? '' : e.real}/${d.name}`).ino);
      } catch {
        continue;
      }
      const type = d.isFile()
        ? FILETYPE.REGULAR_FILE
        : d.isDirectory()
          ? FILETYPE.DIRECTORY
          : d.isSymbolicLink()
            ? FILETYPE.SYMBOLIC_LINK
            : d.isCharacterDevice()
              ? FILETYPE.CHARACTER_DEVICE
              : d.isBlockDevice()
                ? FILETYPE.BLOCK_DEVICE
                : d.isSocket()
                  ? FILETYPE.SOCKET_STREAM
                  : FILETYPE.UNKNOWN;
      out.push({ name: d.name, type, ino });
    }
    return out;
  };

  return {
    fd_read: guarded((fd: number, iovs: number, count: number, nread: number) =>
      io(fd, iovs, count, null, nread, false),
    ),
    fd_pread: guarded((fd: number, iovs: number, count: number, offset: bigint, nread: number) =>
      io(fd, iovs, count, offset, nread, false),
    ),
    fd_write: guarded((fd: number, iovs: number, count: number, nwritten: number) =>
      io(fd, iovs, count, null, nwritten, true),
    ),
    fd_pwrite: guarded(
      (fd: number, iovs: number, count: number, offset: bigint, nwritten: number) =>
        io(fd, iovs, count, offset, nwritten, true),
    ),

    fd_close: guarded((fd: number) => {
      const e = ctx.raw(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind === 'file' && !e.closed) {
        e.closed = true;
        ctx.files.close(e.hostFd);
      }
      ctx.fds.delete(fd);
      return ERRNO.SUCCESS;
    }),

    fd_seek: guarded((fd: number, offset: bigint, whence: number, out: number) => {
      const e = file(ctx, fd, RIGHTS.FD_SEEK);
      if (typeof e === 'number') return e;
      mem.check(out, 8);
      const base =
        whence === WHENCE.SET
          ? 0
          : whence === WHENCE.CUR
            ? e.position
            : whence === WHENCE.END
              ? fstatSync(e.hostFd).size
              : -1;
      if (base < 0) return ERRNO.INVAL;
      const pos = base + Number(BigInt.asIntN(64, offset));
      if (pos < 0 || !Number.isSafeInteger(pos)) return ERRNO.INVAL;
      e.position = pos;
      mem.setU64(out, BigInt(pos));
      return ERRNO.SUCCESS;
    }),

    fd_tell: guarded((fd: number, out: number) => {
      const e = file(ctx, fd, RIGHTS.FD_TELL);
      if (typeof e === 'number') return e;
      mem.setU64(out, BigInt(e.position));
      return ERRNO.SUCCESS;
    }),

    fd_fdstat_get: guarded((fd: number, out: number) => {
      const e = ctx.fd(fd);
      if (!e) return ERRNO.BADF;
      mem.check(out, 24);
      const type =
        e.kind === 'dir'
          ? FILETYPE.DIRECTORY
          : e.kind === 'file'
            ? FILETYPE.REGULAR_FILE
            : FILETYPE.CHARACTER_DEVICE;
      mem.setU8(out, type);
      mem.setU16(out + 2, e.kind === 'file' && e.append ? FDFLAGS.APPEND : 0);
      mem.setU64(out + 8, e.rightsBase);
      mem.setU64(out + 16, e.rightsInheriting);
      return ERRNO.SUCCESS;
    }),

    fd_fdstat_set_flags: guarded((fd: number, flags: number) => {
      const e = withRights(ctx, fd, RIGHTS.FD_FDSTAT_SET_FLAGS);
      if (typeof e === 'number') return e;
      if (flags & ~(FDFLAGS.APPEND | FDFLAGS.NONBLOCK)) return ERRNO.NOTSUP;
      if (e.kind === 'file') {
        if (flags & FDFLAGS.APPEND && (e.rightsBase & RIGHTS.FD_WRITE) === 0n)
          return ERRNO.NOTCAPABLE;
        e.append = (flags & FDFLAGS.APPEND) !== 0;
      }
      return ERRNO.SUCCESS;
    }),

    fd_fdstat_set_rights: guarded((fd: number, base: bigint, inheriting: bigint) => {
      const e = ctx.fd(fd);
      if (!e) return ERRNO.BADF;
      // Rights only ever shrink.
      if ((base & ~e.rightsBase) !== 0n || (inheriting & ~e.rightsInheriting) !== 0n)
        return ERRNO.NOTCAPABLE;
      e.rightsBase = base;
      e.rightsInheriting = inheriting;
      return ERRNO.SUCCESS;
    }),

    fd_filestat_get: guarded((fd: number, out: number) => {
      const e = withRights(ctx, fd, RIGHTS.FD_FILESTAT_GET);
      if (typeof e === 'number') return e;
      if (e.kind === 'file') writeFilestat(ctx, out, fstatSync(e.hostFd));
      else if (e.kind === 'dir') {
        const st = lstatSync(e.real, { throwIfNoEntry: false });
        if (!sameDir(e, st)) return ERRNO.BADF;
        if (!st) return ERRNO.NOENT;
        writeFilestat(ctx, out, st);
      } else writeFilestat(ctx, out, undefined, FILETYPE.CHARACTER_DEVICE);
      return ERRNO.SUCCESS;
    }),

    fd_filestat_set_size: guarded((fd: number, size: bigint) => {
      const e = file(ctx, fd, RIGHTS.FD_FILESTAT_SET_SIZE);
      if (typeof e === 'number') return e;
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) return ERRNO.FBIG;
      ftruncateSync(e.hostFd, Number(size));
      return ERRNO.SUCCESS;
    }),

    fd_filestat_set_times: guarded((fd: number, atim: bigint, mtim: bigint, flags: number) => {
      const e = file(ctx, fd, RIGHTS.FD_FILESTAT_SET_TIMES);
      if (typeof e === 'number') return e;
      const t = timesFor(flags, atim, mtim, fstatSync(e.hostFd));
      if (typeof t === 'number') return t;
      futimesSync(e.hostFd, t[0], t[1]);
      return ERRNO.SUCCESS;
    }),

    fd_allocate: guarded((fd: number, offset: bigint, len: bigint) => {
      const e = file(ctx, fd, RIGHTS.FD_ALLOCATE);
      if (typeof e === 'number') return e;
      const end = offset + len;
      if (end > BigInt(Number.MAX_SAFE_INTEGER)) return ERRNO.FBIG;
      if (Number(end) > fstatSync(e.hostFd).size) ftruncateSync(e.hostFd, Number(end));
      return ERRNO.SUCCESS;
    }),

    fd_advise: guarded((fd: number, _offset: bigint, _len: bigint, advice: number) => {
      const e = file(ctx, fd, RIGHTS.FD_ADVISE);
      if (typeof e === 'number') return e;
      return advice >= 0 && advice <= 5 ? ERRNO.SUCCESS : ERRNO.INVAL;
    }),

    fd_datasync: guarded((fd: number) => {
      const e = file(ctx, fd, RIGHTS.FD_DATASYNC);
      if (typeof e === 'number') return e;
      fdatasyncSync(e.hostFd);
      return ERRNO.SUCCESS;
    }),

    fd_sync: guarded((fd: number) => {
      const e = withRights(ctx, fd, RIGHTS.FD_SYNC);
      if (typeof e === 'number') return e;
      if (e.kind === 'file') fsyncSync(e.hostFd);
      return ERRNO.SUCCESS;
    }),

    fd_renumber: guarded((from: number, to: number) => {
      const src = ctx.fd(from);
      const dst = ctx.fd(to);
      if (!src || !dst) return ERRNO.BADF;
      if (from >>> 0 === to >>> 0) return ERRNO.SUCCESS;
      if (dst.kind === 'file' && !dst.closed) {
        dst.closed = true;
        ctx.files.close(dst.hostFd);
      }
      ctx.fds.set(to, src);
      ctx.fds.delete(from);
      return ERRNO.SUCCESS;
    }),

    fd_readdir: guarded((fd: number, buf: number, len: number, cookie: bigint, used: number) => {
      const e = withRights(ctx, fd, RIGHTS.FD_READDIR);
      if (typeof e === 'number') return e;
      if (e.kind !== 'dir') return ERRNO.NOTDIR;
      mem.check(buf, len);
      mem.check(used, 4);
      // Later cookies page through the listing made at cookie 0 (checked then).
      if (cookie === 0n || !e.listing) {
        const l = listing(e);
        if (typeof l === 'number') return l;
        e.listing = l;
      }
      const entries = e.listing;
      let at = 0;
      const cap = len >>> 0;
      for (let i = Number(cookie); i < entries.length && at < cap; i++) {
        const d = entries[i]!;
        const name = utf8Encoder.encode(d.name);
        // dirent: d_next u64, d_ino u64, d_namlen u32, d_type u8 (24 bytes), then the name.
        const header = new Uint8Array(24);
        const hv = new DataView(header.buffer);
        hv.setBigUint64(0, BigInt(i + 1), true);
        hv.setBigUint64(8, d.ino, true);
        hv.setUint32(16, name.length, true);
        hv.setUint8(20, d.type);
        const record = new Uint8Array(24 + name.length);
        record.set(header);
        record.set(name, 24);
        const n = Math.min(record.length, cap - at);
        mem.write(buf + at, record.subarray(0, n));
        at += n;
      }
      mem.setU32(used, at);
      return ERRNO.SUCCESS;
    }),

    fd_prestat_get: guarded((fd: number, out: number) => {
      const e = ctx.fd(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind !== 'dir' || !e.isPreopen) return ERRNO.BADF;
      mem.check(out, 8);
      mem.setU8(out, PREOPENTYPE_DIR);
      mem.setU32(out + 4, utf8Encoder.encode(e.preopen.guestPath).length);
      return ERRNO.SUCCESS;
    }),

    fd_prestat_dir_name: guarded((fd: number, ptr: number, len: number) => {
      const e = ctx.fd(fd);
      if (e?.kind !== 'dir' || !e.isPreopen) return ERRNO.BADF;
      const name = utf8Encoder.encode(e.preopen.guestPath);
      if (len >>> 0 < name.length) return ERRNO.NAMETOOLONG;
      mem.write(ptr, name);
      return ERRNO.SUCCESS;
    }),
  };
}
