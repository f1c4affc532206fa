// A guest ready to run: its compiled module, its policy, its limits, and
// where it runs (a worker from a pool, or inline on the calling thread).

import { createHash } from 'node:crypto';
import { type CompiledPolicy, type PolicyDocument, serializePolicy } from '@mcpkit/wasm-policy';
import type { BridgeHandler } from './bridge.js';
import { CpuBudget } from './cpu-budget.js';
import type { EgressOptions } from './egress.js';
import type { EgressBudget } from './egress-budget.js';
import {
  CancelledError,
  ConcurrencyLimitError,
  InvalidWasmError,
  NoEntryPointError,
  OutOfMemoryError,
  OutputLimitError,
  type SandboxError,
  StackOverflowError,
  TrapError,
} from './errors.js';
import { type HostModule, type HostModuleSource, loadHostModuleFactory } from './host-module.js';
import { compiledPolicyOf, type RunOutcome, type RunRequest, runInstance } from './instance.js';
import { type LoadedModule, loadModule } from './module.js';
import { type CallCpuLimits, WorkerPool } from './pool.js';
import { TrialRunner } from './trial.js';
import type { Violation, ViolationListener } from './violation.js';

/** Limits that apply when the policy sets none. */
export const DEFAULT_LIMITS = Object.freeze({
  memory: 256 * 1024 * 1024,
  executionTime: 30_000,
  output: 4 * 1024 * 1024,
  concurrency: 8,
});

/** Calls that may wait for a turn, per component, beyond those running. */
export const DEFAULT_MAX_QUEUED = 256;

export interface SandboxOptions extends GuestSandboxOptions {
  /** The core module (WASI preview1 command). */
  bytes: Uint8Array;
  /** `worker` (default; deadlines enforced) or `inline` (trusted code only: no deadline). */
  isolation?: 'worker' | 'inline';
  /** Extra import modules (the host function API). */
  hostModules?: readonly HostModuleSource[];
  /** Handlers for host functions' `ctx.call(channel, payload)`. */
  channels?: Readonly<Record<string, BridgeHandler>>;
  /**
   * Try each call first on the calling thread, metered, before sending it to
   * a worker (trial.ts). Default true; only modules that import nothing but
   * WASI are tried.
   */
  trial?: boolean;
}

export interface RunOptions {
  /** argv after the program name. */
  args?: readonly string[];
  /** argv[0]; default the id. */
  program?: string;
  stdin?: Uint8Array | string;
  /** Merged over the sandbox's environment; still filtered by the policy. */
  env?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
  onStderr?: (chunk: Uint8Array) => void;
  /** Export to call (default `_start`). */
  entry?: string;
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  readonly durationMs: number;
  /**
   * CPU time the call used, in ms, measured where a CPU limit applies: the
   * worker thread's CPU clock, or for a call settled by a trial on the
   * calling thread its duration (a trial cannot sleep, so that bounds it).
   */
  readonly cpuMs?: number;
  readonly memoryBytes: number;
  /** The guest's memory reached its limit (it may have handled that itself). */
  readonly memoryExhausted: boolean;
  readonly violations: readonly Violation[];
}

export interface EffectiveLimits {
  readonly memory: number;
  readonly executionTime: number;
  /** CPU time per call in ms, when limited. */
  readonly cpuTime: number | undefined;
  /** The component's CPU quota in cores, when it has one. */
  readonly cpu: number | undefined;
  readonly output: number;
  readonly concurrency: number;
}

const encoder = new TextEncoder();
let sharedPool: WorkerPool | undefined;

/** The pool used by sandboxes created without one. */
export function defaultPool(): WorkerPool {
  sharedPool ??= new WorkerPool();
  return sharedPool;
}

/** What every sandbox is given, whatever the guest's format. */
export interface GuestSandboxOptions {
  /** The component's id, in violations and messages. */
  id: string;
  policy: PolicyDocument;
  /** How the guest is named in messages (a file name); default the id. */
  name?: string;
  /** Shared pool; the default pool when not given. */
  pool?: WorkerPool;
  /** Candidate environment for every call; the policy filters it. Default: empty. */
  env?: Readonly<Record<string, string>>;
  onViolation?: ViolationListener;
  /** Calls that may wait beyond the concurrency limit before new ones are refused. */
  maxQueued?: number;
}

