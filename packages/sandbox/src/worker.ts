// A worker thread that runs guests, one call at a time. Compiled modules and
// compiled policies are kept per worker, keyed by digest, so they are sent once.

import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { PolicyDocument } from '@mcpkit/wasm-policy';
import { BridgeClient } from './bridge.js';
import type {
  ComponentCallRequest,
  ComponentHooks,
  HostReply,
  HttpReply,
  Instantiate,
  PreparedComponent,
} from './component/instance.js';
import { currentThreadId, threadCpuClock } from './cpu-clock.js';
import { Doorbell } from './doorbell.js';
import { type HostModule, type HostModuleSource, loadHostModuleFactory } from './host-module.js';
import {
  compiledPolicyOf,
  type PreparedInstance,
  prepareInstance,
  type RunOutcome,
  type RunRequest,
} from './instance.js';

/** What a worker runs: a core module, or a transpiled component. */
export type GuestCode =
  | { kind: 'module'; module: WebAssembly.Module }
  | {
      kind: 'component';
      glue: string;
      cores: ReadonlyMap<string, WebAssembly.Module>;
      /** Memories each core module defines, where any does. */
      memories: ReadonlyMap<string, number>;
    };

interface JobBase {
  id: number;
  /** Identifies `code` (content digest and memory cap); the code is sent once per worker. */
  codeKey: string;
  code?: GuestCode;
  policyKey: string;
  policy?: PolicyDocument;
  memoryLimit: number | undefined;
  /** Measure the CPU time of the call (it has a CPU limit). */
  measureCpu: boolean;
}

export type WorkerRun =
  | (JobBase & {
      type: 'run';
      hostModules: readonly HostModuleSource[];
      request: RunRequest;
    })
  | (JobBase & {
      type: 'call';
      /** Which host calls the embedder answers (others are refused in the worker). */
      host: { http: boolean; callTool: boolean; requests: boolean };
      request: ComponentCallRequest;
    });

export type WorkerEvent =
  | { type: 'stderr'; id: number; chunk: Uint8Array }
  | { type: 'violation'; id: number; violation: RunOutcome['violations'][number] }
  | { type: 'log'; id: number; level: string; message: string }
  | { type: 'progress'; id: number; progress: number; total?: number; message?: string }
  | { type: 'done'; id: number; outcome: RunOutcome & { value?: unknown } }
  | { type: 'failed'; id: number; message: string };

export interface WorkerData {
  bridgePort: MessagePort;
  bridgeFlag: SharedArrayBuffer;
  cancelFlag: SharedArrayBuffer;
  /**
   * Int32 [0]: non-zero while the worker makes the instance for its next
   * call; Int32 [1]: the worker's thread id in the kernel once it runs, 0
   * where its CPU clock cannot be read (see cpu-clock.ts); BigInt64 [1]: when
   * the guest of the current call started running (ms since the epoch; 0
   * until then), for the deadline; BigInt64 [2]: the thread's CPU clock
   * (ns) then, for CPU limits.
   */
  stateBuffer: SharedArrayBuffer;
  /** Jobs arrive here; `jobBell` rings when one does. */
  jobPort: MessagePort;
  jobBell: SharedArrayBuffer;
  /** Events go out here; `eventBell` rings after each. */
  eventPort: MessagePort;
  eventBell: SharedArrayBuffer;
}

