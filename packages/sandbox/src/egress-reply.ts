// An HTTP request a guest makes from a worker, answered by the egress service
// on the embedder's thread: the answer as it crosses the bridge (plain data),
// and the typed error rebuilt on the worker's side.

import type { BridgeHandler } from './bridge.js';
import {
  type EgressOptions,
  type EgressRequest,
  type EgressResponse,
  EgressService,
} from './egress.js';
import { EgressError, type EgressErrorCode } from './egress-error.js';

/** The embedder's answer to an HTTP request, as it crosses the bridge. */
export type HttpReply =
  | { ok: true; response: EgressResponse }
  | { ok: false; code: EgressErrorCode; message: string; url: string };

/** Make the request; a refusal or failure is an answer too, never a throw. */
export async function fetchReply(
  egress: EgressService,
  request: EgressRequest,
  signal: AbortSignal | undefined,
): Promise<HttpReply> {
  try {
    return { ok: true, response: await egress.fetch(request, signal) };
  } catch (error) {
    if (error instanceof EgressError)
      return { ok: false, code: error.code, message: error.message, url: error.url };
    return {
      ok: false,
      code: 'protocol',
      message: (error as Error)?.message ?? String(error),
      url: request.url,
    };
  }
}

/** Rebuild the typed error the WASI host maps to a wasi:http error code. */
export function httpResult(reply: HttpReply): EgressResponse {
  if (reply.ok) return reply.response;
  throw new EgressError(reply.code, reply.message, reply.url);
}

/** A bridge handler answering a guest's HTTP requests with a new egress service over `options`. */
export function httpHandler(
  options: EgressOptions,
  signal: AbortSignal | undefined,
): BridgeHandler {
  const egress = new EgressService(options);
  return (payload) => fetchReply(egress, payload as EgressRequest, signal);
}
