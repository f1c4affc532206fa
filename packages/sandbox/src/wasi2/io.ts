// wasi:io/{error,poll,streams}. Every stream here is synchronous: files,
// the call's stdio buffers and HTTP bodies that were fetched whole. The only
// pollable that ever waits for real is a clock.

import { type Context, clampU64, Failure, guardClass, guardFunction } from './context.js';

/** Why a stream operation failed, as the other interfaces read it back. */
export interface Problem {
  readonly debug: string;
  /** wasi:filesystem `error-code`, for `filesystem-error-code`. */
  readonly filesystem?: string;
  /** wasi:http `error-code`, for `http-error-code`. */
  readonly http?: unknown;
}

/** Thrown by a source or sink: the stream reports `last-operation-failed` and closes. */
export class StreamFailure {
  constructor(readonly problem: Problem) {}
}

export interface ByteSource {
  /** Up to `max` (> 0) bytes; undefined at the end. May throw StreamFailure. */
  read(max: number): Uint8Array | undefined;
  close?(): void;
}

export interface ByteSink {
  /** May throw StreamFailure, or an abort (output cap) that ends the call. */
  write(data: Uint8Array): void;
  flush?(): void;
  close?(): void;
}

export interface PollTarget {
  /** True when a wait would return at once. May do the work that makes it so (an HTTP request). */
  ready(): boolean;
  /** Wait until ready. A target no wait can make ready settles itself (with an error) instead. */
  block(): void;
  /** Monotonic-clock deadline in nanoseconds, for clock targets. */
  readonly deadline?: bigint;
}

export const ALWAYS_READY: PollTarget = Object.freeze({ ready: () => true, block: () => {} });

/** Bytes a stream reads or writes in one call at most. */
const MAX_CHUNK = 4 * 1024 * 1024;
/** What `check-write` offers. */
export const WRITE_PERMIT = 1024 * 1024;
/**
 * Longest single clock wait. A guest that sleeps longer is more likely stuck
 * than patient, and an inline host would hold its thread meanwhile; the
 * execution-time limit ends longer runs anyway.
 */
export const MAX_WAIT_MS = 60_000;
/** Waits are sliced so that a cancellation is noticed. */
const WAIT_SLICE_MS = 50;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

const CLOSED = Object.freeze({ tag: 'closed' });

/** What the other interfaces of an instance build on. */
export interface Io {
  readonly imports: Record<string, Record<string, unknown>>;
  pollable(target: PollTarget): object;
  clock(deadline: bigint): PollTarget;
  inputStream(source: ByteSource): object;
  outputStream(sink: ByteSink): object;
  /** The problem behind a wasi:io/error of this instance. */
  problemOf(error: unknown): Problem | undefined;
}

