// A worker thread that runs guests, one call at a time. Compiled modules and
// compiled policies are kept per worker, keyed by digest, so they are sent once.

import { parentPort, workerData } from 'node:worker_threads';
import type { PolicyDocument } from '@mcpkit/wasm-policy';
import { BridgeClient } from './bridge.js';
import { type HostModule, type HostModuleSource, loadHostModuleFactory } from './host-module.js';
import { compiledPolicyOf, type RunOutcome, type RunRequest, runInstance } from './instance.js';

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

const data = workerData as {
  bridgePort: import('node:worker_threads').MessagePort;
  bridgeFlag: SharedArrayBuffer;
  cancelFlag: SharedArrayBuffer;
};
const bridge = new BridgeClient(data.bridgePort, data.bridgeFlag);
const cancel = new Int32Array(data.cancelFlag);
const modules = new Map<string, WebAssembly.Module>();
const policies = new Map<string, PolicyDocument>();
const port = parentPort!;

async function hostModulesFor(sources: readonly HostModuleSource[]): Promise<HostModule[]> {
  return Promise.all(
    sources.map(async (s) => (await loadHostModuleFactory(s.url))(s.options ?? {})),
  );
}

port.on('message', async (msg: WorkerRun) => {
  if (msg.type !== 'run') return;
  const { id } = msg;
  try {
    if (msg.module) modules.set(msg.moduleKey, msg.module);
    if (msg.policy) policies.set(msg.policyKey, msg.policy);
    const module = modules.get(msg.moduleKey);
    const doc = policies.get(msg.policyKey);
    if (!module || !doc) throw new Error('the worker lacks the module or policy for this call');
    const hostModules = await hostModulesFor(msg.hostModules);
    Atomics.store(cancel, 0, 0);
    const outcome = runInstance(module, msg.request, {
      policy: compiledPolicyOf(doc),
      hostModules,
      memoryLimit: msg.memoryLimit,
      hostOptions: new Map(msg.hostModules.map((s) => [s.name, s.options ?? {}])),
      onStderr: (chunk) => port.postMessage({ type: 'stderr', id, chunk } satisfies WorkerEvent),
      onViolation: (violation) =>
        port.postMessage({ type: 'violation', id, violation } satisfies WorkerEvent),
      cancelled: () => Atomics.load(cancel, 0) !== 0,
      call: (channel, payload) => bridge.call(channel, payload),
    });
    port.postMessage(
      { type: 'done', id, outcome } satisfies WorkerEvent,
      [outcome.stdout.buffer, outcome.stderr.buffer].filter(
        (b, i, a) => a.indexOf(b) === i,
      ) as ArrayBuffer[],
    );
  } catch (error) {
    port.postMessage({
      type: 'failed',
      id,
      message: (error as Error)?.message ?? String(error),
    } satisfies WorkerEvent);
  }
});
