// The host function API for embedders: an import module whose functions each
// run a policy check as their first statement. Definitions live in a module
// file so a worker thread can load them; they reach the embedder's own
// (async) code through `ctx.call`, which blocks only the guest.

import type { CompiledPolicy, Decision } from '@mcpkit/wasm-policy';
import type { Capability } from './violation.js';
import { GuestAbort } from './wasi/aborts.js';
import type { GuestMemory } from './wasi/memory.js';

/** What a host function sees of the call it serves. */
export interface HostCallContext {
  readonly component: string;
  /** Bounds-checked guest memory; a bad pointer throws (the call returns `errno`). */
  readonly memory: GuestMemory;
  readonly policy: CompiledPolicy;
  /** Options the embedder gave the module. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Report a refused capability to the embedder. */
  deny(capability: Capability, target: string, access: string, decision: Decision): void;
  /**
   * Ask the embedder and wait for its answer (the guest is synchronous; the
   * embedder's event loop is not blocked). `channel` names a handler the
   * embedder registered. Throws when the sandbox runs inline.
   */
  call(channel: string, payload: unknown): unknown;
}

export type HostValue = number | bigint;

/** One checked host function. */
export interface HostFunction {
  /**
   * The capability check, run before anything else. Returning a denied
   * decision stops the call: `denied` is returned to the guest and a
   * violation is reported with `capability`, `target` and `access`.
   */
  check(
    ctx: HostCallContext,
    args: HostValue[],
  ): { decision: Decision; capability: Capability; target: string; access: string } | null;
  run(ctx: HostCallContext, args: HostValue[]): HostValue | undefined;
  /** What the guest gets when the check refuses, or when `run` throws. */
  readonly denied: HostValue;
  readonly failed?: HostValue;
}

export interface HostModule {
  /** The import module name, e.g. `mcpkit`. */
  readonly name: string;
  readonly functions: Readonly<Record<string, HostFunction>>;
}

/** A module file the sandbox (and each worker) imports: its default export builds the module. */
export interface HostModuleSource {
  /** The import module name (known before the file is loaded, for import checks). */
  readonly name: string;
  /** Names of the functions it provides. */
  readonly functions: readonly string[];
  /** URL (`file:`) of an ES module whose default export is a `HostModuleFactory`. */
  readonly url: string;
  /** Plain data handed to the factory. */
  readonly options?: Readonly<Record<string, unknown>>;
}

export type HostModuleFactory = (options: Readonly<Record<string, unknown>>) => HostModule;

/** Define a host function; a check is required, even if it allows everything. */
export function hostFunction(fn: HostFunction): HostFunction {
  return Object.freeze(fn);
}

const loaded = new Map<string, Promise<HostModuleFactory>>();

export function loadHostModuleFactory(url: string): Promise<HostModuleFactory> {
  let f = loaded.get(url);
  if (!f) {
    f = import(url).then((m: { default?: unknown }) => {
      if (typeof m.default !== 'function')
        throw new Error(`host module ${url} has no default export factory`);
      return m.default as HostModuleFactory;
    });
    loaded.set(url, f);
  }
  return f;
}

/** The imports for one host module: each function checks, then runs. */
export function hostImports(
  module: HostModule,
  ctx: HostCallContext,
): Record<string, (...args: HostValue[]) => HostValue | undefined> {
  const out: Record<string, (...args: HostValue[]) => HostValue | undefined> = {};
  for (const [name, fn] of Object.entries(module.functions)) {
    out[name] = (...args: HostValue[]) => {
      let verdict: ReturnType<HostFunction['check']>;
      try {
        verdict = fn.check(ctx, args);
      } catch {
        return fn.denied;
      }
      if (verdict && !verdict.decision.allowed) {
        ctx.deny(verdict.capability, verdict.target, verdict.access, verdict.decision);
        return fn.denied;
      }
      try {
        return fn.run(ctx, args);
      } catch (error) {
        if (error instanceof GuestAbort) throw error;
        if (fn.failed === undefined) throw error;
        return fn.failed;
      }
    };
  }
  return out;
}
