// What a guest asks of its host beyond tool calls (mcpkit:host's client,
// permissions and notifications), decided here: asking the client's model,
// the person using it, or which roots it shares needs the component's
// `mcp.client` policy to allow it, the server's not to forbid it, and the
// client to support it; each call may ask a bounded number of times; what
// comes back is checked before the guest sees it.

import type { GrantRequest, HostReply, HostRequest } from '@mcpkit/sandbox';
import { quote } from '@mcpkit/wasm-policy';
import {
  CreateMessageRequestParamsSchema,
  ElicitRequestFormParamsSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { canElicit, canListRoots, canSample } from './client-channel.js';
import type { CallContext } from './guest.js';
import { schemaIssues } from './guest-answer.js';
import { forgetSchema, validatorOf } from './manifest.js';
import type { CompiledMcp } from './mcp-extension/index.js';

/** Requests to the client one guest call may make. */
export const MAX_CLIENT_REQUESTS_PER_CALL = 16;
/** The longest one request to the client may take (the call's own deadline may end it sooner). */
export const CLIENT_REQUEST_TIMEOUT_MS = 120_000;

export interface GuestRequestScope {
  readonly componentId: string;
  /** The component's compiled `mcp:` section (its policy with grants). */
  readonly component: CompiledMcp | undefined;
  readonly server: CompiledMcp | undefined;
  /** The request the guest is working on. */
  readonly ctx: CallContext;
  /** Requests made to the client so far in this call. */
  readonly budget: { used: number };
  /** Ask for a grant the way the grant tools do; resolves when granted, throws saying why not. */
  requestGrant(grant: GrantRequest, reason: string): Promise<void>;
  /** Tell subscribers that one of this component's resources changed; false when it is not its own. */
  resourceUpdated(uri: string): boolean;
}

const refuse = (error: string): HostReply => ({ ok: false, error });

type Kind = 'sampling' | 'elicitation' | 'roots';

const ABLE: Record<Kind, [(c: CallContext['client']) => boolean, string]> = {
  sampling: [canSample, 'sampling'],
  elicitation: [canElicit, 'form elicitation'],
  roots: [canListRoots, 'roots'],
};

/** Why the guest may not ask the client for `kind`, or undefined when it may. */
function clientRefusal(kind: Kind, scope: GuestRequestScope): string | undefined {
  const id = quote(scope.componentId);
  if (scope.server?.client[kind] === false)
    return `the server policy does not let components ask the client for ${kind} (\`mcp.client.${kind}: false\`)`;
  if (scope.component?.client[kind] !== true)
    return `component ${id} may not ask the client for ${kind}: its policy does not say \`mcp: { client: { ${kind}: true } }\``;
  const [able, what] = ABLE[kind];
  if (!able(scope.ctx.client)) return `the client does not support ${what}, so it cannot be asked`;
  if (scope.budget.used >= MAX_CLIENT_REQUESTS_PER_CALL)
    return `a call may ask the client at most ${MAX_CLIENT_REQUESTS_PER_CALL} times`;
  return undefined;
}

function parseObject(text: string, what: string): Record<string, unknown> | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (error) {
    return `${what} is not JSON: ${(error as Error).message}`;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : `${what} must be a JSON object`;
}

const ask = (scope: GuestRequestScope, timeoutMs = CLIENT_REQUEST_TIMEOUT_MS) => ({
  timeoutMs: Math.min(timeoutMs, CLIENT_REQUEST_TIMEOUT_MS),
  ...(scope.ctx.signal ? { signal: scope.ctx.signal } : {}),
});

async function createMessage(params: string, scope: GuestRequestScope): Promise<HostReply> {
  const refused = clientRefusal('sampling', scope);
  if (refused) return refuse(refused);
  const parsed = parseObject(params, 'the sampling request');
  if (typeof parsed === 'string') return refuse(parsed);
  const checked = CreateMessageRequestParamsSchema.safeParse(parsed);
  if (!checked.success)
    return refuse(`the sampling request is not valid MCP: ${schemaIssues(checked.error)}`);
  scope.budget.used++;
  try {
    const result = await scope.ctx.client!.createMessage(checked.data, ask(scope));
    return { ok: true, value: JSON.stringify(result) };
  } catch (error) {
    return refuse(`the client did not answer the sampling request: ${(error as Error).message}`);
  }
}

async function elicit(
  message: string,
  schemaText: string,
  scope: GuestRequestScope,
  timeoutMs?: number,
): Promise<HostReply> {
  const refused = clientRefusal('elicitation', scope);
  if (refused) return refuse(refused);
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0))
    return refuse(
      `the elicitation's timeout must be a whole number of milliseconds above 0, not ${JSON.stringify(timeoutMs)}`,
    );
  const schema = parseObject(schemaText, 'the requested schema');
  if (typeof schema === 'string') return refuse(schema);
  const checked = ElicitRequestFormParamsSchema.safeParse({ message, requestedSchema: schema });
  if (!checked.success)
    return refuse(`the elicitation request is not valid MCP: ${schemaIssues(checked.error)}`);
  scope.budget.used++;
  let result: Awaited<ReturnType<NonNullable<CallContext['client']>['elicit']>>;
  try {
    result = await scope.ctx.client!.elicit(checked.data, ask(scope, timeoutMs));
  } catch (error) {
    return refuse(`the client did not answer the elicitation: ${(error as Error).message}`);
  }
  if (result.action !== 'accept' || result.content === undefined)
    return { ok: true, value: { action: result.action } };
  // The answers go to the guest only if they are what it asked for.
  const requested = checked.data.requestedSchema as object;
  try {
    const valid = validatorOf(requested);
    if (!valid(result.content))
      return refuse(
        `the answers do not match the requested schema: ${(valid.errors ?? []).map((e) => `${e.instancePath || 'the answers'} ${e.message}`).join('; ')}`,
      );
  } catch (error) {
    return refuse(`the requested schema is not a valid JSON Schema: ${(error as Error).message}`);
  } finally {
    forgetSchema(requested);
  }
  return { ok: true, value: { action: 'accept', content: JSON.stringify(result.content) } };
}

async function listRoots(scope: GuestRequestScope): Promise<HostReply> {
  const refused = clientRefusal('roots', scope);
  if (refused) return refuse(refused);
  scope.budget.used++;
  try {
    const result = await scope.ctx.client!.listRoots(ask(scope));
    return { ok: true, value: JSON.stringify({ roots: result.roots }) };
  } catch (error) {
    return refuse(`the client did not say its roots: ${(error as Error).message}`);
  }
}

/** Answer one guest request; refusals say why and leave the guest running. */
export async function answerGuestRequest(
  request: HostRequest,
  scope: GuestRequestScope,
): Promise<HostReply> {
  switch (request.kind) {
    case 'create-message':
      return createMessage(request.params, scope);
    case 'elicit':
      return elicit(request.message, request.requestedSchema, scope, request.timeoutMs);
    case 'list-roots':
      return listRoots(scope);
    case 'request-grant':
      try {
        await scope.requestGrant(request.grant, request.reason);
        return { ok: true };
      } catch (error) {
        return refuse((error as Error).message);
      }
    case 'resource-updated':
      return scope.resourceUpdated(request.uri)
        ? { ok: true }
        : refuse(
            `component ${quote(scope.componentId)} does not offer resource ${quote(request.uri)}`,
          );
    default:
      return refuse(`unknown host request ${quote((request as { kind: unknown }).kind)}`);
  }
}
