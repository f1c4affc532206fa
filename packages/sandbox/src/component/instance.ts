// One call of a component's export: a fresh instance of its transpiled glue
// with this call's WASI 0.2 host and mcpkit:host, the export called with
// values already converted from JSON, the outcome described in plain data
// (it crosses a thread boundary).

import type { CompiledPolicy } from '@mcpkit/wasm-policy';
import type { EgressRequest, EgressResponse } from '../egress.js';
import { EgressError } from '../egress-error.js';
import {
  atLimit,
  describeFailure,
  nearLimit,
  type RunError,
  type RunOutcome,
} from '../instance.js';
import { StorageGate } from '../storage-gate.js';
import type { Violation } from '../violation.js';
import { Cancelled, ProcExit } from '../wasi/aborts.js';
import { Failure } from '../wasi2/context.js';
import { createWasi2 } from '../wasi2/index.js';
import { camelCase } from './json.js';

/** Bridge channels a component's host calls use (answered on the main thread). */
export const COMPONENT_CHANNELS = Object.freeze({
  http: 'mcpkit:wasi-http',
  callTool: 'mcpkit:host/call-tool',
  host: 'mcpkit:host/request',
});

/** A grant a component asks for through `mcpkit:host/permissions`. */
export type GrantRequest =
  | {
      readonly kind: 'storage';
      readonly uri: string;
      readonly access: readonly ('read' | 'write')[];
    }
  | { readonly kind: 'network'; readonly host: string }
  | { readonly kind: 'environment'; readonly key: string };

/**
 * A component's request to its embedder through `mcpkit:host` beyond tool
 * calls, answered on the main thread: asking the client (`client`), asking for
 * a grant (`permissions`), and telling it what changed (`notifications`).
 */
export type HostRequest =
  | { readonly kind: 'create-message'; readonly params: string }
  | {
      readonly kind: 'elicit';
      readonly message: string;
      readonly requestedSchema: string;
      /** How long to wait for the answer, at most (the host's own limit applies too). */
      readonly timeoutMs?: number;
    }
  | { readonly kind: 'list-roots' }
  | { readonly kind: 'request-grant'; readonly grant: GrantRequest; readonly reason: string }
  | { readonly kind: 'resource-updated'; readonly uri: string }
  | { readonly kind: 'list-changed' };

/** The embedder's answer: a value for the guest, or why it was refused. */
export type HostReply =
  | { readonly ok: true; readonly value?: unknown }
  | { readonly ok: false; readonly error: string };

export interface ComponentCallRequest {
  component: string;
  /** Full name of the exported interface, or '' for a function the world exports. */
  exportName: string;
  /** The function's WIT name (`read-file`). */
  fn: string;
  /** Arguments as the bindings take them (see json.ts). */
  args: unknown[];
  /** The function returns a `result`: give `{ tag, val }` instead of throwing the error case. */
  returnsResult: boolean;
  /** The policy-filtered environment. */
  env: Readonly<Record<string, string>>;
  maxOutput: number;
}

export interface ComponentOutcome extends RunOutcome {
  /** What the function returned, as the bindings give it; absent after an error. */
  value?: unknown;
}

/** What a call may reach on the embedder's side (all synchronous for the guest). */
export interface ComponentHost {
  http?: ((request: EgressRequest) => EgressResponse) | undefined;
  log?: ((level: string, message: string) => void) | undefined;
  progress?: ((progress: number, total?: number, message?: string) => void) | undefined;
  callTool?: ((name: string, args: string) => { ok: boolean; value: string }) | undefined;
  request?: ((request: HostRequest) => HostReply) | undefined;
}

export interface ComponentHooks extends ComponentHost {
  onStderr?: ((chunk: Uint8Array) => void) | undefined;
  onViolation?: ((v: Violation) => void) | undefined;
  cancelled?: (() => boolean) | undefined;
}

/** The glue's entry point (jco, instantiation mode `sync`). */
export type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (
    module: WebAssembly.Module,
    imports: WebAssembly.Imports,
  ) => WebAssembly.Instance,
) => Record<string, unknown>;

export interface ComponentEnvironment {
  instantiate: Instantiate;
  cores: ReadonlyMap<string, WebAssembly.Module>;
  /**
   * Memories each core module defines, where any does: their memory limit
   * was shared out among that many, so an instance may make no more.
   */
  memories: ReadonlyMap<string, number>;
  policy: CompiledPolicy;
  /** Largest memory of each core module in bytes (for reporting exhaustion). */
  memoryLimit: number | undefined;
}

