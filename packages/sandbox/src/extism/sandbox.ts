// An Extism plugin ready to call: a core module importing `extism:host/env`
// (and maybe `extism:host/user`, hyper-mcp's host functions, and WASI
// preview1), run like every core module (worker pool, deadline, memory cap
// over linear memory and kernel heap, output cap, cancellation), each call in
// a fresh instance. What persists between calls is what Extism keeps between
// calls of one plugin: its vars. HTTP requests are the egress service's,
// answered on this thread through the bridge.

import type { BridgeHandler } from '../bridge.js';
import type { EgressOptions } from '../egress.js';
import { EgressBudget } from '../egress-budget.js';
import { httpHandler } from '../egress-reply.js';
import { CancelledError, NoEntryPointError, OutOfMemoryError, PluginError } from '../errors.js';
import type { RunOutcome } from '../instance.js';
import { type LoadedModule, loadModule } from '../module.js';
import { DEFAULT_LIMITS, GuestSandbox, type GuestSandboxOptions } from '../sandbox.js';
import type { Violation } from '../violation.js';
import {
  EXTISM_ENV,
  EXTISM_USER,
  KERNEL_FUNCTIONS,
  KERNEL_TYPES,
  PLUGIN_CHANNELS,
  type PluginLog,
  type PluginLogLevel,
  type PluginOutcome,
  type PluginUserReply,
  type PluginUserRequest,
  USER_FUNCTIONS,
  USER_TYPES,
} from './kernel.js';

/** Extism's default cap on a plugin's vars. */
export const DEFAULT_MAX_VAR_BYTES = 1024 * 1024;

export interface PluginSandboxOptions extends GuestSandboxOptions {
  bytes: Uint8Array;
  /**
   * The plugin's configuration (what `config_get` reads). Like the
   * environment, only keys the policy's `environment` section allows reach it.
   */
  config?: Readonly<Record<string, string>>;
  /** Most bytes its vars may hold, names and values together (default 1 MiB). */
  maxVarBytes?: number;
  /** Least level of the plugin's `log_*` calls kept (default `info`); `off` keeps none. */
  logLevel?: PluginLogLevel | 'off';
  /**
   * Try each call first on the calling thread, metered, before sending it to
   * a worker (default true).
   */
  trial?: boolean;
  /** The egress service's settings for its HTTP requests. */
  egress?: Omit<EgressOptions, 'policy' | 'component' | 'onViolation' | 'budget'>;
}

export interface PluginCallOptions {
  signal?: AbortSignal;
  onStderr?: (chunk: Uint8Array) => void;
  /**
   * The plugin's logs and progress as they happen, for a call in a worker;
   * a call settled on this thread gives them in its result instead.
   */
  onLog?: (level: PluginLog['level'], text: string) => void;
  onProgress?: (progress: number, total?: number, message?: string) => void;
  /** Answers hyper-mcp's `list_roots`, `create_message`, `create_elicitation`; absent: they fail. */
  onUserRequest?: (request: PluginUserRequest) => Promise<PluginUserReply>;
}

export interface PluginCallResult {
  readonly output: Uint8Array;
  /** WASI stdout and stderr, for plugins that use WASI. */
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  readonly logs: readonly PluginLog[];
  readonly droppedLogs: number;
  /** What hyper-mcp's `notify_*_list_changed` said changed. */
  readonly changed: readonly string[];
  readonly progress: PluginOutcome['progress'];
  readonly durationMs: number;
  readonly cpuMs?: number;
  /** Linear memory and kernel heap at the end of the call. */
  readonly memoryBytes: number;
  readonly violations: readonly Violation[];
}

/** `bytes` in a buffer of exactly its size (a copy when it is a view into a larger one). */
function standalone(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : new Uint8Array(bytes);
}

/** The module imports the Extism kernel: it is a plugin, not a command. */
export function isExtismPlugin(imports: readonly WebAssembly.ModuleImportDescriptor[]): boolean {
  return imports.some((i) => i.module === EXTISM_ENV || i.module === EXTISM_USER);
}

export class PluginSandbox extends GuestSandbox {
  readonly module: LoadedModule;
  readonly #options: PluginSandboxOptions;
  readonly #config: Readonly<Record<string, string>>;
  readonly #budget: EgressBudget;
  #vars: Array<[string, Uint8Array]> = [];
  readonly #functions: ReadonlySet<string>;
  /** It imports `http_request`: its calls may need the egress service. */
  readonly #http: boolean;

