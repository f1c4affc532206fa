// Worker threads that run guests. A call gets an idle worker (or waits for
// one); a call past its deadline, or cancelled and not stopping, gets its
// worker terminated, and a fresh worker takes its place when next needed.

import { availableParallelism } from 'node:os';
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from 'node:worker_threads';
import type { PolicyDocument } from '@mcpkit/wasm-policy';
import { type BridgeHandler, serveBridge } from './bridge.js';
import type { ComponentCallRequest, ComponentOutcome } from './component/instance.js';
import type { CpuBudget } from './cpu-budget.js';
import { type ThreadCpuClock, threadCpuClock } from './cpu-clock.js';
import { Doorbell } from './doorbell.js';
import {
  CancelledError,
  ClosedError,
  CpuTimeError,
  DeadlineError,
  StoppedError,
  WorkerCrashedError,
} from './errors.js';
import type { HostModuleSource } from './host-module.js';
import type { RunOutcome, RunRequest } from './instance.js';
import type { Violation } from './violation.js';
import type { GuestCode, WorkerData, WorkerEvent, WorkerRun } from './worker.js';

interface PoolJobBase {
  /** Identifies `code` (digest, memory cap); a worker is sent the code once. */
  codeKey: string;
  code: GuestCode;
  policyKey: string;
  policy: PolicyDocument;
  memoryLimit: number | undefined;
  deadlineMs: number;
  signal?: AbortSignal | undefined;
  onStderr?: ((chunk: Uint8Array) => void) | undefined;
  onViolation?: ((v: Violation) => void) | undefined;
  onLog?: ((level: string, message: string) => void) | undefined;
  onProgress?: ((progress: number, total?: number, message?: string) => void) | undefined;
  channels?: ReadonlyMap<string, BridgeHandler> | undefined;
  /** CPU limits of the call; without them its CPU time is not measured. */
  cpu?: CallCpuLimits | undefined;
}

/**
 * What bounds a call's CPU time. Its worker thread's CPU clock is read now
 * and then while it runs, no more often than the limits need: a thread uses
 * at most one millisecond of CPU time per millisecond, so a call with 200 ms
 * left is next looked at in 200 ms.
 */
export interface CallCpuLimits {
  /** CPU time the call may use, in ms (`resources.limits.cpu_time`). */
  limitMs?: number | undefined;
  /** The component's quota, charged as the call runs (`resources.limits.cpu`). */
  budget?: CpuBudget | undefined;
}

/** Run a command module's `_start`. */
export interface PoolJob extends PoolJobBase {
  type?: 'run';
  hostModules: readonly HostModuleSource[];
  request: RunRequest;
}

/** Call one export of a component. */
export interface PoolCall extends PoolJobBase {
  type: 'call';
  host: { http: boolean; callTool: boolean; requests: boolean };
  request: ComponentCallRequest;
}

export interface WorkerPoolOptions {
  /** Workers at most (default: one per CPU, at least 2). */
  size?: number;
  /** Workers started ahead of the first call. */
  warm?: number;
  /** Heap limits of each worker (its JavaScript, not the guest's linear memory). */
  maxHeapMb?: number;
}

interface Slot {
  worker: Worker;
  cancel: Int32Array;
  /** Set by the worker while it makes the instance for its next call. */
  preparing: Int32Array;
  /** When the current call's guest started (ms since the epoch), 0 before. */
  startedAt: BigInt64Array;
  /** The worker's thread id (0 before it runs, or where its CPU clock cannot be read). */
  tid: Int32Array;
  /** Its CPU clock (ns) when the current call's guest started. */
  cpuAtStart: BigInt64Array;
  /** The worker thread's CPU clock, opened when first needed; null where there is none. */
  clock?: ThreadCpuClock | null;
  jobs: MessagePort;
  jobBell: Doorbell;
  events: MessagePort;
  eventBell: Doorbell;
  codes: Set<string>;
  policies: Set<string>;
  channels: ReadonlyMap<string, BridgeHandler>;
  busy: boolean;
  dead: boolean;
  current?: { id: number; settle: (e: WorkerEvent | Error) => void };
}

