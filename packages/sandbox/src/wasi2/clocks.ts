// wasi:clocks and wasi:random. Time is not a policy capability; random bytes
// come from the system's cryptographic generator, also for the "insecure"
// interfaces.

import { randomBytes } from 'node:crypto';
import { nowNs } from '../wasi/clock.js';
import { CLOCK } from '../wasi/constants.js';
import { type Context, guardFunction } from './context.js';
import type { Io } from './io.js';

/** Bytes one random call returns at most. */
const MAX_RANDOM = 64 * 1024 * 1024;

export function createClocks(ctx: Context, io: Io): Record<string, Record<string, unknown>> {
  const f = <A extends unknown[], R>(fn: (...a: A) => R) => guardFunction(ctx, fn);
  const wallNow = () => {
    const ns = nowNs(CLOCK.REALTIME);
    return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
  };
  return {
    'wasi:clocks/monotonic-clock': {
      now: f(() => process.hrtime.bigint()),
      resolution: f(() => 1n),
      subscribeInstant: f((when: bigint) => io.pollable(io.clock(when))),
      subscribeDuration: f((duration: bigint) =>
        io.pollable(io.clock(process.hrtime.bigint() + duration)),
      ),
    },
    'wasi:clocks/wall-clock': {
      now: f(wallNow),
      resolution: f(() => ({ seconds: 0n, nanoseconds: 1000 })),
    },
  };
}

export function createRandom(ctx: Context): Record<string, Record<string, unknown>> {
  const f = <A extends unknown[], R>(fn: (...a: A) => R) => guardFunction(ctx, fn);
  const bytes = (len: bigint): Uint8Array => {
    if (len > BigInt(MAX_RANDOM)) {
      throw new RangeError(
        `the guest asked for ${len} random bytes; one call returns at most ${MAX_RANDOM}`,
      );
    }
    return new Uint8Array(randomBytes(Number(len)));
  };
  const u64 = () => randomBytes(8).readBigUInt64LE(0);
  return {
    'wasi:random/random': { getRandomBytes: f(bytes), getRandomU64: f(u64) },
    'wasi:random/insecure': { getInsecureRandomBytes: f(bytes), getInsecureRandomU64: f(u64) },
    'wasi:random/insecure-seed': { insecureSeed: f(() => [u64(), u64()] as [bigint, bigint]) },
  };
}
