// Work that takes the main thread too long (jco's compiler, metering a large
// module) runs once on a thread of its own, so the server goes on answering
// meanwhile. The worker posts one message, `{ value }` or `{ error }`.

import { Worker } from 'node:worker_threads';

export type OneShotMessage<T> = { value: T } | { error: string };

/** Run the worker at `url` with `data` and settle with the value it posts. */
export function oneShot<T>(url: URL, data: unknown, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, {
      workerData: data,
      // Nothing it prints may reach the server's stdout (the MCP transport).
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    worker.once('message', (m: OneShotMessage<T>) => {
      settled = true;
      if ('value' in m) resolve(m.value);
      else reject(new Error(m.error));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`${what} stopped (exit code ${code})`));
    });
  });
}
