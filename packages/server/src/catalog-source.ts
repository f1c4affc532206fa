// What the prompt, resource and completion services read from the server:
// the components loaded now and the policies that decide what clients see.

import type { LoadedComponent } from './components.js';
import type { OfferPolicies } from './exposure.js';

export interface CatalogSource {
  /** The components serving now. */
  components(): readonly LoadedComponent[];
  component(id: string): LoadedComponent | undefined;
  /** The server's and the component's compiled `mcp:` sections. */
  policies(componentId: string): OfferPolicies;
  /** Something worth telling the operator about a component's offer. */
  notice(componentId: string, message: string): void;
}