/** An instance made ahead of its call; a call runs once on it, then it is thrown away. */
export interface PreparedComponent {
  call(request: ComponentCallRequest, hooks: ComponentHooks): ComponentOutcome;
}

/** Thrown by a host function of mcpkit:host that the guest may see as an `err`. */
function failure(message: string): Failure {
  return new Failure(message);
}

const LOG_LEVELS = new Set(['debug', 'info', 'notice', 'warning', 'error']);

/** `mcpkit:host/permissions` `request` variant, as the bindings give it. */
type GrantVariant =
  | { tag: 'storage'; val: { uri: string; access: string[] } }
  | { tag: 'network'; val: string }
  | { tag: 'environment'; val: string };

function grantOf(v: GrantVariant): GrantRequest {
  switch (v?.tag) {
    case 'storage':
      return {
        kind: 'storage',
        uri: String(v.val.uri),
        access: [...v.val.access].filter(
          (a): a is 'read' | 'write' => a === 'read' || a === 'write',
        ),
      };
    case 'network':
      return { kind: 'network', host: String(v.val) };
    case 'environment':
      return { kind: 'environment', key: String(v.val) };
    default:
      throw failure('the grant request is not one of storage, network or environment');
  }
}

function hostImports(hooks: () => ComponentHooks): Record<string, Record<string, unknown>> {
  /** Ask the embedder; a refusal is the guest's `err`. */
  const ask = (request: HostRequest): unknown => {
    if (hooks().cancelled?.()) throw new Cancelled();
    const send = hooks().request;
    if (!send) throw failure('the host does not take this request here');
    const r = send(request);
    if (!r.ok) throw failure(r.error);
    return r.value;
  };
  return {
    'mcpkit:host/log': {
      log(level: string, message: string) {
        if (hooks().cancelled?.()) throw new Cancelled();
        hooks().log?.(LOG_LEVELS.has(level) ? level : 'info', String(message));
      },
    },
    'mcpkit:host/progress': {
      report(progress: number, total?: number, message?: string) {
        if (hooks().cancelled?.()) throw new Cancelled();
        hooks().progress?.(progress, total, message);
      },
    },
    'mcpkit:host/tools': {
      callTool(name: string, args: string): string {
        if (hooks().cancelled?.()) throw new Cancelled();
        const call = hooks().callTool;
        if (!call) throw failure('calling other tools is not available here');
        const r = call(name, args);
        if (!r.ok) throw failure(r.value);
        return r.value;
      },
    },
    'mcpkit:host/client': {
      createMessage(params: string): string {
        return String(ask({ kind: 'create-message', params: String(params) }));
      },
      elicit(message: string, requestedSchema: string): unknown {
        const v = ask({
          kind: 'elicit',
          message: String(message),
          requestedSchema: String(requestedSchema),
        }) as { action: string; content?: string };
        return v.content === undefined ? { action: v.action } : v;
      },
    },
    'mcpkit:host/permissions': {
      requestGrant(request: GrantVariant, reason: string): void {
        ask({ kind: 'request-grant', grant: grantOf(request), reason: String(reason) });
      },
    },
    'mcpkit:host/notifications': {
      resourceUpdated(uri: string): void {
        ask({ kind: 'resource-updated', uri: String(uri) });
      },
      listChanged(): void {
        ask({ kind: 'list-changed' });
      },
    },
    // Only types: the records and variants the exported interfaces use.
    'mcpkit:host/types': {},
  };
}

export { type HttpReply, httpResult } from '../egress-reply.js';

/**
 * jco's glue probes for JSPI with `WebAssembly.promising(…)` in a try/catch,
 * once per export, at every instantiation. Where JSPI is missing, V8 writes
 * each "is not a function" message by re-parsing the enclosing function (the
 * whole glue): tens of milliseconds per instance. A stub that throws is as
 * absent to the glue, and cheap.
 */
function stubMissingJspi(): void {
  const wasm = WebAssembly as unknown as { promising?: unknown };
  if (typeof wasm.promising !== 'function')
    wasm.promising = function promising() {
      throw new TypeError('JSPI is not available');
    };
}