  private constructor(options: PluginSandboxOptions, module: LoadedModule) {
    super(options);
    this.module = module;
    this.#options = options;
    this.#config = this.allowedEnv(options.config ?? {});
    this.#budget = new EgressBudget(options.policy.network);
    this.#functions = new Set(
      module.exports.filter((e) => e.kind === 'function').map((e) => e.name),
    );
    this.#http = module.imports.some((i) => i.module === EXTISM_ENV && i.name === 'http_request');
  }

  /** Load and check the plugin (typed errors for non-wasm, components, unsupported imports). */
  static async create(options: PluginSandboxOptions): Promise<PluginSandbox> {
    const module = await loadModule(options.bytes, {
      name: options.name ?? options.id,
      memoryLimit: options.policy.limits.memory ?? DEFAULT_LIMITS.memory,
      guardGrowth: true,
      hostModules: [
        { name: EXTISM_ENV, functions: KERNEL_FUNCTIONS, types: KERNEL_TYPES },
        { name: EXTISM_USER, functions: USER_FUNCTIONS, types: USER_TYPES },
      ],
    });
    const sandbox = new PluginSandbox(options, module);
    await sandbox.setUpTrial(module, options.trial === false ? 'turned off' : undefined);
    return sandbox;
  }

  /** The functions the plugin exports (what `call` may name). */
  functions(): string[] {
    return [...this.#functions];
  }

  has(fn: string): boolean {
    return this.#functions.has(fn);
  }

  /** What a call in a worker asks this thread: HTTP through the egress service, hyper-mcp's requests. */
  #channels(options: PluginCallOptions, violations: Violation[]): Map<string, BridgeHandler> {
    const channels = new Map<string, BridgeHandler>();
    if (this.#http)
      channels.set(
        PLUGIN_CHANNELS.http,
        httpHandler(
          this.egressOptions(this.#options.egress, this.#budget, violations),
          options.signal,
        ),
      );
    const onUser = options.onUserRequest;
    if (onUser)
      channels.set(PLUGIN_CHANNELS.user, (payload) =>
        onUser(payload as PluginUserRequest).catch(
          (error: Error): PluginUserReply => ({ ok: false, message: error.message }),
        ),
      );
    return channels;
  }

  /** The configuration the plugin sees (the allowed keys only). */
  get config(): Readonly<Record<string, string>> {
    return this.#config;
  }

  /** Its vars now (a copy). */
  get vars(): ReadonlyMap<string, Uint8Array> {
    return new Map(this.#vars);
  }

  /**
   * Call `fn` with `input` in a fresh instance; its output. A function that
   * returns non-zero throws PluginError with the message it set.
   */
  async call(
    fn: string,
    input: Uint8Array | string = new Uint8Array(0),
    options: PluginCallOptions = {},
  ): Promise<PluginCallResult> {
    if (options.signal?.aborted) throw new CancelledError();
    if (!this.has(fn)) throw new NoEntryPointError(this.module.name, fn);
    const turn = this.turn();
    if (turn) await turn;
    const violations: Violation[] = [];
    try {
      const admitted = this.admit(options.signal);
      if (admitted) await admitted;
      const level = this.#options.logLevel ?? 'info';
      const request = {
        component: this.id,
        args: [fn],
        env: this.env,
        // From Node's buffer pool: cheap, and read in place by a trial.
        stdin: typeof input === 'string' ? Buffer.from(input, 'utf8') : input,
        maxOutput: this.limits.output,
        entry: fn,
        plugin: {
          config: this.#config,
          vars: this.#vars,
          maxVarBytes: this.#options.maxVarBytes ?? DEFAULT_MAX_VAR_BYTES,
          logLevel: level === 'off' ? undefined : level,
          http: this.#http,
          user: options.onUserRequest !== undefined,
        },
      };
      const outcome: RunOutcome =
        this.trialRun(request, options) ??
        (await this.runInWorker(this.module, {
          hostModules: [],
          // Cloned to the worker: its own buffer, not the pool it was cut from.
          request: { ...request, stdin: standalone(request.stdin) },
          options: {
            signal: options.signal,
            onStderr: options.onStderr,
            // The worker sends what the kernel knows as levels.
            onLog: options.onLog as ((level: string, text: string) => void) | undefined,
            onProgress: options.onProgress,
          },
          channels: this.#channels(options, violations),
        }));
      const plugin = outcome.plugin;
      // Vars a call set stay set, as under Extism, whether or not it succeeded.
      if (plugin) this.#vars = plugin.vars;
      const all = [...outcome.violations, ...violations];
      if (outcome.error) throw this.errorOf({ ...outcome, violations: all }, this.module.name, fn);
      if (!plugin) throw new Error('the plugin call left no kernel outcome');
      if ((plugin.returned !== 0 || outcome.exitCode !== 0) && outcome.memoryExhausted)
        throw Object.assign(
          new OutOfMemoryError(
            this.limits.memory,
            `its \`${fn}\` failed after an allocation was refused${plugin.error ? `: ${plugin.error}` : ''}`,
          ),
          { outcome: { ...outcome, violations: all } },
        );
      if (plugin.returned !== 0 || outcome.exitCode !== 0)
        throw Object.assign(
          new PluginError(fn, plugin.returned || outcome.exitCode, plugin.error),
          { outcome: { ...outcome, violations: all } },
        );
      return Object.freeze({
        output: plugin.output,
        stdout: outcome.stdout,
        stderr: outcome.stderr,
        logs: plugin.logs,
        droppedLogs: plugin.droppedLogs,
        changed: plugin.changed,
        progress: plugin.progress,
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
