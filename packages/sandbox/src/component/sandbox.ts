// A WebAssembly component ready to call: loaded and transpiled, its policy
// and limits, calls run in the worker pool like core modules (deadline,
// memory cap, output caps, cancellation). HTTP requests and calls to other
// tools are answered on this thread, through the bridge.

import type { BridgeHandler } from '../bridge.js';
import type { EgressOptions } from '../egress.js';
import { EgressBudget } from '../egress-budget.js';
import { httpHandler } from '../egress-reply.js';
import { CancelledError } from '../errors.js';
import { DEFAULT_LIMITS, GuestSandbox, type GuestSandboxOptions } from '../sandbox.js';
import type { Violation } from '../violation.js';
import { unsupportedInterfaces, WASI2_INTERFACES } from '../wasi2/index.js';
import {
  COMPONENT_CHANNELS,
  type ComponentOutcome,
  type HostReply,
  type HostRequest,
} from './instance.js';
import { type LoadedComponent, loadComponent, unversioned } from './load.js';
import type { ComponentInterface, WitFunction } from './wit-types.js';

/** The interfaces of `mcpkit:host` (see the package's `wit/host.wit`). */
export const MCPKIT_HOST_INTERFACES: readonly string[] = Object.freeze([
  'mcpkit:host/log',
  'mcpkit:host/progress',
  'mcpkit:host/tools',
  'mcpkit:host/client',
  'mcpkit:host/permissions',
  'mcpkit:host/notifications',
  'mcpkit:host/types',
]);

const PROVIDED = new Set([...WASI2_INTERFACES, ...MCPKIT_HOST_INTERFACES]);

/** The imports among `names` the host does not provide. */
export function unsupportedComponentImports(names: readonly string[]): string[] {
  const wasi = new Set(unsupportedInterfaces(names));
  return names.filter((n) => wasi.has(n) || !PROVIDED.has(unversioned(n)));
}

/** Every exported function of a component, world-level first, in the order it lists them. */
export function functionsOf(i: ComponentInterface): ComponentFunction[] {
  return [
    ...i.functions.map((fn) => ({ exportName: '', fn })),
    ...i.interfaces.flatMap((x) => x.functions.map((fn) => ({ exportName: x.name, fn }))),
  ];
}

export interface ComponentSandboxOptions extends GuestSandboxOptions {
  /** The component's bytes. */
  bytes: Uint8Array;
  /** Where transpiled components are kept (private to the user); default a temporary directory. */
  cacheDir?: string;
  /** Egress settings (the resolver, caps, timeout) beyond the policy. */
  egress?: Omit<EgressOptions, 'policy' | 'component' | 'onViolation'>;
}

/** A function the component exports, and where. */
export interface ComponentFunction {
  /** Full name of the exported interface, or '' for a function of the world. */
  readonly exportName: string;
  readonly fn: WitFunction;
}

export interface ComponentCallOptions {
  signal?: AbortSignal;
  onStderr?: (chunk: Uint8Array) => void;
  /** `mcpkit:host/log` calls. */
  onLog?: (level: string, message: string) => void;
  /** `mcpkit:host/progress` calls. */
  onProgress?: (progress: number, total?: number, message?: string) => void;
  /** `mcpkit:host/tools.call-tool`; without it the guest is told it cannot call tools. */
  callTool?: (name: string, args: string) => Promise<{ ok: boolean; value: string }>;
  /** `mcpkit:host/client`, `permissions` and `notifications`; without it they are refused. */
  hostRequest?: (request: HostRequest) => Promise<HostReply>;
}

export interface ComponentCallResult {
  /**
   * What the function returned, as the bindings give it (see json.ts); a
   * function returning a `result` gives `{ tag: 'ok' | 'err', val }`.
   */
  readonly value: unknown;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  readonly durationMs: number;
  /** CPU time the call used in ms, measured where a CPU limit applies. */
  readonly cpuMs?: number;
  readonly memoryBytes: number;
  readonly violations: readonly Violation[];
}

