// completion/complete: suggestions for an argument of a prompt or of a
// resource template, asked of the component that offers it (under its own
// names), for clients that may see that prompt or template. A component that
// does not complete answers with no suggestions, as the protocol expects.

import { quote } from '@mcpkit/wasm-policy';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import {
  type CompleteRequest,
  type CompleteResult,
  ErrorCode,
} from '@modelcontextprotocol/sdk/types.js';
import type { CatalogSource } from './catalog-source.js';
import type { ClientIdentity } from './exposure.js';
import type { CallContext, Completion, CompletionRequest } from './guest.js';
import { guestAnswer } from './guest-answer.js';
import type { Prompts } from './prompts.js';
import { ProtocolError } from './protocol-error.js';
import type { Resources } from './resources.js';

/** The most values one answer carries (the protocol's limit). */
export const MAX_COMPLETIONS = 100;
const NONE: CompleteResult = Object.freeze({ completion: { values: [] } }) as CompleteResult;

export interface CompletionServices {
  readonly source: CatalogSource;
  readonly prompts: Prompts;
  readonly resources: Resources;
}

export async function complete(
  params: CompleteRequest['params'],
  services: CompletionServices,
  ctx: CallContext,
  client?: ClientIdentity,
): Promise<CompleteResult> {
  const { ref, argument } = params;
  const context = params.context?.arguments ?? {};
  let componentId: string;
  let request: CompletionRequest;
  if (ref.type === 'ref/prompt') {
    const p = services.prompts.find(ref.name, client);
    const names = (p.definition.arguments ?? []).map((a) => a.name);
    if (!names.includes(argument.name))
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `prompt ${quote(ref.name)} has no argument ${quote(argument.name)}`,
      );
    componentId = p.componentId;
    request = { ref: { type: 'ref/prompt', name: p.definition.name }, argument, context };
  } else {
    const t = services.resources.template(ref.uri, client);
    if (!new UriTemplate(ref.uri).variableNames.includes(argument.name))
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `resource template ${quote(ref.uri)} has no variable ${quote(argument.name)}`,
      );
    componentId = t.componentId;
    request = { ref: { type: 'ref/resource', uri: ref.uri }, argument, context };
  }
  const c = services.source.component(componentId);
  if (!c?.guest.complete || !c.guest.catalog?.completions) return NONE;
  const answer: Completion = await guestAnswer(
    () => c.guest.complete!(request, services.source.contextFor(componentId, ctx)),
    undefined,
    { failed: 'completion', what: 'suggestions', componentId },
  );
  const values = answer.values.filter((v) => typeof v === 'string').slice(0, MAX_COMPLETIONS);
  const total =
    typeof answer.total === 'number' && answer.total >= values.length ? answer.total : undefined;
  return {
    completion: {
      values,
      ...(total !== undefined ? { total } : {}),
      hasMore: answer.hasMore === true || answer.values.length > values.length,
    },
  };
}