/**
 * What sandboxes of every guest format share: the policy (document for the
 * workers, compiled for the main thread), the limits, the environment the
 * policy allows, and the turn-taking that enforces the concurrency limit.
 */
export abstract class GuestSandbox {
  readonly id: string;
  readonly policy: CompiledPolicy;
  readonly limits: EffectiveLimits;
  protected readonly document: PolicyDocument;
  protected readonly policyKey: string;
  /** The sandbox's environment with only the keys the policy allows. */
  protected readonly env: Readonly<Record<string, string>>;
  readonly #base: GuestSandboxOptions;
  #running = 0;
  readonly #queue: Array<() => void> = [];
  /** The CPU quota's budget, when the policy sets `cpu`. */
  readonly #budget: CpuBudget | undefined;
  /** What bounds each call's CPU time, when anything does. */
  protected readonly cpuLimits: CallCpuLimits | undefined;

  protected constructor(options: GuestSandboxOptions) {
    this.id = options.id;
    this.#base = options;
    // The sandbox needs only the core sections; extension sections may not cross threads.
    this.document = { ...options.policy, extensions: {} };
    this.policy = compiledPolicyOf(this.document);
    const l = options.policy.limits;
    this.limits = Object.freeze({
      memory: l.memory ?? DEFAULT_LIMITS.memory,
      executionTime: l.executionTime ?? DEFAULT_LIMITS.executionTime,
      cpuTime: l.cpuTime,
      cpu: l.cpu,
      output: l.output ?? DEFAULT_LIMITS.output,
      concurrency: l.concurrency ?? DEFAULT_LIMITS.concurrency,
    });
    this.#budget = l.cpu !== undefined ? new CpuBudget(this.id, l.cpu) : undefined;
    this.cpuLimits =
      l.cpu !== undefined || l.cpuTime !== undefined
        ? { limitMs: l.cpuTime, budget: this.#budget }
        : undefined;
    this.policyKey = createHash('sha256')
      .update(JSON.stringify(serializePolicy(this.document)))
      .digest('hex');
    this.env = this.allowedEnv(options.env ?? {});
  }

  protected get pool(): WorkerPool {
    return this.#base.pool ?? defaultPool();
  }

  protected get onViolation(): ViolationListener | undefined {
    return this.#base.onViolation;
  }

  protected allowedEnv(env: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (this.policy.decideEnv(k).allowed) out[k] = v;
    return out;
  }

  /** Calls running now. */
  get running(): number {
    return this.#running;
  }

  /**
   * Take a turn within the concurrency limit, waiting for one (the promise)
   * when all are taken; refused when too many wait already.
   */
  protected turn(): Promise<void> | undefined {
    if (this.#running < this.limits.concurrency) {
      this.#running++;
      return undefined;
    }
    const maxQueued = this.#base.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (this.#queue.length >= maxQueued)
      return Promise.reject(
        new ConcurrencyLimitError(this.id, this.limits.concurrency + maxQueued),
      );
    return new Promise<void>((resolve) =>
      this.#queue.push(() => {
        this.#running++;
        resolve();
      }),
    );
  }

  protected done(): void {
    this.#running--;
    this.#queue.shift()?.();
  }

  /**
   * Wait until the CPU quota lets a call start; refused at once when that
   * would take longer than the call's wall-clock limit.
   */
  protected admit(signal: AbortSignal | undefined): Promise<void> | undefined {
    const budget = this.#budget;
    if (!budget || budget.startsIn() <= 0) return undefined;
    return (async () => {
      for (let wait = budget.startsIn(); wait > 0; wait = budget.startsIn()) {
        if (wait > this.limits.executionTime) throw budget.refused(this.limits.executionTime);
        await sleep(wait, signal);
      }
    })();
  }

  /** CPU time a call spent on the calling thread, charged to the quota. */
  protected chargeCpu(ms: number): void {
    this.#budget?.charge(ms);
  }

  #trial: TrialRunner | undefined;
  #noTrial: string | undefined;

  /** Whether calls are tried on the calling thread first, and if not, why. */
  get trial(): { readonly enabled: boolean; readonly reason?: string } {
    return this.#trial ? { enabled: true } : { enabled: false, reason: this.#noTrial ?? '' };
  }

  /** Try calls of `module` on the calling thread first, unless `unwanted` says why not. */
  protected async setUpTrial(module: LoadedModule, unwanted: string | undefined): Promise<void> {
    if (unwanted !== undefined) {
      this.#noTrial = unwanted;
      return;
    }
    const t = await TrialRunner.create(module, {
      component: this.id,
      policy: this.policy,
      memoryLimit: this.limits.memory,
      maxOutput: this.limits.output,
    });
    if (t instanceof TrialRunner) this.#trial = t;
    else this.#noTrial = `it cannot be metered: ${t.reason}`;
  }

  /**
   * Run `f` on this thread. With CPU limits, its duration is its CPU time:
   * the thread does nothing else meanwhile, and neither a trial nor an
   * inline guest yields it, so the duration bounds the CPU time used. It is
   * charged to the quota whether or not it settles the call; a trial that
   * does not is not counted against the call's own `cpu_time`, since the
   * worker runs the call from the start.
   */
  protected onThisThread(f: () => RunOutcome | undefined): RunOutcome | undefined {
    if (!this.cpuLimits) return f();
    const started = performance.now();
    const outcome = f();
    const ms = performance.now() - started;
    this.chargeCpu(ms);
    if (outcome) outcome.cpuMs = ms;
    return outcome;
  }

  /** The call settled by a trial on this thread, when one can settle it. */
  protected trialRun(
    request: RunRequest,
    options: {
      signal?: AbortSignal | undefined;
      onStderr?: ((chunk: Uint8Array) => void) | undefined;
    },
  ): RunOutcome | undefined {
    const trial = this.#trial;
    if (!trial?.wants(request.args[0]!) || options.signal?.aborted) return undefined;
    const outcome = this.onThisThread(() => trial.run(request));
    // Its stderr arrives in one piece.
    if (outcome && outcome.stderr.length > 0) options.onStderr?.(outcome.stderr);
    return outcome;
  }

  /** Run a call of a core module in the worker pool, under this sandbox's policy and limits. */
  protected runInWorker(
    module: LoadedModule,
    job: {
      hostModules: readonly HostModuleSource[];
      request: RunRequest;
      options: {
        signal?: AbortSignal | undefined;
        onStderr?: ((chunk: Uint8Array) => void) | undefined;
        onLog?: ((level: string, message: string) => void) | undefined;
        onProgress?: ((progress: number, total?: number, message?: string) => void) | undefined;
      };
      channels: ReadonlyMap<string, BridgeHandler>;
    },
  ): Promise<RunOutcome> {
    return this.pool.run({
      codeKey: `${module.digest}:${module.memory?.maxPages ?? '-'}`,
      code: { kind: 'module', module: module.module },
      policyKey: this.policyKey,
      policy: this.document,
      memoryLimit: this.limits.memory,
      hostModules: job.hostModules,
      request: job.request,
      deadlineMs: this.limits.executionTime,
      cpu: this.cpuLimits,
      signal: job.options.signal,
      onStderr: job.options.onStderr,
      onLog: job.options.onLog,
      onProgress: job.options.onProgress,
      onViolation: this.onViolation,
      channels: job.channels,
    });
  }

  /** The egress service's options for this guest's calls; refusals go to `violations` too. */
  protected egressOptions(
    base: Omit<EgressOptions, 'policy' | 'component' | 'onViolation' | 'budget'> | undefined,
    budget: EgressBudget,
    violations: Violation[],
  ): EgressOptions {
    return {
      ...base,
      policy: this.policy,
      component: this.id,
      budget,
      onViolation: (v) => {
        violations.push(v);
        this.onViolation?.(v);
      },
    };
  }

  /** The typed error for a run that failed; `what` names the guest. */
  protected errorOf(o: RunOutcome, what: string, entry: string): SandboxError {
    const e = o.error!;
    let err: SandboxError;
    switch (e.code) {
      case 'stack-overflow':
        err = new StackOverflowError();
        break;
      case 'out-of-memory':
        err = new OutOfMemoryError(this.limits.memory, e.message);
        break;
      case 'output-limit':
        err = new OutputLimitError(
          /stderr/.test(e.message) ? 'stderr' : 'stdout',
          this.limits.output,
        );
        break;
      case 'cancelled':
        err = new CancelledError();
        break;
      case 'no-entry-point':
        err = new NoEntryPointError(what, entry);
        break;
      case 'invalid-wasm':
        err = new InvalidWasmError(what, e.message);
        break;
      default:
        err = new TrapError(e.message);
    }
    return Object.assign(err, { outcome: o });
  }
}

