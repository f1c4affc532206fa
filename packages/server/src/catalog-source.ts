// What the prompt, resource and completion services read from the server:
// the components loaded now and the policies that decide what clients see.

import type { LoadedComponent } from './components.js';
import type { OfferPolicies } from './exposure.js';
import type { CallContext } from './guest.js';

export interface CatalogSource {
  /** The components serving now. */
  components(): readonly LoadedComponent[];
  component(id: string): LoadedComponent | undefined;
  /** The server's and the component's compiled `mcp:` sections. */
  policies(componentId: string): OfferPolicies;
  /** Something worth telling the operator about a component's offer. */
  notice(componentId: string, message: string): void;
  /** `ctx` as the component's guest sees it (its requests to the host decided for it). */
  contextFor(componentId: string, ctx: CallContext): CallContext;
}
