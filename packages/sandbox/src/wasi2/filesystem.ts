// wasi:filesystem/{types,preopens}: descriptors over the directories the
// storage gate preopens. A descriptor's flags are enforced on every call
// (read, write, mutate-directory); every path goes through ./filesystem-at.ts.

import {
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  futimesSync,
  lstatSync,
  readSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { type Context, clampU64, Failure, guardClass, guardFunction } from './context.js';
import {
  type DescriptorState,
  type DirState,
  type FileState,
  FileTable,
  fdOf,
  metadataHashOf,
  PathOps,
  verifyDir,
} from './filesystem-at.js';
import {
  type DescriptorFlags,
  type DescriptorStat,
  type DescriptorType,
  type DirectoryEntry,
  errorCodeOf,
  type NewTimestamp,
  type OpenFlags,
  type PathFlags,
  secondsOf,
  statOf,
  translate,
  typeOf,
} from './filesystem-types.js';
import { type ByteSink, type ByteSource, type Io, StreamFailure } from './io.js';

/** Bytes one `read` returns at most; the guest asks again for more. */
const MAX_READ = 16 * 1024 * 1024;

const ADVICE = new Set(['normal', 'sequential', 'random', 'will-need', 'dont-need', 'no-reuse']);

/** What a preopened directory may do: list and look up, and change what is in it (each path decided by the policy). */
const PREOPEN_FLAGS: Readonly<DescriptorFlags> = Object.freeze({
  read: true,
  write: false,
  fileIntegritySync: false,
  dataIntegritySync: false,
  requestedWriteSync: false,
  mutateDirectory: true,
});

function streamFailure(error: unknown): never {
  if (error instanceof Failure)
    throw new StreamFailure({ debug: 'the file was closed', filesystem: String(error.payload) });
  const code = errorCodeOf(error);
  if (code === undefined) throw error;
  throw new StreamFailure({ debug: (error as Error).message, filesystem: code });
}

export interface Filesystem {
  readonly imports: Record<string, Record<string, unknown>>;
  /** Close every host file still open. */
  dispose(): void;
}

export function createFilesystem(ctx: Context, io: Io): Filesystem {
  const KEY = Symbol('filesystem');
  const files = new FileTable(ctx.policy.limits.openFiles);
  const ops = new PathOps(ctx, files);

  /** A stream reading the file from `offset`, holding its own reference to it. */
  const fileSource = (s: FileState, offset: number): ByteSource => {
    files.retain(s.file);
    let pos = offset;
    let open = true;
    return {
      read(max) {
        const buf = new Uint8Array(max);
        let n: number;
        try {
          n = readSync(fdOf(s.file), buf, 0, max, pos);
        } catch (error) {
          streamFailure(error);
        }
        if (n === 0) return undefined;
        pos += n;
        return buf.subarray(0, n);
      },
      close() {
        if (open) files.release(s.file);
        open = false;
      },
    };
  };

  const fileSink = (s: FileState, offset: number | 'append'): ByteSink => {
    files.retain(s.file);
    let pos = offset === 'append' ? 0 : offset;
    let open = true;
    return {
      write(data) {
        try {
          if (offset === 'append') pos = fstatSync(fdOf(s.file)).size;
          for (let at = 0; at < data.length; ) {
            const n = writeSync(fdOf(s.file), data, at, data.length - at, pos);
            at += n;
            pos += n;
          }
        } catch (error) {
          streamFailure(error);
        }
      },
      close() {
        if (open) files.release(s.file);
        open = false;
      },
    };
  };

  let stateOf: (d: unknown) => DescriptorState;

  /** A directory descriptor. */
  const dirOf = (d: unknown): DirState => {
    const s = stateOf(d);
    if (s.kind !== 'dir') throw new Failure('not-directory');
    return s;
  };

  /** A directory descriptor whose contents the guest may change. */
  const mutableOf = (d: unknown): DirState => {
    const s = dirOf(d);
    if (!s.flags.mutateDirectory) throw new Failure('read-only');
    return s;
  };

  /** A file descriptor, opened with `access` when given. */
  const fileOf = (d: unknown, access?: 'read' | 'write'): FileState => {
    const s = stateOf(d);
    if (s.kind !== 'file') throw new Failure('is-directory');
    if (access !== undefined && !s.flags[access]) throw new Failure('bad-descriptor');
    return s;
  };

  class Descriptor {
    #s: DescriptorState | undefined;

    constructor(key: symbol, state: DescriptorState) {
      if (key !== KEY) throw new TypeError('descriptors are created by the host');
      this.#s = state;
    }

    static {
      stateOf = (d) => {
        if (typeof d !== 'object' || d === null || !(#s in d)) throw new Failure('bad-descriptor');
        const s = (d as Descriptor).#s;
        if (!s) throw new Failure('bad-descriptor');
        return s;
      };
    }

    readViaStream(offset: bigint): unknown {
      const s = fileOf(this, 'read');
      return io.inputStream(fileSource(s, clampU64(offset, Number.MAX_SAFE_INTEGER)));
    }

    writeViaStream(offset: bigint): unknown {
      const s = fileOf(this, 'write');
      return io.outputStream(fileSink(s, clampU64(offset, Number.MAX_SAFE_INTEGER)));
    }

    appendViaStream(): unknown {
      const s = fileOf(this, 'write');
      return io.outputStream(fileSink(s, 'append'));
    }

    advise(_offset: bigint, _length: bigint, advice: string): void {
      fileOf(this);
      if (!ADVICE.has(advice)) throw new Failure('invalid');
    }

    syncData(): void {
      const s = stateOf(this);
      if (s.kind === 'file') fdatasyncSync(fdOf(s.file));
    }

    sync(): void {
      const s = stateOf(this);
      if (s.kind === 'file') fsyncSync(fdOf(s.file));
    }

    getFlags(): DescriptorFlags {
      return { ...stateOf(this).flags };
    }

    getType(): DescriptorType {
      const s = stateOf(this);
      return s.kind === 'dir' ? 'directory' : typeOf(fstatSync(fdOf(s.file)));
    }

    setSize(size: bigint): void {
      const s = fileOf(this, 'write');
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new Failure('file-too-large');
      ftruncateSync(fdOf(s.file), Number(size));
    }

    setTimes(atime: NewTimestamp, mtime: NewTimestamp): void {
      const s = stateOf(this);
      if (s.kind === 'file') {
        fileOf(this, 'write');
        const st = fstatSync(fdOf(s.file));
        futimesSync(fdOf(s.file), secondsOf(atime, st.atimeMs), secondsOf(mtime, st.mtimeMs));
        return;
      }
      // A directory has no write flag: the policy decides its times.
      verifyDir(s);
      ops.allow({ policyPath: ctx.gate.policyPath(s.real) }, 'write');
      const st = lstatSync(s.real);
      utimesSync(s.real, secondsOf(atime, st.atimeMs), secondsOf(mtime, st.mtimeMs));
    }

    read(length: bigint, offset: bigint): [Uint8Array, boolean] {
      const s = fileOf(this, 'read');
      const want = clampU64(length, MAX_READ);
      if (want === 0) return [new Uint8Array(0), false];
      const buf = new Uint8Array(want);
      const n = readSync(fdOf(s.file), buf, 0, want, clampU64(offset, Number.MAX_SAFE_INTEGER));
      return [buf.subarray(0, n), n < want];
    }

    write(buffer: Uint8Array, offset: bigint): bigint {
      const s = fileOf(this, 'write');
      const n = writeSync(
        fdOf(s.file),
        buffer,
        0,
        buffer.length,
        clampU64(offset, Number.MAX_SAFE_INTEGER),
      );
      return BigInt(n);
    }

    readDirectory(): DirectoryEntryStream {
      const s = dirOf(this);
      if (!s.flags.read) throw new Failure('bad-descriptor');
      return new DirectoryEntryStream(KEY, ops.listing(s));
    }

    createDirectoryAt(path: string): void {
      ops.createDirectoryAt(mutableOf(this), path);
    }

    stat(): DescriptorStat {
      const s = stateOf(this);
      if (s.kind === 'dir') verifyDir(s);
      return statOf(s.kind === 'file' ? fstatSync(fdOf(s.file)) : lstatSync(s.real));
    }

    statAt(pathFlags: PathFlags, path: string): DescriptorStat {
      return ops.statAt(dirOf(this), pathFlags, path);
    }

    setTimesAt(pathFlags: PathFlags, path: string, atime: NewTimestamp, mtime: NewTimestamp): void {
      ops.setTimesAt(mutableOf(this), pathFlags, path, atime, mtime);
    }

    linkAt(
      oldPathFlags: PathFlags,
      oldPath: string,
      newDescriptor: unknown,
      newPath: string,
    ): void {
      const from = dirOf(this);
      const to = stateOf(newDescriptor);
      if (to.kind !== 'dir') throw new Failure('not-directory');
      if (!to.flags.mutateDirectory) throw new Failure('read-only');
      ops.linkAt(from, oldPathFlags, oldPath, to, newPath);
    }

    openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags) {
      const dir = dirOf(this);
      const changes =
        flags.write === true ||
        flags.mutateDirectory === true ||
        openFlags.create === true ||
        openFlags.truncate === true;
      // A directory opened without mutate-directory is a read-only view of what is below it.
      if (changes && !dir.flags.mutateDirectory) throw new Failure('read-only');
      return new Descriptor(KEY, ops.openAt(dir, pathFlags, path, openFlags, flags));
    }

    readlinkAt(path: string): string {
      return ops.readlinkAt(dirOf(this), path);
    }

    removeDirectoryAt(path: string): void {
      ops.removeDirectoryAt(mutableOf(this), path);
    }

    renameAt(oldPath: string, newDescriptor: unknown, newPath: string): void {
      const from = mutableOf(this);
      const to = stateOf(newDescriptor);
      if (to.kind !== 'dir') throw new Failure('not-directory');
      if (!to.flags.mutateDirectory) throw new Failure('read-only');
      ops.renameAt(from, oldPath, to, newPath);
    }

    symlinkAt(oldPath: string, newPath: string): void {
      ops.symlinkAt(mutableOf(this), oldPath, newPath);
    }

    unlinkFileAt(path: string): void {
      ops.unlinkFileAt(mutableOf(this), path);
    }

    isSameObject(other: unknown): boolean {
      try {
        const a = stateOf(this);
        const b = stateOf(other);
        if (a.kind === 'dir') verifyDir(a);
        if (b.kind === 'dir') verifyDir(b);
        const sa = a.kind === 'file' ? fstatSync(fdOf(a.file)) : lstatSync(a.real);
        const sb = b.kind === 'file' ? fstatSync(fdOf(b.file)) : lstatSync(b.real);
        return sa.dev === sb.dev && sa.ino === sb.ino;
      } catch {
        return false;
      }
    }

    metadataHash(): { lower: bigint; upper: bigint } {
      const s = stateOf(this);
      if (s.kind === 'dir') verifyDir(s);
      return metadataHashOf(s.kind === 'file' ? fdOf(s.file) : s.real);
    }

    metadataHashAt(pathFlags: PathFlags, path: string): { lower: bigint; upper: bigint } {
      return ops.metadataHashAt(dirOf(this), pathFlags, path);
    }

    [Symbol.dispose](): void {
      const s = this.#s;
      this.#s = undefined;
      if (s?.kind === 'file') files.release(s.file);
    }
  }

  class DirectoryEntryStream {
    readonly #entries: DirectoryEntry[];
    #next = 0;

    constructor(key: symbol, entries: DirectoryEntry[]) {
      if (key !== KEY) throw new TypeError('directory entry streams are created by the host');
      this.#entries = entries;
    }

    readDirectoryEntry(): DirectoryEntry | undefined {
      return this.#entries[this.#next++];
    }
  }

  guardClass(ctx, Descriptor, translate);
  guardClass(ctx, DirectoryEntryStream, translate);

  const getDirectories = (): Array<[Descriptor, string]> =>
    ctx.gate.roots.map((root) => [
      new Descriptor(KEY, { kind: 'dir', real: root.real, root, flags: PREOPEN_FLAGS }),
      root.guestPath,
    ]);

  /** The filesystem `error-code` behind a stream's wasi:io/error, if it came from a file. */
  const filesystemErrorCode = (error: unknown): string | undefined =>
    io.problemOf(error)?.filesystem;

  return {
    imports: {
      'wasi:filesystem/types': {
        Descriptor,
        DirectoryEntryStream,
        filesystemErrorCode: guardFunction(ctx, filesystemErrorCode),
      },
      'wasi:filesystem/preopens': { getDirectories: guardFunction(ctx, getDirectories) },
    },
    dispose: () => files.closeAll(),
  };
}
