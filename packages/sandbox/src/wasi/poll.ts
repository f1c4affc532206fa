// poll_oneoff: clock timeouts and readiness of the guest's streams and files.
// Waiting blocks the thread (Atomics.wait), as a synchronous guest expects.

import { nowNs } from './clock.js';
import { CLOCK, ERRNO, EVENTTYPE, RIGHTS, SUBCLOCKFLAGS_ABSTIME } from './constants.js';
import { guarded, type WasiContext } from './context.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Block the thread for `ms` milliseconds. */
export function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

const SUBSCRIPTION_SIZE = 48;
const EVENT_SIZE = 32;

export function pollFunctions(ctx: WasiContext): Record<string, (...args: never[]) => number> {
  const mem = ctx.memory;
  return {
    poll_oneoff: guarded((inPtr: number, outPtr: number, count: number, neventsPtr: number) => {
      const n = count >>> 0;
      if (n === 0) return ERRNO.INVAL;
      if (n > 4096) return ERRNO.INVAL;
      mem.check(inPtr, n * SUBSCRIPTION_SIZE);
      mem.check(outPtr, n * EVENT_SIZE);
      mem.check(neventsPtr, 4);
      const ready: Array<{ userdata: bigint; type: number; error: number; nbytes: bigint }> = [];
      let timeoutNs: bigint | undefined;
      let timerUserdata = 0n;
      for (let i = 0; i < n; i++) {
        const s = inPtr + i * SUBSCRIPTION_SIZE;
        const userdata = mem.u64(s);
        const type = mem.u8(s + 8);
        if (type === EVENTTYPE.CLOCK) {
          const clock = mem.u32(s + 16);
          const timeout = mem.u64(s + 24);
          const flags = mem.u16(s + 40);
          if (clock !== CLOCK.REALTIME && clock !== CLOCK.MONOTONIC) {
            ready.push({ userdata, type, error: ERRNO.INVAL, nbytes: 0n });
            continue;
          }
          const relative = flags & SUBCLOCKFLAGS_ABSTIME ? timeout - nowNs(clock) : timeout;
          const t = relative < 0n ? 0n : relative;
          if (timeoutNs === undefined || t < timeoutNs) {
            timeoutNs = t;
            timerUserdata = userdata;
          }
        } else if (type === EVENTTYPE.FD_READ || type === EVENTTYPE.FD_WRITE) {
          const fd = mem.u32(s + 16);
          const e = ctx.fd(fd);
          if (!e) {
            ready.push({ userdata, type, error: ERRNO.BADF, nbytes: 0n });
            continue;
          }
          const right = type === EVENTTYPE.FD_READ ? RIGHTS.FD_READ : RIGHTS.FD_WRITE;
          if ((e.rightsBase & right) === 0n) {
            ready.push({ userdata, type, error: ERRNO.BADF, nbytes: 0n });
            continue;
          }
          const nbytes =
            type === EVENTTYPE.FD_READ && e.kind === 'stdin' ? BigInt(e.input.remaining) : 0n;
          ready.push({ userdata, type, error: ERRNO.SUCCESS, nbytes });
        } else {
          ready.push({ userdata, type, error: ERRNO.INVAL, nbytes: 0n });
        }
      }
      if (ready.length === 0 && timeoutNs !== undefined) {
        sleepMs(Number(timeoutNs / 1_000_000n) + (timeoutNs % 1_000_000n > 0n ? 1 : 0));
        ready.push({
          userdata: timerUserdata,
          type: EVENTTYPE.CLOCK,
          error: ERRNO.SUCCESS,
          nbytes: 0n,
        });
      }
      ready.forEach((ev, i) => {
        const o = outPtr + i * EVENT_SIZE;
        mem.setU64(o, ev.userdata);
        mem.setU16(o + 8, ev.error);
        mem.setU8(o + 10, ev.type);
        mem.setU64(o + 16, ev.nbytes);
        mem.setU16(o + 24, 0);
      });
      mem.setU32(neventsPtr, ready.length);
      return ERRNO.SUCCESS;
    }),
  };
}