export class ComponentSandbox extends GuestSandbox {
  readonly component: LoadedComponent;
  readonly #options: ComponentSandboxOptions;
  /** The policy's network limits, counted over all calls of this component. */
  readonly #budget: EgressBudget;

  private constructor(options: ComponentSandboxOptions, component: LoadedComponent) {
    super(options);
    this.component = component;
    this.#options = options;
    this.#budget = new EgressBudget(options.policy.network);
  }

  /** Load and check the component (typed errors for non-wasm, core modules, unsupported imports). */
  static async create(options: ComponentSandboxOptions): Promise<ComponentSandbox> {
    const component = await loadComponent(options.bytes, {
      name: options.name ?? options.id,
      memoryLimit: options.policy.limits.memory ?? DEFAULT_LIMITS.memory,
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      unsupported: unsupportedComponentImports,
    });
    return new ComponentSandbox(options, component);
  }

  /** Every exported function, world-level first, in the order the component lists them. */
  functions(): ComponentFunction[] {
    return functionsOf(this.component.interface);
  }

  /** Call `fn` in a fresh instance with arguments already in the bindings' form. */
  async call(
    target: ComponentFunction,
    args: unknown[],
    options: ComponentCallOptions = {},
  ): Promise<ComponentCallResult> {
    if (options.signal?.aborted) throw new CancelledError();
    const turn = this.turn();
    if (turn) await turn;
    const violations: Violation[] = [];
    try {
      const admitted = this.admit(options.signal);
      if (admitted) await admitted;
      const channels = new Map<string, BridgeHandler>();
      const usesHttp = this.component.interface.imports.some((n) =>
        n.startsWith('wasi:http/outgoing-handler'),
      );
      if (usesHttp)
        channels.set(
          COMPONENT_CHANNELS.http,
          httpHandler(
            this.egressOptions(this.#options.egress, this.#budget, violations),
            options.signal,
          ),
        );
      if (options.callTool) {
        const callTool = options.callTool;
        channels.set(COMPONENT_CHANNELS.callTool, (payload) => {
          const { name, args: text } = payload as { name: string; args: string };
          return callTool(name, text);
        });
      }
      if (options.hostRequest) {
        const hostRequest = options.hostRequest;
        channels.set(COMPONENT_CHANNELS.host, (payload) => hostRequest(payload as HostRequest));
      }
      const outcome: ComponentOutcome = await this.pool.run({
        type: 'call',
        codeKey: `${this.component.digest}:${this.limits.memory}`,
        code: {
          kind: 'component',
          glue: this.component.glue,
          cores: this.component.cores,
          memories: this.component.memories,
        },
        policyKey: this.policyKey,
        policy: this.document,
        memoryLimit: this.limits.memory,
        host: {
          http: usesHttp,
          callTool: options.callTool !== undefined,
          requests: options.hostRequest !== undefined,
        },
        request: {
          component: this.id,
          exportName: target.exportName,
          fn: target.fn.name,
          args,
          returnsResult: target.fn.result?.kind === 'result',
          env: this.env,
          maxOutput: this.limits.output,
        },
        deadlineMs: this.limits.executionTime,
        cpu: this.cpuLimits,
        signal: options.signal,
        onStderr: options.onStderr,
        onViolation: this.onViolation,
        onLog: options.onLog,
        onProgress: options.onProgress,
        channels,
      });
      const all = [...outcome.violations, ...violations];
      if (outcome.error)
        throw this.errorOf({ ...outcome, violations: all }, this.component.name, target.fn.name);
      return Object.freeze({
        value: outcome.value,
        stdout: outcome.stdout,
        stderr: outcome.stderr,
        durationMs: outcome.durationMs,
        ...(outcome.cpuMs !== undefined ? { cpuMs: outcome.cpuMs } : {}),
        memoryBytes: outcome.memoryBytes,
        violations: all,
      });
    } finally {
      this.done();
    }
  }
}
