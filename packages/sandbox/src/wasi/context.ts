// Everything the preview1 host functions of one instance share.

import type { CompiledPolicy } from '@mcpkit/wasm-policy';
import type { StorageGate } from '../storage-gate.js';
import type { ViolationListener } from '../violation.js';
import { GuestAbort } from './aborts.js';
import { ERRNO, errnoFromHost } from './constants.js';
import { type FdEntry, FdTable } from './fd-table.js';
import { GuestFault, GuestMemory } from './memory.js';

export class WasiContext {
  readonly memory = new GuestMemory();
  readonly fds = new FdTable();

  constructor(
    readonly policy: CompiledPolicy,
    readonly gate: StorageGate,
    readonly args: readonly string[],
    readonly env: readonly string[],
    readonly onViolation: ViolationListener | undefined,
    /** Checked at every host call; true ends the run. */
    readonly cancelled: () => boolean,
  ) {}

  fd(fd: number): FdEntry | undefined {
    return this.fds.get(fd);
  }
}

/**
 * Wrap a host function: guest faults become EFAULT, host errors become their
 * errno, intentional aborts (exit, output cap, cancel) pass through.
 */
export function guarded<A extends unknown[]>(fn: (...args: A) => number): (...args: A) => number {
  return (...args: A): number => {
    try {
      return fn(...args);
    } catch (error) {
      if (error instanceof GuestAbort) throw error;
      if (error instanceof GuestFault) return ERRNO.FAULT;
      if (error instanceof RangeError) {
        if (/call stack/i.test(error.message)) throw error;
        return ERRNO.INVAL;
      }
      return errnoFromHost(error);
    }
  };
}