export function createIo(ctx: Context): Io {
  const KEY = Symbol('io');
  const problems = new WeakMap<object, Problem>();

  class IoError {
    constructor(key: symbol, problem: Problem) {
      if (key !== KEY) throw new TypeError('wasi:io/error is created by the host');
      problems.set(this, problem);
    }
    toDebugString(): string {
      return problems.get(this)?.debug ?? 'unknown error';
    }
  }

  const failed = (problem: Problem) =>
    new Failure({ tag: 'last-operation-failed', val: new IoError(KEY, problem) });

  let targetOf: (p: unknown) => PollTarget;
  class Pollable {
    readonly #target: PollTarget;
    constructor(key: symbol, target: PollTarget) {
      if (key !== KEY) throw new TypeError('wasi:io/poll pollables are created by the host');
      this.#target = target;
    }
    static {
      targetOf = (p) => {
        if (typeof p !== 'object' || p === null || !(#target in p))
          throw new TypeError('not a pollable of this instance');
        return (p as Pollable).#target;
      };
    }
    ready(): boolean {
      return this.#target.ready();
    }
    block(): void {
      this.#target.block();
    }
  }

  const pollable = (target: PollTarget) => new Pollable(KEY, target);

  /** Wait on the monotonic clock until `deadline` (ns), checking for cancellation. */
  const waitUntil = (deadline: bigint): void => {
    const total = Number(deadline - process.hrtime.bigint()) / 1e6;
    if (total > MAX_WAIT_MS) {
      throw new Error(
        `the guest asked to wait ${Math.round(total / 1000)} s on a clock; a single wait may last at most ${MAX_WAIT_MS / 1000} s`,
      );
    }
    for (;;) {
      const left = Number(deadline - process.hrtime.bigint()) / 1e6;
      if (left <= 0) return;
      Atomics.wait(sleepCell, 0, 0, Math.min(left, WAIT_SLICE_MS));
      ctx.enter();
    }
  };

  const clock = (deadline: bigint): PollTarget => ({
    deadline,
    ready: () => process.hrtime.bigint() >= deadline,
    block: () => waitUntil(deadline),
  });

  const poll = (list: unknown[]): Uint32Array => {
    if (list.length === 0) throw new Error('wasi:io/poll.poll on an empty list would wait forever');
    const targets = list.map(targetOf);
    const readyOnes = () => {
      const out: number[] = [];
      targets.forEach((t, i) => {
        if (t.ready()) out.push(i);
      });
      return out;
    };
    let ready = readyOnes();
    if (ready.length > 0) return Uint32Array.from(ready);
    // Nothing is ready: the earliest clock is the next thing that can
    // happen. Without a clock, nothing ever will; the first target settles.
    let earliest: bigint | undefined;
    for (const t of targets) {
      if (t.deadline !== undefined && (earliest === undefined || t.deadline < earliest))
        earliest = t.deadline;
    }
    if (earliest !== undefined) waitUntil(earliest);
    else targets[0]!.block();
    ready = readyOnes();
    return Uint32Array.from(ready);
  };

  let readFrom: (stream: unknown, len: bigint) => Uint8Array;
  class InputStream {
    #source: ByteSource | undefined;
    constructor(key: symbol, source: ByteSource) {
      if (key !== KEY) throw new TypeError('wasi:io/streams streams are created by the host');
      this.#source = source;
    }
    #next(len: bigint): Uint8Array {
      const source = this.#source;
      if (!source) throw new Failure(CLOSED);
      const max = clampU64(len, MAX_CHUNK);
      if (max === 0) return new Uint8Array(0);
      let bytes: Uint8Array | undefined;
      try {
        bytes = source.read(max);
      } catch (error) {
        if (!(error instanceof StreamFailure)) throw error;
        this.#close();
        throw failed(error.problem);
      }
      if (bytes === undefined) {
        this.#close();
        throw new Failure(CLOSED);
      }
      return bytes;
    }
    #close(): void {
      const s = this.#source;
      this.#source = undefined;
      s?.close?.();
    }
    read(len: bigint): Uint8Array {
      return this.#next(len);
    }
    blockingRead(len: bigint): Uint8Array {
      return this.#next(len);
    }
    skip(len: bigint): bigint {
      return BigInt(this.#next(len).length);
    }
    blockingSkip(len: bigint): bigint {
      return BigInt(this.#next(len).length);
    }
    subscribe(): Pollable {
      return pollable(ALWAYS_READY);
    }
    [Symbol.dispose](): void {
      this.#close();
    }
    static {
      readFrom = (stream, len) => {
        if (typeof stream !== 'object' || stream === null || !(#source in stream))
          throw new TypeError('not an input stream of this instance');
        return (stream as InputStream).#next(len);
      };
    }
  }

  class OutputStream {
    #sink: ByteSink | undefined;
    constructor(key: symbol, sink: ByteSink) {
      if (key !== KEY) throw new TypeError('wasi:io/streams streams are created by the host');
      this.#sink = sink;
    }
    #open(): ByteSink {
      if (!this.#sink) throw new Failure(CLOSED);
      return this.#sink;
    }
    #close(): void {
      const s = this.#sink;
      this.#sink = undefined;
      s?.close?.();
    }
    #put(data: Uint8Array): void {
      const sink = this.#open();
      try {
        sink.write(data);
      } catch (error) {
        if (!(error instanceof StreamFailure)) throw error;
        this.#close();
        throw failed(error.problem);
      }
    }
    #zeroes(len: bigint): void {
      if (len > BigInt(WRITE_PERMIT)) {
        this.#open();
        this.#close();
        throw failed({ debug: `write-zeroes of ${len} bytes exceeds what check-write permitted` });
      }
      if (len > 0n) this.#put(new Uint8Array(Number(len)));
    }
    checkWrite(): bigint {
      this.#open();
      return BigInt(WRITE_PERMIT);
    }
    write(contents: Uint8Array): void {
      this.#put(contents);
    }
    blockingWriteAndFlush(contents: Uint8Array): void {
      this.#put(contents);
      this.#sink?.flush?.();
    }
    flush(): void {
      this.#open().flush?.();
    }
    blockingFlush(): void {
      this.#open().flush?.();
    }
    subscribe(): Pollable {
      return pollable(ALWAYS_READY);
    }
    writeZeroes(len: bigint): void {
      this.#zeroes(len);
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      this.#zeroes(len);
      this.#sink?.flush?.();
    }
    splice(src: unknown, len: bigint): bigint {
      this.#open();
      const bytes = readFrom(src, len < BigInt(WRITE_PERMIT) ? len : BigInt(WRITE_PERMIT));
      if (bytes.length > 0) this.#put(bytes);
      return BigInt(bytes.length);
    }
    blockingSplice(src: unknown, len: bigint): bigint {
      return this.splice(src, len);
    }
    [Symbol.dispose](): void {
      this.#close();
    }
  }

  for (const cls of [IoError, Pollable, InputStream, OutputStream]) guardClass(ctx, cls);

  return {
    imports: {
      'wasi:io/error': { Error: IoError },
      'wasi:io/poll': { Pollable, poll: guardFunction(ctx, poll) },
      'wasi:io/streams': { InputStream, OutputStream },
    },
    pollable,
    clock,
    inputStream: (source: ByteSource) => new InputStream(KEY, source),
    outputStream: (sink: ByteSink) => new OutputStream(KEY, sink),
    problemOf: (error: unknown): Problem | undefined =>
      typeof error === 'object' && error !== null ? problems.get(error) : undefined,
  };
}
