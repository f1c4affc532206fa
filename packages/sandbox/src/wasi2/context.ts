// What the WASI 0.2 interfaces of one instance share: the cancellation check
// every host call starts with, violation reporting, and how a `result` error
// reaches the jco glue.

import type { CompiledPolicy } from '@mcpkit/wasm-policy';
import type { StorageGate } from '../storage-gate.js';
import { type Capability, type ViolationListener, violation } from '../violation.js';
import { Cancelled } from '../wasi/aborts.js';

/**
 * Thrown by a host function whose WIT result is `result<T, E>`. The glue
 * lowers an exception with an own `payload` property as the `err` case; any
 * other exception (exit, output cap, cancellation, a host bug) passes through
 * the guest and ends the call.
 */
export class Failure {
  constructor(readonly payload: unknown) {}
}

export interface ContextOptions {
  component: string;
  policy: CompiledPolicy;
  gate: StorageGate;
  onViolation?: ViolationListener | undefined;
  cancelled?: (() => boolean) | undefined;
}

export class Context {
  readonly component: string;
  readonly policy: CompiledPolicy;
  readonly gate: StorageGate;
  readonly #onViolation: ViolationListener | undefined;
  readonly #cancelled: (() => boolean) | undefined;

  constructor(options: ContextOptions) {
    this.component = options.component;
    this.policy = options.policy;
    this.gate = options.gate;
    this.#onViolation = options.onViolation;
    this.#cancelled = options.cancelled;
  }

  /** First statement of every host call: a cancelled call ends here. */
  enter(): void {
    if (this.#cancelled?.()) throw new Cancelled();
  }

  /** Report a refusal that no policy rule decided (default deny). */
  deny(capability: Capability, target: string, access: string, reason: string): void {
    try {
      this.#onViolation?.(
        violation(this.component, capability, target, access, { rule: null, reason }),
      );
    } catch {
      // A listener's failure must not change what the guest sees.
    }
  }
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Make every method of a host resource class (prototype and static) start
 * with the cancellation check and pass its exceptions through `translate`,
 * which turns host errors into `Failure`s and rethrows the rest. Disposal is
 * left alone: dropping a handle must work even after a cancellation.
 */
export function guardClass(
  ctx: Context,
  cls: abstract new (...args: never[]) => unknown,
  translate?: (error: unknown) => never,
): void {
  const wrap = (target: object, name: string | symbol) => {
    if (name === 'constructor' || name === Symbol.dispose) return;
    const desc = Object.getOwnPropertyDescriptor(target, name);
    if (typeof desc?.value !== 'function') return;
    const fn = desc.value as AnyFn;
    const guarded = translate
      ? function (this: unknown, ...args: unknown[]) {
          ctx.enter();
          try {
            return fn.apply(this, args);
          } catch (error) {
            translate(error);
          }
        }
      : function (this: unknown, ...args: unknown[]) {
          ctx.enter();
          return fn.apply(this, args);
        };
    Object.defineProperty(guarded, 'name', { value: fn.name });
    Object.defineProperty(target, name, { ...desc, value: guarded });
  };
  for (const name of Reflect.ownKeys(cls.prototype as object)) wrap(cls.prototype as object, name);
  for (const name of Reflect.ownKeys(cls)) {
    if (name !== 'prototype' && name !== 'length' && name !== 'name') wrap(cls, name);
  }
}

/** The same for a plain function. */
export function guardFunction<A extends unknown[], R>(
  ctx: Context,
  fn: (...args: A) => R,
): (...args: A) => R {
  return (...args: A): R => {
    ctx.enter();
    return fn(...args);
  };
}

/** A u64 from the guest as a JS number, clamped to `max`. */
export function clampU64(value: bigint, max: number): number {
  return value > BigInt(max) ? max : Number(value);
}
