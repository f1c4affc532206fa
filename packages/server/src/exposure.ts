// Whether clients may see and use one prompt or resource. Both the server's
// `mcp.prompts` / `mcp.resources` rules and the offering component's own must
// allow it; a section a policy does not have allows everything. Every prompt
// and resource decision goes through `exposure`, so that who the client is can
// narrow it in one place.

import { quote } from '@mcpkit/wasm-policy';
import type { CompiledMcp, Operation } from './mcp-extension/index.js';

export type Exposure =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string };

export type Offer =
  | {
      readonly kind: 'prompt';
      /** The name clients use. */
      readonly name: string;
      /** The component's own name for it (its policy speaks of that one). */
      readonly own: string;
      /** For prompts/get: the arguments, checked against `max_length`. */
      readonly args?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'resource'; readonly uri: string; readonly operation: Operation };

export interface OfferPolicies {
  readonly componentId: string;
  readonly server: CompiledMcp | undefined;
  readonly component: CompiledMcp | undefined;
}

/**
 * Who is asking. Every client is alike for now; an authenticated client's
 * identity and role belong here.
 */
export type ClientIdentity = Readonly<Record<string, never>>;

const ALLOWED: Exposure = Object.freeze({ allowed: true });

export function exposure(
  offer: Offer,
  policies: OfferPolicies,
  _client?: ClientIdentity,
): Exposure {
  const { server, component, componentId } = policies;
  // Server rules see the name clients use; the component's own rules, its own name.
  const decide = (mcp: CompiledMcp | undefined, own: boolean) =>
    offer.kind === 'prompt'
      ? mcp?.prompts?.decide(own ? offer.own : offer.name, offer.args)
      : mcp?.resources?.decide(offer.uri, offer.operation);
  const s = decide(server, false);
  if (s && !s.allowed)
    return { allowed: false, reason: `the server policy does not allow it: ${s.reason}` };
  const c = decide(component, true);
  if (c && !c.allowed)
    return {
      allowed: false,
      reason: `the policy of component ${quote(componentId)} does not allow it: ${c.reason}`,
    };
  return ALLOWED;
}