const WORKER_URL = new URL('./worker.js', import.meta.url);
const NO_CHANNELS: ReadonlyMap<string, BridgeHandler> = new Map();
const CANCEL_GRACE_MS = 50;
/** How long a worker may take to get a call's guest running (start, load, instantiate). */
const SETUP_LIMIT_MS = 60_000;
/** How long a lone call's result is waited for without yielding the event loop. */
const SYNC_WAIT_MS = 2;
/** Of which the first part spins (waking from the kernel costs more than a short call). */
const SYNC_SPIN_MS = 0.5;
/** CPU time is looked at no more often than this, and at least this often (ms). */
const CPU_CHECK_MIN_MS = 2;
const CPU_CHECK_MAX_MS = 250;
/** How often a call with CPU limits is looked at while its worker sets up. */
const CPU_SETUP_CHECK_MS = 10;

export class WorkerPool {
  readonly size: number;
  readonly #slots: Slot[] = [];
  readonly #waiting: Array<{ resolve: (slot: Slot) => void; reject: (e: Error) => void }> = [];
  readonly #maxHeapMb: number;
  #nextId = 1;
  #closed = false;
  #inFlight = 0;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.max(2, availableParallelism()));
    this.#maxHeapMb = options.maxHeapMb ?? 256;
    for (let i = 0; i < Math.min(options.warm ?? 0, this.size); i++)
      this.#slots.push(this.#spawn());
  }

  get workers(): number {
    return this.#slots.length;
  }

  #spawn(): Slot {
    const { port1, port2 } = new MessageChannel();
    const jobs = new MessageChannel();
    const events = new MessageChannel();
    const bridgeFlag = new SharedArrayBuffer(4);
    const cancelFlag = new SharedArrayBuffer(4);
    const stateBuffer = new SharedArrayBuffer(24);
    const jobBell = new Doorbell();
    const eventBell = new Doorbell();
    const workerData: WorkerData = {
      bridgePort: port2,
      bridgeFlag,
      cancelFlag,
      stateBuffer,
      jobPort: jobs.port2,
      jobBell: jobBell.buffer,
      eventPort: events.port2,
      eventBell: eventBell.buffer,
    };
    const worker = new Worker(WORKER_URL, {
      workerData,
      transferList: [port2, jobs.port2, events.port2],
      resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb, maxYoungGenerationSizeMb: 32 },
      // Whatever a worker prints (jco's glue may) must not reach the
      // server's stdout, which may be the MCP transport: the worker drops it
      // (reading it here would keep the process alive).
      stdout: true,
      stderr: true,
      // A worker stopped mid-call cannot close its guest's files; Node
      // closes them when it exits.
      trackUnmanagedFds: true,
    });
    const slot: Slot = {
      worker,
      cancel: new Int32Array(cancelFlag),
      preparing: new Int32Array(stateBuffer, 0, 1),
      startedAt: new BigInt64Array(stateBuffer, 8, 1),
      tid: new Int32Array(stateBuffer, 4, 1),
      cpuAtStart: new BigInt64Array(stateBuffer, 16, 1),
      jobs: jobs.port1,
      jobBell,
      events: events.port1,
      eventBell,
      codes: new Set(),
      policies: new Set(),
      channels: NO_CHANNELS,
      busy: false,
      dead: false,
    };
    serveBridge(port1, bridgeFlag, () => slot.channels);
    worker.unref();
    port1.unref();
    jobs.port1.unref();
    events.port1.unref();
    const lost = (why: string) => {
      if (slot.dead) return;
      slot.dead = true;
      this.#remove(slot);
      slot.current?.settle(new WorkerCrashedError(why));
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => lost(`it exited with code ${code}`));
    return slot;
  }

  #remove(slot: Slot): void {
    slot.clock?.close();
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    // Someone waiting may now get a fresh worker.
    const next = this.#waiting.shift();
    if (next && !this.#closed) {
      const fresh = this.#spawn();
      this.#slots.push(fresh);
      fresh.busy = true;
      next.resolve(fresh);
    }
  }

  #acquire(): Promise<Slot> {
    if (this.#closed) return Promise.reject(new ClosedError());
    // An idle worker that is not still making its next instance answers
    // sooner; any idle worker beats a new one.
    const idle =
      this.#slots.find((s) => !s.busy && !s.dead && Atomics.load(s.preparing, 0) === 0) ??
      this.#slots.find((s) => !s.busy && !s.dead);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (this.#slots.length < this.size) {
      const slot = this.#spawn();
      this.#slots.push(slot);
      slot.busy = true;
      return Promise.resolve(slot);
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  #release(slot: Slot): void {
    slot.current = undefined;
    if (slot.dead) return;
    const next = this.#waiting.shift();
    if (next) next.resolve(slot);
    else slot.busy = false;
  }

  #kill(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    this.#remove(slot);
    void slot.worker.terminate();
  }

  /**
   * CPU time the current call's guest has used so far, in ms; undefined
   * before it starts. Without the thread's CPU clock, the wall-clock time
   * since it started (no less than its CPU time).
   */
  #cpuUsed(slot: Slot): number | undefined {
    const started = Number(Atomics.load(slot.startedAt, 0));
    if (started === 0) return undefined;
    if (slot.clock === undefined) slot.clock = threadCpuClock(Atomics.load(slot.tid, 0)) ?? null;
    const now = slot.clock?.read();
    const at = Number(Atomics.load(slot.cpuAtStart, 0));
    if (now !== undefined && at > 0) return Math.max(0, (now - at) / 1e6);
    return Math.max(0, Date.now() - started);
  }

  /**
   * Deliver the worker's events to the call in progress until it is settled.
   * When it is the only call in flight, first wait for it synchronously for a
   * moment: most calls finish within it, and an idle event loop takes longer
   * to wake than the call takes. With other calls in flight the wait is
   * always asynchronous, so they are never held up.
   */
  async #pump(slot: Slot, id: number): Promise<void> {
    let first = true;
    while (!slot.dead && slot.current?.id === id) {
      if (first && this.#inFlight === 1) slot.eventBell.waitSync(SYNC_WAIT_MS, SYNC_SPIN_MS);
      else await slot.eventBell.wait(1000);
      first = false;
      for (
        let got = receiveMessageOnPort(slot.events);
        got;
        got = receiveMessageOnPort(slot.events)
      ) {
        slot.current?.settle(got.message as WorkerEvent);
      }
    }
  }

  /** Run a guest in a worker; resolves with its outcome or rejects with a typed error. */
  run(job: PoolJob): Promise<RunOutcome>;
  run(job: PoolCall): Promise<ComponentOutcome>;
  async run(job: PoolJob | PoolCall): Promise<ComponentOutcome> {
    if (job.signal?.aborted) throw new CancelledError();
    const slot = await this.#acquire();
    if (job.signal?.aborted) {
      this.#release(slot);
      throw new CancelledError();
    }
    const id = this.#nextId++;
    slot.channels = job.channels ?? NO_CHANNELS;
    const base = {
      id,
      codeKey: job.codeKey,
      policyKey: job.policyKey,
      memoryLimit: job.memoryLimit,
      measureCpu: job.cpu !== undefined,
      ...(slot.codes.has(job.codeKey) ? {} : { code: job.code }),
      ...(slot.policies.has(job.policyKey) ? {} : { policy: job.policy }),
    };
    const msg: WorkerRun =
      job.type === 'call'
        ? { ...base, type: 'call', host: job.host, request: job.request }
        : { ...base, type: 'run', hostModules: job.hostModules, request: job.request };
    const cpu = job.cpu;
    return new Promise<ComponentOutcome>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let grace: NodeJS.Timeout | undefined;
      let cpuTimer: NodeJS.Timeout | undefined;
      /** CPU time charged to the budget so far (ms). */
      let charged = 0;
      const chargeUpTo = (used: number | undefined) => {
        if (used === undefined || !cpu?.budget) return;
        cpu.budget.charge(used - charged);
        charged = Math.max(charged, used);
      };
      this.#inFlight++;
      cpu?.budget?.begin();
      let finished = false;
      const finish = (cpuMs?: number) => {
        if (finished) return;
        finished = true;
        // Whatever the call used is charged, however it ended (before its worker is stopped).
        if (cpu) chargeUpTo(cpuMs ?? this.#cpuUsed(slot));
        cpu?.budget?.end();
        this.#inFlight--;
        clearTimeout(timer);
        clearTimeout(grace);
        clearTimeout(cpuTimer);
        job.signal?.removeEventListener('abort', onAbort);
        this.#release(slot);
      };
      const stop = (error: Error) => {
        const used = cpu ? this.#cpuUsed(slot) : undefined;
        this.#kill(slot);
        finish(used);
        reject(error);
      };
      const checkCpu = () => {
        if (finished || !cpu) return;
        const used = this.#cpuUsed(slot);
        let next = CPU_SETUP_CHECK_MS;
        if (used !== undefined) {
          chargeUpTo(used);
          if (cpu.limitMs !== undefined && used >= cpu.limitMs) {
            stop(new CpuTimeError(cpu.limitMs));
            return;
          }
          if (cpu.budget?.spent) {
            stop(cpu.budget.stopped());
            return;
          }
          next = CPU_CHECK_MAX_MS;
          if (cpu.limitMs !== undefined) next = Math.min(next, cpu.limitMs - used);
          if (cpu.budget) next = Math.min(next, cpu.budget.msUntilSpent());
        }
        cpuTimer = setTimeout(checkCpu, Math.max(CPU_CHECK_MIN_MS, next));
      };
      const onAbort = () => {
        Atomics.store(slot.cancel, 0, 1);
        // A guest that makes no host call never sees the flag: stop its thread.
        grace = setTimeout(() => stop(new CancelledError()), CANCEL_GRACE_MS);
      };
      slot.current = {
        id,
        settle: (e) => {
          if (e instanceof Error) {
            finish();
            reject(e);
            return;
          }
          if (e.id !== id) return;
          if (e.type === 'stderr') job.onStderr?.(e.chunk);
          else if (e.type === 'violation') job.onViolation?.(e.violation);
          else if (e.type === 'log') job.onLog?.(e.level, e.message);
          else if (e.type === 'progress') job.onProgress?.(e.progress, e.total, e.message);
          else if (e.type === 'done') {
            slot.codes.add(job.codeKey);
            slot.policies.add(job.policyKey);
            finish(e.outcome.cpuMs);
            resolve(e.outcome);
          } else if (e.type === 'failed') {
            finish();
            reject(new WorkerCrashedError(e.message));
          }
        },
      };
      // The deadline counts from when the guest starts, not from dispatch: a
      // fresh worker or instance takes time to set up, more on a busy host.
      // Setting up is bounded too, by SETUP_LIMIT_MS.
      const dispatched = Date.now();
      Atomics.store(slot.startedAt, 0, 0n);
      const expire = () => {
        const started = Number(Atomics.load(slot.startedAt, 0));
        const now = Date.now();
        const left =
          started === 0 ? dispatched + SETUP_LIMIT_MS - now : started + job.deadlineMs - now;
        if (left > 0) {
          timer = setTimeout(expire, started === 0 ? Math.min(left, job.deadlineMs) : left);
          return;
        }
        stop(
          started === 0
            ? new WorkerCrashedError(`it did not get the guest running within ${SETUP_LIMIT_MS} ms`)
            : new DeadlineError(job.deadlineMs),
        );
      };
      timer = setTimeout(expire, job.deadlineMs);
      if (cpu) cpuTimer = setTimeout(checkCpu, CPU_SETUP_CHECK_MS);
      job.signal?.addEventListener('abort', onAbort, { once: true });
      slot.jobs.postMessage(msg);
      slot.jobBell.ring();
      void this.#pump(slot, id);
    });
  }

  /**
   * End every call running now, at once: their workers are stopped (and
   * replaced on demand) and the calls fail with StoppedError. Returns how
   * many were running. Calls waiting for a worker are not touched.
   */
  stopAll(reason: string): number {
    let n = 0;
    for (const slot of [...this.#slots]) {
      if (!slot.current) continue;
      n++;
      const current = slot.current;
      this.#kill(slot);
      current.settle(new StoppedError(reason));
    }
    return n;
  }

  /** Stop every worker; calls in flight fail with `closed`. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w.reject(new ClosedError());
    await Promise.all(
      [...this.#slots].map((s) => {
        s.dead = true;
        s.current?.settle(new ClosedError());
        return s.worker.terminate();
      }),
    );
    this.#slots.length = 0;
  }
}
