// Whether clients may see and use one prompt or resource. The client's role
// (its policy file's `mcp.prompts` / `mcp.resources`; a role without the
// section sees none), the server's rules and the offering component's own
// must all allow it; a server or component policy without the section allows
// everything. Every prompt and resource decision goes through `exposure`.

import { compilePolicy, quote } from '@mcpkit/wasm-policy';
import type { Role } from './access/roles.js';
import type { CompiledMcp, Operation } from './mcp-extension/index.js';
import { serverRegistry } from './policies.js';

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

/** Who is asking: the role of the client (undefined: the operator). */
export type ClientIdentity = Role;

/** Each role's compiled `mcp:` section, made once. */
const roleMcp = new WeakMap<Role, CompiledMcp | undefined>();

function mcpOf(role: Role): CompiledMcp | undefined {
  if (!roleMcp.has(role)) {
    const policy = role.policy;
    roleMcp.set(
      role,
      policy?.extensions.mcp
        ? compilePolicy(policy, { registry: serverRegistry() }).extension<CompiledMcp>('mcp')
        : undefined,
    );
  }
  return roleMcp.get(role);
}

const ALLOWED: Exposure = Object.freeze({ allowed: true });

export function exposure(offer: Offer, policies: OfferPolicies, client?: ClientIdentity): Exposure {
  const { server, component, componentId } = policies;
  // Server rules see the name clients use; the component's own rules, its own name.
  const decide = (mcp: CompiledMcp | undefined, own: boolean) =>
    offer.kind === 'prompt'
      ? mcp?.prompts?.decide(own ? offer.own : offer.name, offer.args)
      : mcp?.resources?.decide(offer.uri, offer.operation);
  if (client && !client.everything) {
    const section = offer.kind === 'prompt' ? 'prompts' : 'resources';
    const mcp = mcpOf(client);
    if (!mcp?.[section])
      return {
        allowed: false,
        reason: `role ${quote(client.name)} has no \`mcp.${section}\` rules, so it sees no ${offer.kind}`,
      };
    const r = decide(mcp, false);
    if (r && !r.allowed)
      return { allowed: false, reason: `role ${quote(client.name)} may not use it: ${r.reason}` };
  }
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