/** Resolve after `ms`, or reject with CancelledError when `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.ceil(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class Sandbox extends GuestSandbox {
  readonly module: LoadedModule;
  readonly isolation: 'worker' | 'inline';
  readonly #options: SandboxOptions;
  readonly #channels: ReadonlyMap<string, BridgeHandler>;
  readonly #inlineHostModules: readonly HostModule[];

  private constructor(
    options: SandboxOptions,
    module: LoadedModule,
    hostModules: readonly HostModule[],
  ) {
    super(options);
    this.module = module;
    this.#options = options;
    this.isolation = options.isolation ?? options.policy.runtime.isolation ?? 'worker';
    this.#channels = new Map(Object.entries(options.channels ?? {}));
    this.#inlineHostModules = hostModules;
  }

  async #setUpTrial(): Promise<void> {
    await this.setUpTrial(
      this.module,
      this.isolation !== 'worker'
        ? 'the guest runs inline'
        : this.#options.trial === false
          ? 'turned off'
          : (this.#options.hostModules ?? []).length > 0
            ? 'the module imports host modules besides WASI'
            : undefined,
    );
  }

  /** Load and check the module (typed errors for non-wasm, components, unsupported imports). */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    const memory = options.policy.limits.memory ?? DEFAULT_LIMITS.memory;
    const module = await loadModule(options.bytes, {
      name: options.name ?? options.id,
      memoryLimit: memory,
      hostModules: options.hostModules ?? [],
    });
    const inline = (options.isolation ?? options.policy.runtime.isolation) === 'inline';
    const hostModules = inline
      ? await Promise.all(
          (options.hostModules ?? []).map(async (s) =>
            (await loadHostModuleFactory(s.url))(s.options ?? {}),
          ),
        )
      : [];
    const sandbox = new Sandbox(options, module, hostModules);
    await sandbox.#setUpTrial();
    return sandbox;
  }

  /** Run the guest once, in a fresh instance. */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const turn = this.turn();
    if (turn) await turn;
    try {
      const admitted = this.admit(options.signal);
      if (admitted) await admitted;
      const request = {
        component: this.id,
        args: [options.program ?? this.id, ...(options.args ?? [])],
        // Filtered here, once: only what the policy allows crosses to the worker.
        env: options.env ? { ...this.env, ...this.allowedEnv(options.env) } : this.env,
        stdin:
          typeof options.stdin === 'string'
            ? encoder.encode(options.stdin)
            : (options.stdin ?? new Uint8Array(0)),
        maxOutput: this.limits.output,
        entry: options.entry ?? '_start',
      };
      let outcome: RunOutcome;
      if (this.isolation === 'inline') {
        if (options.signal?.aborted) throw new CancelledError();
        // Trusted code on this thread: nothing stops it, but the quota is charged.
        outcome = this.onThisThread(() =>
          runInstance(this.module.module, request, {
            policy: this.policy,
            hostModules: this.#inlineHostModules,
            memoryLimit: this.limits.memory,
            hostOptions: new Map(
              (this.#options.hostModules ?? []).map((s) => [s.name, s.options ?? {}]),
            ),
            ...(options.onStderr ? { onStderr: options.onStderr } : {}),
            ...(this.onViolation ? { onViolation: this.onViolation } : {}),
            ...(options.signal ? { cancelled: () => options.signal!.aborted } : {}),
          }),
        )!;
      } else {
        outcome =
          this.trialRun(request, options) ??
          (await this.runInWorker(this.module, {
            hostModules: this.#options.hostModules ?? [],
            request,
            options,
            channels: this.#channels,
          }));
      }
      return this.#result(outcome);
    } finally {
      this.done();
    }
  }

  #result(o: RunOutcome): RunResult {
    if (o.error) throw this.errorOf(o, this.module.name, '_start');
    // A guest that gave up at its memory limit failed for want of memory.
    if (o.exitCode !== 0 && o.memoryExhausted) {
      throw Object.assign(
        new OutOfMemoryError(this.limits.memory, `it exited with code ${o.exitCode}`),
        { outcome: o },
      );
    }
    return Object.freeze({
      exitCode: o.exitCode,
      stdout: o.stdout,
      stderr: o.stderr,
      durationMs: o.durationMs,
      ...(o.cpuMs !== undefined ? { cpuMs: o.cpuMs } : {}),
      memoryBytes: o.memoryBytes,
      memoryExhausted: o.memoryExhausted,
      violations: o.violations,
    });
  }
}
