// A worker thread that runs guests, one call at a time. Compiled modules and
// compiled policies are kept per worker, keyed by digest, so they are sent once.

import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { PolicyDocument } from '@mcpkit/wasm-policy';
import { BridgeClient } from './bridge.js';
import { Doorbell } from './doorbell.js';
import { type HostModule, type HostModuleSource, loadHostModuleFactory } from './host-module.js';
import {
  compiledPolicyOf,
  type PreparedInstance,
  prepareInstance,
  type RunOutcome,
  type RunRequest,
} from './instance.js';

export interface WorkerRun {
  type: 'run';
  id: number;
  moduleKey: string;
  module?: WebAssembly.Module;
  policyKey: string;
  policy?: PolicyDocument;
  memoryLimit: number | undefined;
  hostModules: readonly HostModuleSource[];
  request: RunRequest;
}

export type WorkerEvent =
  | { type: 'stderr'; id: number; chunk: Uint8Array }
  | { type: 'violation'; id: number; violation: RunOutcome['violations'][number] }
  | { type: 'done'; id: number; outcome: RunOutcome }
  | { type: 'failed'; id: number; message: string };

export interface WorkerData {
  bridgePort: MessagePort;
  bridgeFlag: SharedArrayBuffer;
  cancelFlag: SharedArrayBuffer;
  /** Jobs arrive here; `jobBell` rings when one does. */
  jobPort: MessagePort;
  jobBell: SharedArrayBuffer;
  /** Events go out here; `eventBell` rings after each. */
  eventPort: MessagePort;
  eventBell: SharedArrayBuffer;
}

const data = workerData as WorkerData;
const bridge = new BridgeClient(data.bridgePort, data.bridgeFlag);
const cancel = new Int32Array(data.cancelFlag);
const modules = new Map<string, WebAssembly.Module>();
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
let spare: { key: string; prepared: PreparedInstance } | undefined;

function keyOf(msg: WorkerRun): string {
  return `${msg.moduleKey}|${msg.policyKey}|${msg.memoryLimit}|${msg.request.maxOutput}|${msg.request.component}|${JSON.stringify(msg.hostModules)}`;
}

async function prepare(msg: WorkerRun): Promise<PreparedInstance> {
  const module = modules.get(msg.moduleKey);
  const doc = policies.get(msg.policyKey);
  if (!module || !doc) throw new Error('the worker lacks the module or policy for this call');
  return prepareInstance(module, msg.request.component, msg.request.maxOutput, {
    policy: compiledPolicyOf(doc),
    hostModules: await hostModulesFor(msg.hostModules),
    memoryLimit: msg.memoryLimit,
    hostOptions: new Map(msg.hostModules.map((s) => [s.name, s.options ?? {}])),
    call: (channel, payload) => bridge.call(channel, payload),
  });
}

async function handle(msg: WorkerRun): Promise<void> {
  const { id } = msg;
  try {
    if (msg.module) modules.set(msg.moduleKey, msg.module);
    if (msg.policy) policies.set(msg.policyKey, msg.policy);
    const key = keyOf(msg);
    const prepared = spare?.key === key ? spare.prepared : await prepare(msg);
    spare = undefined;
    Atomics.store(cancel, 0, 0);
    const outcome = prepared.run(msg.request, {
      onStderr: (chunk) => emit({ type: 'stderr', id, chunk }),
      onViolation: (violation) => emit({ type: 'violation', id, violation }),
      cancelled: () => Atomics.load(cancel, 0) !== 0,
    });
    emit(
      { type: 'done', id, outcome },
      [outcome.stdout.buffer, outcome.stderr.buffer].filter(
        (b, i, a) => a.indexOf(b) === i,
      ) as ArrayBuffer[],
    );
    // The next call like this one finds its instance ready.
    spare = { key, prepared: await prepare(msg) };
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
