// Clocks for the guest, in nanoseconds.

import { CLOCK } from './constants.js';

export function nowNs(clock: number): bigint {
  switch (clock) {
    case CLOCK.REALTIME:
      return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
    case CLOCK.MONOTONIC:
      return process.hrtime.bigint();
    default: {
      const u = process.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    }
  }
}

export const RESOLUTION_NS = 1000n;
