// The CPU time of one thread as the kernel counts it: on Linux, the
// scheduler's run time of the thread (`/proc/self/task/<tid>/schedstat`, in
// nanoseconds, current to within a scheduler tick), readable from any thread
// of the process. Node 20 has no per-thread CPU clock of its own
// (`process.cpuUsage()` counts every thread; event-loop utilisation counts
// a thread blocked in a sleep as busy). Where the file cannot be read,
// callers use wall-clock time, which bounds a thread's CPU time from above.

import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';

export interface ThreadCpuClock {
  readonly tid: number;
  /** Nanoseconds of CPU time the thread has used, or undefined once it cannot be read. */
  read(): number | undefined;
  close(): void;
}

/** The kernel's id of the calling thread, or 0 where it cannot be known. */
export function currentThreadId(): number {
  try {
    // `/proc/thread-self` links to `<pid>/task/<tid>` of whichever thread reads it.
    const tid = Number(readlinkSync('/proc/thread-self').split('/')[2]);
    return Number.isSafeInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}

/** A clock for thread `tid` of this process, or undefined where there is none. */
export function threadCpuClock(tid: number): ThreadCpuClock | undefined {
  if (!(tid > 0)) return undefined;
  let fd: number;
  try {
    fd = openSync(`/proc/self/task/${tid}/schedstat`, 'r');
  } catch {
    return undefined;
  }
  const buf = new Uint8Array(64);
  let open = true;
  const clock: ThreadCpuClock = {
    tid,
    read() {
      if (!open) return undefined;
      let n: number;
      try {
        // Read from the start each time: the kernel renders the file anew.
        n = readSync(fd, buf, 0, buf.length, 0);
      } catch {
        return undefined;
      }
      // The first field: run time in nanoseconds.
      let ns = 0;
      let i = 0;
      for (; i < n; i++) {
        const c = buf[i]!;
        if (c < 48 || c > 57) break;
        ns = ns * 10 + (c - 48);
      }
      return i > 0 ? ns : undefined;
    },
    close() {
      if (!open) return;
      open = false;
      try {
        closeSync(fd);
      } catch {
        // Already gone with its thread.
      }
    },
  };
  if (clock.read() !== undefined) return clock;
  clock.close();
  return undefined;
}