const data = workerData as WorkerData;
// jco's glue logs every call to the console when this is set.
delete process.env.JCO_DEBUG;
// Nothing a worker prints goes anywhere (see the pool).
for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((_chunk: unknown, ...rest: unknown[]) => {
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}
const bridge = new BridgeClient(data.bridgePort, data.bridgeFlag);
const cancel = new Int32Array(data.cancelFlag);
const preparing = new Int32Array(data.stateBuffer, 0, 1);
const startedAt = new BigInt64Array(data.stateBuffer, 8, 1);
const cpuAtStart = new BigInt64Array(data.stateBuffer, 16, 1);
const cpuClock = threadCpuClock(currentThreadId());
Atomics.store(new Int32Array(data.stateBuffer, 4, 1), 0, cpuClock?.tid ?? 0);

/** This thread's CPU time in ns; where it cannot be read, wall-clock time (an upper bound). */
function cpuNowNs(): number {
  return cpuClock?.read() ?? performance.now() * 1e6;
}

/**
 * The guest starts now: the call's deadline (and CPU time) counts from here,
 * not from setting up. Returns the CPU clock then, when the call measures it.
 */
function starting(measureCpu: boolean): number | undefined {
  let cpu: number | undefined;
  if (measureCpu) {
    cpu = cpuNowNs();
    Atomics.store(cpuAtStart, 0, BigInt(Math.round(cpu)));
  }
  Atomics.store(startedAt, 0, BigInt(Date.now()));
  return cpu;
}

/** The outcome with the CPU time since `cpu0`, when measured. */
function withCpu<T extends RunOutcome>(outcome: T, cpu0: number | undefined): T {
  if (cpu0 !== undefined) outcome.cpuMs = Math.max(0, (cpuNowNs() - cpu0) / 1e6);
  return outcome;
}

/** Make the spare instance, flagged so the pool prefers other idle workers meanwhile. */
async function prepareSpare<T>(make: () => Promise<T>): Promise<T> {
  Atomics.store(preparing, 0, 1);
  try {
    return await make();
  } finally {
    Atomics.store(preparing, 0, 0);
  }
}
const codes = new Map<string, GuestCode>();
const policies = new Map<string, PolicyDocument>();
const jobBell = new Doorbell(data.jobBell);
const eventBell = new Doorbell(data.eventBell);

function emit(event: WorkerEvent, transfer: ArrayBuffer[] = []): void {
  data.eventPort.postMessage(event, transfer);
  eventBell.ring();
}

const hostModuleLists = new Map<string, Promise<HostModule[]>>();

function hostModulesFor(sources: readonly HostModuleSource[]): Promise<HostModule[]> {
  const key = JSON.stringify(sources);
  let list = hostModuleLists.get(key);
  if (!list) {
    list = Promise.all(
      sources.map(async (s) => (await loadHostModuleFactory(s.url))(s.options ?? {})),
    );
    hostModuleLists.set(key, list);
  }
  return list;
}

/**
 * One instance made ahead for the next call like the last one: instantiation
 * happens while the worker would be idle, not while a client waits. Each call
 * still gets an instance nothing has run in.
 */
let spare: { key: string; prepared: PreparedInstance | PreparedComponent } | undefined;

function keyOf(msg: WorkerRun): string {
  const common = `${msg.type}|${msg.codeKey}|${msg.policyKey}|${msg.memoryLimit}|${msg.request.maxOutput}|${msg.request.component}`;
  return msg.type === 'run'
    ? `${common}|${JSON.stringify(msg.hostModules)}`
    : `${common}|${JSON.stringify(msg.request.env)}`;
}

function codeAndPolicy(msg: WorkerRun): { code: GuestCode; doc: PolicyDocument } {
  const code = codes.get(msg.codeKey);
  const doc = policies.get(msg.policyKey);
  if (!code || !doc) throw new Error('the worker lacks the code or policy for this call');
  return { code, doc };
}

async function prepareRun(msg: Extract<WorkerRun, { type: 'run' }>): Promise<PreparedInstance> {
  const { code, doc } = codeAndPolicy(msg);
  if (code.kind !== 'module') throw new Error('a component cannot be run as a command');
  return prepareInstance(code.module, msg.request.component, msg.request.maxOutput, {
    policy: compiledPolicyOf(doc),
    hostModules: await hostModulesFor(msg.hostModules),
    memoryLimit: msg.memoryLimit,
    hostOptions: new Map(msg.hostModules.map((s) => [s.name, s.options ?? {}])),
    call: (channel, payload) => bridge.call(channel, payload),
  });
}

/** Each component's glue is imported once per worker. */
const glues = new Map<string, Promise<Instantiate>>();

/** The component runtime (WASI 0.2 and all) loads with the first component call, not at start. */
let componentRuntime: Promise<typeof import('./component/instance.js')> | undefined;
const components = () => (componentRuntime ??= import('./component/instance.js'));

async function prepareCall(msg: Extract<WorkerRun, { type: 'call' }>): Promise<PreparedComponent> {
  const { code, doc } = codeAndPolicy(msg);
  if (code.kind !== 'component') throw new Error('a core module has no exports to call');
  let glue = glues.get(code.glue);
  if (!glue) {
    glue = import(code.glue).then((m: { instantiate: Instantiate }) => m.instantiate);
    glues.set(code.glue, glue);
  }
  const { prepareComponent } = await components();
  return prepareComponent(
    msg.request.component,
    {
      instantiate: await glue,
      cores: code.cores,
      memories: code.memories,
      policy: compiledPolicyOf(doc),
      memoryLimit: msg.memoryLimit,
    },
    { env: msg.request.env, maxOutput: msg.request.maxOutput },
  );
}

function take(msg: WorkerRun): void {
  if (msg.code) codes.set(msg.codeKey, msg.code);
  if (msg.policy) policies.set(msg.policyKey, msg.policy);
}

function done(id: number, outcome: RunOutcome): void {
  emit(
    { type: 'done', id, outcome },
    [outcome.stdout.buffer, outcome.stderr.buffer].filter(
      (b, i, a) => a.indexOf(b) === i,
    ) as ArrayBuffer[],
  );
}

async function handle(msg: WorkerRun): Promise<void> {
  const { id } = msg;
  try {
    take(msg);
    const key = keyOf(msg);
    const ready = spare?.key === key ? spare.prepared : undefined;
    spare = undefined;
    const cancelled = () => Atomics.load(cancel, 0) !== 0;
    const onStderr = (chunk: Uint8Array) => emit({ type: 'stderr', id, chunk });
    const onViolation = (violation: RunOutcome['violations'][number]) =>
      emit({ type: 'violation', id, violation });
    Atomics.store(cancel, 0, 0);
    if (msg.type === 'run') {
      const prepared = (ready as PreparedInstance | undefined) ?? (await prepareRun(msg));
      const cpu0 = starting(msg.measureCpu);
      const plugin = msg.request.plugin
        ? {
            log: (level: string, message: string) => emit({ type: 'log', id, level, message }),
            progress: (progress: number, total?: number, message?: string) =>
              emit({
                type: 'progress',
                id,
                progress,
                ...(total !== undefined ? { total } : {}),
                ...(message !== undefined ? { message } : {}),
              }),
          }
        : undefined;
      done(
        id,
        withCpu(prepared.run(msg.request, { onStderr, onViolation, cancelled, plugin }), cpu0),
      );
      // The next call like this one finds its instance ready.
      spare = { key, prepared: await prepareSpare(() => prepareRun(msg)) };
    } else {
      const prepared = (ready as PreparedComponent | undefined) ?? (await prepareCall(msg));
      const { COMPONENT_CHANNELS, httpResult } = await components();
      const hooks: ComponentHooks = {
        onStderr,
        onViolation,
        cancelled,
        log: (level, message) => emit({ type: 'log', id, level, message }),
        progress: (progress, total, message) =>
          emit({
            type: 'progress',
            id,
            progress,
            ...(total !== undefined ? { total } : {}),
            ...(message !== undefined ? { message } : {}),
          }),
        ...(msg.host.http
          ? {
              http: (request) =>
                httpResult(bridge.call(COMPONENT_CHANNELS.http, request) as HttpReply),
            }
          : {}),
        ...(msg.host.callTool
          ? {
              callTool: (name, args) =>
                bridge.call(COMPONENT_CHANNELS.callTool, { name, args }) as {
                  ok: boolean;
                  value: string;
                },
            }
          : {}),
        ...(msg.host.requests
          ? {
              request: (request) => bridge.call(COMPONENT_CHANNELS.host, request) as HostReply,
            }
          : {}),
      };
      const cpu0 = starting(msg.measureCpu);
      done(id, withCpu(prepared.call(msg.request, hooks), cpu0));
      spare = { key, prepared: await prepareSpare(() => prepareCall(msg)) };
    }
  } catch (error) {
    emit({ type: 'failed', id, message: (error as Error)?.message ?? String(error) });
  }
}

/**
 * Sleep on the job bell, run what arrives, repeat. The bounded wait lets the
 * event loop turn now and then; awaiting inside `handle` (module loading)
 * does too.
 */
async function serve(): Promise<void> {
  for (;;) {
    // No spinning here: on a machine with few cores a spinning worker takes
    // the core the client needs to send the next call.
    if (!jobBell.waitSync(200)) {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    for (
      let got = receiveMessageOnPort(data.jobPort);
      got;
      got = receiveMessageOnPort(data.jobPort)
    ) {
      await handle(got.message as WorkerRun);
    }
  }
}

void serve();
