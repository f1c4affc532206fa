// Resources as clients see them, by URI: each component's resources and
// resource templates. A URI (or template) another component already offers
// stays with that one; the newcomer's is left out and reported. A read finds
// its resource exactly, else the first template (in load order) that matches.

import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Resource, ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import type { GuestCatalog } from './catalog.js';
import type { ResourceMatch } from './guest.js';

export interface IndexedResource {
  readonly componentId: string;
  readonly definition: Resource;
}

export interface IndexedTemplate {
  readonly componentId: string;
  readonly definition: ResourceTemplate;
  readonly template: UriTemplate;
}

export interface ResolvedResource {
  readonly componentId: string;
  readonly match: ResourceMatch;
}

export class ResourceIndex {
  readonly #resources = new Map<string, IndexedResource>();
  #templates: IndexedTemplate[] = [];

  /**
   * Index a component's resources and templates, replacing those it had;
   * returns the URIs and templates left out because another component offers them.
   */
  set(componentId: string, catalog: GuestCatalog): string[] {
    this.remove(componentId);
    const conflicts: string[] = [];
    for (const definition of catalog.resources) {
      if (this.#resources.has(definition.uri)) conflicts.push(definition.uri);
      else this.#resources.set(definition.uri, { componentId, definition });
    }
    for (const definition of catalog.resourceTemplates) {
      if (this.#templates.some((t) => t.definition.uriTemplate === definition.uriTemplate))
        conflicts.push(definition.uriTemplate);
      else
        this.#templates.push({
          componentId,
          definition,
          template: new UriTemplate(definition.uriTemplate),
        });
    }
    return conflicts;
  }

  remove(componentId: string): void {
    for (const [uri, r] of this.#resources)
      if (r.componentId === componentId) this.#resources.delete(uri);
    this.#templates = this.#templates.filter((t) => t.componentId !== componentId);
  }

  resources(): IndexedResource[] {
    return [...this.#resources.values()];
  }

  templates(): IndexedTemplate[] {
    return [...this.#templates];
  }

  /** Which component serves `uri`, and how. */
  resolve(uri: string): ResolvedResource | undefined {
    const own = this.#resources.get(uri);
    if (own) return { componentId: own.componentId, match: { resource: own.definition } };
    for (const t of this.#templates) {
      let vars: ReturnType<UriTemplate['match']>;
      try {
        vars = t.template.match(uri);
      } catch {
        vars = null;
      }
      if (!vars) continue;
      const variables: Record<string, string> = {};
      for (const [k, v] of Object.entries(vars)) variables[k] = Array.isArray(v) ? v.join(',') : v;
      return { componentId: t.componentId, match: { template: t.definition, variables } };
    }
    return undefined;
  }
}
