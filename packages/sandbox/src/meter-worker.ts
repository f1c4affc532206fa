// Meters the module it is given (see meter.ts) and posts back the result.

import { parentPort, workerData } from 'node:worker_threads';
import { meter } from './meter.js';
import type { OneShotMessage } from './one-shot-worker.js';

const { bytes, budget } = workerData as { bytes: Uint8Array; budget: number };
let message: OneShotMessage<ReturnType<typeof meter>>;
try {
  message = { value: meter(bytes, budget) };
} catch (error) {
  message = { error: (error as Error)?.message ?? String(error) };
}
parentPort!.postMessage(message);
