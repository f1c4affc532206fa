// Synchronous calls from a guest's worker thread to the embedder's async
// handlers on the main thread. The worker posts a request and sleeps on a
// shared flag; the main thread answers on the port and wakes it. Only the
// guest waits; the main event loop never blocks.

import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

export interface BridgeRequest {
  channel: string;
  payload: unknown;
}

export type BridgeReply = { ok: true; value: unknown } | { ok: false; error: string };

/** Worker side. */
export class BridgeClient {
  readonly #flag: Int32Array;
  constructor(
    readonly port: MessagePort,
    flag: SharedArrayBuffer,
  ) {
    this.#flag = new Int32Array(flag);
  }

  call(channel: string, payload: unknown): unknown {
    Atomics.store(this.#flag, 0, 0);
    this.port.postMessage({ channel, payload } satisfies BridgeRequest);
    for (;;) {
      Atomics.wait(this.#flag, 0, 0, 1000);
      const got = receiveMessageOnPort(this.port);
      if (got) {
        const reply = got.message as BridgeReply;
        if (reply.ok) return reply.value;
        throw new Error(reply.error);
      }
    }
  }
}

export type BridgeHandler = (payload: unknown) => unknown | Promise<unknown>;

/** Main-thread side: answer each request with the named handler. */
export function serveBridge(
  port: MessagePort,
  flag: SharedArrayBuffer,
  handlers: () => ReadonlyMap<string, BridgeHandler>,
): void {
  const signal = new Int32Array(flag);
  port.on('message', async (request: BridgeRequest) => {
    let reply: BridgeReply;
    try {
      const handler = handlers().get(request.channel);
      if (!handler) throw new Error(`no handler for host call \`${request.channel}\``);
      reply = { ok: true, value: await handler(request.payload) };
    } catch (error) {
      reply = { ok: false, error: (error as Error)?.message ?? String(error) };
    }
    try {
      port.postMessage(reply);
    } catch (error) {
      port.postMessage({
        ok: false,
        error: `the reply could not be sent: ${(error as Error).message}`,
      } satisfies BridgeReply);
    }
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
}
