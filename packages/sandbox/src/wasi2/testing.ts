// Shared by the WASI 0.2 tests: a host over a temporary tree and a policy,
// the guest-facing API typed the way the jco glue calls it, and the `err`
// payload of a call that must fail.

import { compilePolicy } from '@mcpkit/wasm-policy';
import { StorageGate } from '../storage-gate.js';
import { policy } from '../testing.js';
import type { Violation } from '../violation.js';
import type {
  DescriptorFlags,
  OpenFlags,
  PathFlags,
  NewTimestamp as Timestamp,
} from './filesystem-types.js';
import { createWasi2, type Wasi2, type Wasi2Options } from './wasi2.js';

export type {
  DescriptorFlags,
  NewTimestamp as Timestamp,
  OpenFlags,
  PathFlags,
} from './filesystem-types.js';

export interface Stat {
  type: string;
  linkCount: bigint;
  size: bigint;
}

export interface Pollable {
  ready(): boolean;
  block(): void;
}
export interface InputStream {
  read(len: bigint): Uint8Array;
  blockingRead(len: bigint): Uint8Array;
  skip(len: bigint): bigint;
  subscribe(): Pollable;
  [Symbol.dispose](): void;
}
export interface OutputStream {
  checkWrite(): bigint;
  write(contents: Uint8Array): void;
  blockingWriteAndFlush(contents: Uint8Array): void;
  flush(): void;
  writeZeroes(len: bigint): void;
  splice(src: InputStream, len: bigint): bigint;
  subscribe(): Pollable;
  [Symbol.dispose](): void;
}
export interface DirectoryEntryStream {
  readDirectoryEntry(): { type: string; name: string } | undefined;
}
export interface Descriptor {
  readViaStream(offset: bigint): InputStream;
  writeViaStream(offset: bigint): OutputStream;
  appendViaStream(): OutputStream;
  advise(offset: bigint, length: bigint, advice: string): void;
  syncData(): void;
  getFlags(): DescriptorFlags;
  getType(): string;
  setSize(size: bigint): void;
  setTimes(a: Timestamp, m: Timestamp): void;
  read(length: bigint, offset: bigint): [Uint8Array, boolean];
  write(buffer: Uint8Array, offset: bigint): bigint;
  readDirectory(): DirectoryEntryStream;
  sync(): void;
  createDirectoryAt(path: string): void;
  stat(): Stat;
  statAt(flags: PathFlags, path: string): Stat;
  setTimesAt(flags: PathFlags, path: string, a: Timestamp, m: Timestamp): void;
  linkAt(flags: PathFlags, oldPath: string, to: Descriptor, newPath: string): void;
  openAt(flags: PathFlags, path: string, open: OpenFlags, d: DescriptorFlags): Descriptor;
  readlinkAt(path: string): string;
  removeDirectoryAt(path: string): void;
  renameAt(oldPath: string, to: Descriptor, newPath: string): void;
  symlinkAt(target: string, path: string): void;
  unlinkFileAt(path: string): void;
  isSameObject(other: Descriptor): boolean;
  metadataHash(): { lower: bigint; upper: bigint };
  metadataHashAt(flags: PathFlags, path: string): { lower: bigint; upper: bigint };
  [Symbol.dispose](): void;
}

export interface Host {
  wasi: Wasi2;
  violations: Violation[];
  /** An interface of the imports, typed loosely for calling. */
  iface<T = Record<string, (...args: never[]) => unknown>>(name: string): T;
  /** The preopened descriptor for `guestPath`. */
  preopen(guestPath: string): Descriptor;
}

/** A host under `yaml` (a policy document); `extra` overrides the options. */
export function hostFor(yaml: string, extra: Partial<Wasi2Options> = {}): Host {
  const p = compilePolicy(policy(yaml));
  const violations: Violation[] = [];
  const onViolation = (v: Violation) => violations.push(v);
  const gate = new StorageGate({ policy: p, component: 'test', onViolation });
  const wasi = createWasi2({
    component: 'test',
    policy: p,
    gate,
    args: ['tool'],
    env: {},
    stdin: new Uint8Array(0),
    maxOutput: 1024 * 1024,
    onViolation,
    ...extra,
  });
  const iface = <T>(name: string) => wasi.imports[name] as T;
  return {
    wasi,
    violations,
    iface,
    preopen(guestPath) {
      const list = iface<{ getDirectories(): Array<[Descriptor, string]> }>(
        'wasi:filesystem/preopens',
      ).getDirectories();
      const hit = list.find(([, g]) => g === guestPath);
      if (!hit) throw new Error(`no preopen ${guestPath}: ${list.map(([, g]) => g).join(', ')}`);
      return hit[0];
    },
  };
}

/** The `err` payload of a call that must fail; a call that succeeds fails the test. */
export function errOf(fn: () => unknown): unknown {
  let value: unknown;
  try {
    value = fn();
  } catch (error) {
    if (typeof error === 'object' && error !== null && Object.hasOwn(error, 'payload'))
      return (error as { payload: unknown }).payload;
    throw error;
  }
  throw new Error(`expected an error, got ${String(value)}`);
}

export const text = (s: string) => new TextEncoder().encode(s);
export const str = (b: Uint8Array) => new TextDecoder().decode(b);
