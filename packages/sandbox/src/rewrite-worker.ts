// Rewrites the module it is given, off the main thread, and posts back the
// result: a metered copy (meter.ts) or a guarded one (grow-guard.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { guardGrowth } from './grow-guard.js';
import { meter } from './meter.js';
import type { OneShotMessage } from './one-shot-worker.js';

export type RewriteJob =
  | { kind: 'meter'; bytes: Uint8Array; budget: number }
  | { kind: 'guard'; bytes: Uint8Array };

const job = workerData as RewriteJob;
let message: OneShotMessage<unknown>;
try {
  message = { value: job.kind === 'meter' ? meter(job.bytes, job.budget) : guardGrowth(job.bytes) };
} catch (error) {
  message = { error: (error as Error)?.message ?? String(error) };
}
parentPort!.postMessage(message);
