// The client behind the request being handled, as the server's features see
// it: what it said it can do, and requests to it that travel with that
// request (on HTTP, the same response stream), each with a deadline.

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type ClientCapabilities,
  type CreateMessageRequestParams,
  type CreateMessageResult,
  CreateMessageResultSchema,
  type ElicitRequestFormParams,
  type ElicitResult,
  ElicitResultSchema,
  type ListRootsResult,
  ListRootsResultSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';

export interface AskOptions {
  /** Give up (and refuse) after this long. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export interface ClientChannel {
  /** What the client said it supports when it connected (undefined before that). */
  readonly capabilities: ClientCapabilities | undefined;
  /** `elicitation/create` in form mode. */
  elicit(params: ElicitRequestFormParams, options: AskOptions): Promise<ElicitResult>;
  /** `sampling/createMessage`. */
  createMessage(
    params: CreateMessageRequestParams,
    options: AskOptions,
  ): Promise<CreateMessageResult>;
  /** `roots/list`. */
  listRoots(options: AskOptions): Promise<ListRootsResult>;
}

export type HandlerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export function clientChannel(server: Server, extra: HandlerExtra): ClientChannel {
  const opts = (o: AskOptions) => ({
    timeout: o.timeoutMs,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return {
    get capabilities() {
      return server.getClientCapabilities();
    },
    elicit: (params, o) =>
      extra.sendRequest(
        { method: 'elicitation/create', params: { ...params, mode: 'form' } },
        ElicitResultSchema,
        opts(o),
      ),
    createMessage: (params, o) =>
      extra.sendRequest(
        { method: 'sampling/createMessage', params },
        CreateMessageResultSchema,
        opts(o),
      ),
    listRoots: (o) => extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema, opts(o)),
  };
}

/** The client can answer form elicitations. */
export function canElicit(channel: ClientChannel | undefined): boolean {
  return channel?.capabilities?.elicitation?.form !== undefined;
}

/** The client can say which roots it has shared. */
export function canListRoots(channel: ClientChannel | undefined): boolean {
  return channel?.capabilities?.roots !== undefined;
}

/** The client can answer sampling requests. */
export function canSample(channel: ClientChannel | undefined): boolean {
  return channel?.capabilities?.sampling !== undefined;
}
