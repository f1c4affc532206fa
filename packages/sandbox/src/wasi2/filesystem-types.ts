// The values of wasi:filesystem/types as the jco glue lifts and lowers them,
// and the host's errors and file metadata translated into them.

import type { Stats } from 'node:fs';
import { GuestAbort } from '../wasi/aborts.js';
import { Failure } from './context.js';

export type ErrorCode =
  | 'access'
  | 'would-block'
  | 'already'
  | 'bad-descriptor'
  | 'busy'
  | 'deadlock'
  | 'quota'
  | 'exist'
  | 'file-too-large'
  | 'illegal-byte-sequence'
  | 'in-progress'
  | 'interrupted'
  | 'invalid'
  | 'io'
  | 'is-directory'
  | 'loop'
  | 'too-many-links'
  | 'message-size'
  | 'name-too-long'
  | 'no-device'
  | 'no-entry'
  | 'no-lock'
  | 'insufficient-memory'
  | 'insufficient-space'
  | 'not-directory'
  | 'not-empty'
  | 'not-recoverable'
  | 'unsupported'
  | 'no-tty'
  | 'no-such-device'
  | 'overflow'
  | 'not-permitted'
  | 'pipe'
  | 'read-only'
  | 'invalid-seek'
  | 'text-file-busy'
  | 'cross-device';

export type DescriptorType =
  | 'unknown'
  | 'block-device'
  | 'character-device'
  | 'directory'
  | 'fifo'
  | 'symbolic-link'
  | 'regular-file'
  | 'socket';

export interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
  mutateDirectory?: boolean;
}

export interface PathFlags {
  symlinkFollow?: boolean;
}

export interface OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}

export interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}

export type NewTimestamp =
  | { tag: 'no-change' }
  | { tag: 'now' }
  | { tag: 'timestamp'; val: Datetime };

export interface DescriptorStat {
  type: DescriptorType;
  linkCount: bigint;
  size: bigint;
  dataAccessTimestamp: Datetime | undefined;
  dataModificationTimestamp: Datetime | undefined;
  statusChangeTimestamp: Datetime | undefined;
}

export interface DirectoryEntry {
  type: DescriptorType;
  name: string;
}

/** Node (libuv) error codes to wasi:filesystem `error-code`. */
const FROM_HOST: Readonly<Record<string, ErrorCode>> = {
  EACCES: 'access',
  EPERM: 'not-permitted',
  ENOENT: 'no-entry',
  EEXIST: 'exist',
  ENOTDIR: 'not-directory',
  EISDIR: 'is-directory',
  ENOTEMPTY: 'not-empty',
  ELOOP: 'loop',
  ENAMETOOLONG: 'name-too-long',
  EINVAL: 'invalid',
  EBADF: 'bad-descriptor',
  EXDEV: 'cross-device',
  ENOSPC: 'insufficient-space',
  ENOMEM: 'insufficient-memory',
  EBUSY: 'busy',
  EROFS: 'read-only',
  EFBIG: 'file-too-large',
  EMLINK: 'too-many-links',
  ESPIPE: 'invalid-seek',
  ENOTSUP: 'unsupported',
  EOPNOTSUPP: 'unsupported',
  ETXTBSY: 'text-file-busy',
  EAGAIN: 'would-block',
  EINTR: 'interrupted',
  EIO: 'io',
  EDQUOT: 'quota',
  ENXIO: 'no-such-device',
  ENODEV: 'no-device',
  EOVERFLOW: 'overflow',
  EILSEQ: 'illegal-byte-sequence',
  EDEADLK: 'deadlock',
  ENOLCK: 'no-lock',
  EPIPE: 'pipe',
  EALREADY: 'already',
  EINPROGRESS: 'in-progress',
  EMSGSIZE: 'message-size',
  ENOTTY: 'no-tty',
  // No code of its own: the call's open-file limit (or the process's) is a quota.
  EMFILE: 'quota',
  ENFILE: 'quota',
};

/** The `error-code` for a host exception, or undefined when it is not a host error. */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !(error instanceof Error)) return undefined;
  return FROM_HOST[code] ?? 'io';
}

/**
 * Exceptions out of a filesystem method: `Failure`s and aborts pass, a host
 * error becomes its `error-code`, a host bug stays a host exception.
 */
export function translate(error: unknown): never {
  if (error instanceof Failure || error instanceof GuestAbort) throw error;
  const code = errorCodeOf(error);
  if (code !== undefined) throw new Failure(code);
  throw error;
}

export function typeOf(st: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}): DescriptorType {
  if (st.isFile()) return 'regular-file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic-link';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'unknown';
}

function datetime(ms: number): Datetime {
  const seconds = Math.floor(ms / 1000);
  const nanoseconds = Math.min(999_999_999, Math.max(0, Math.round((ms - seconds * 1000) * 1e6)));
  return { seconds: BigInt(seconds), nanoseconds };
}

export function statOf(st: Stats): DescriptorStat {
  return {
    type: typeOf(st),
    linkCount: BigInt(st.nlink),
    size: BigInt(st.size),
    dataAccessTimestamp: datetime(st.atimeMs),
    dataModificationTimestamp: datetime(st.mtimeMs),
    statusChangeTimestamp: datetime(st.ctimeMs),
  };
}

/** A new-timestamp as seconds for `utimes`, or undefined for no change. */
export function secondsOf(t: NewTimestamp, current: number): number {
  if (t.tag === 'no-change') return current / 1000;
  if (t.tag === 'now') return Date.now() / 1000;
  if (t.val.nanoseconds >= 1e9) throw new Failure('invalid');
  return Number(t.val.seconds) + t.val.nanoseconds / 1e9;
}