export function prepareComponent(
  component: string,
  env: ComponentEnvironment,
  setup: { env: Readonly<Record<string, string>>; maxOutput: number },
): PreparedComponent {
  stubMissingJspi();
  const violations: Violation[] = [];
  let hooks: ComponentHooks = {};
  const current = () => hooks;
  const onViolation = (v: Violation) => {
    violations.push(v);
    hooks.onViolation?.(v);
  };
  const gate = new StorageGate({ policy: env.policy, component, onViolation });
  const wasi = createWasi2({
    component,
    policy: env.policy,
    gate,
    args: [component],
    env: setup.env,
    stdin: new Uint8Array(0),
    maxOutput: setup.maxOutput,
    onStderr: (chunk) => hooks.onStderr?.(chunk),
    onViolation,
    cancelled: () => hooks.cancelled?.() === true,
    http: (request) => {
      if (!hooks.http) throw new EgressError('denied', 'no network is available here', request.url);
      return hooks.http(request);
    },
  });
  const memories: WebAssembly.Memory[] = [];
  const defining = new Map<WebAssembly.Module, number>();
  for (const [name, n] of env.memories) {
    const m = env.cores.get(name);
    if (m) defining.set(m, n);
  }
  let allowed = [...env.memories.values()].reduce((a, b) => a + b, 0);
  let exports: Record<string, unknown> | undefined;
  let linkError: Error | undefined;
  try {
    exports = env.instantiate(
      (name) => {
        const m = env.cores.get(name);
        if (!m) throw new Error(`the transpiled component has no core module ${name}`);
        return m;
      },
      { ...wasi.imports, ...hostImports(current) },
      (module, imports) => {
        allowed -= defining.get(module) ?? 0;
        if (allowed < 0)
          throw new Error(
            'the component makes more memories than its core modules define (it instantiates one of them more than once), so its memory limit cannot be shared out among them',
          );
        const instance = new WebAssembly.Instance(module, imports);
        for (const e of Object.values(instance.exports))
          if (e instanceof WebAssembly.Memory && !memories.includes(e)) memories.push(e);
        return instance;
      },
    );
  } catch (error) {
    linkError = error as Error;
  }
  const memoryBytes = () => memories.reduce((n, m) => n + m.buffer.byteLength, 0);
  const initial = memories.map((m) => m.buffer.byteLength);
  let used = false;

  return {
    call(request, callHooks) {
      if (used) throw new Error('a prepared component instance runs once');
      used = true;
      hooks = callHooks;
      const started = performance.now();
      const outcome = (exitCode: number, error?: RunError, value?: unknown): ComponentOutcome => {
        const exhausted = memories.some((m, i) =>
          nearLimit(m.buffer.byteLength, initial[i] ?? 0, env.memoryLimit),
        );
        const err = atLimit(error, exhausted);
        return {
          exitCode,
          stdout: wasi.stdout.bytes(),
          stderr: wasi.stderr.bytes(),
          ...(err ? { error: err } : { value }),
          memoryBytes: memoryBytes(),
          memoryExhausted: exhausted,
          durationMs: performance.now() - started,
          violations,
        };
      };
      try {
        if (linkError) throw linkError;
        const scope = (request.exportName ? exports![request.exportName] : exports) as
          | Record<string, unknown>
          | undefined;
        const fn = scope?.[camelCase(request.fn)];
        if (typeof fn !== 'function') {
          return outcome(1, {
            code: 'no-entry-point',
            message: `the component exports no function \`${request.fn}\`${request.exportName ? ` in \`${request.exportName}\`` : ''}`,
          });
        }
        try {
          const value = (fn as (...a: unknown[]) => unknown)(...request.args);
          return outcome(0, undefined, request.returnsResult ? { tag: 'ok', val: value } : value);
        } catch (error) {
          // The glue throws a result's error case as a ComponentError carrying it.
          if (request.returnsResult && isComponentError(error))
            return outcome(0, undefined, { tag: 'err', val: error.payload });
          throw error;
        }
      } catch (error) {
        if (error instanceof ProcExit)
          return outcome(1, {
            code: 'trap',
            message: `the component exited with code ${error.code} during the call`,
          });
        return outcome(1, describeFailure(error));
      } finally {
        wasi.dispose();
      }
    },
  };
}

/** The glue's error for a result's `err` case (its class is private to the glue). */
function isComponentError(e: unknown): e is Error & { payload: unknown } {
  return (
    e instanceof Error && e.constructor.name === 'ComponentError' && Object.hasOwn(e, 'payload')
  );
}
