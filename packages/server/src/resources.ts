// resources/list, resources/templates/list, resources/read and the checks
// behind subscriptions, over every component's resources: each URI decided by
// the server's and the component's `mcp.resources` rules for the operation
// (`list`, `read`, `subscribe`) in the same way tool calls are decided, and
// what a guest returns checked (MCP's schema, and every URI in it readable)
// before it reaches the client.

import { quote } from '@mcpkit/wasm-policy';
import {
  ErrorCode,
  type ReadResourceResult,
  ReadResourceResultSchema,
  type Resource,
  type ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import { uriProblem } from './catalog.js';
import type { CatalogSource } from './catalog-source.js';
import { type ClientIdentity, type Exposure, exposure } from './exposure.js';
import type { CallContext } from './guest.js';
import { guestAnswer } from './guest-answer.js';
import type { Operation } from './mcp-extension/index.js';
import { ProtocolError } from './protocol-error.js';
import { type ResolvedResource, ResourceIndex } from './resource-index.js';

/** JSON-RPC code the MCP specification gives an unknown resource. */
export const RESOURCE_NOT_FOUND = -32002;

export class Resources {
  readonly #index = new ResourceIndex();
  readonly #source: CatalogSource;

  constructor(source: CatalogSource) {
    this.#source = source;
  }

  /** Index the resources and templates of the components loaded now. */
  reindex(): void {
    const live = new Set(this.#source.components().map((c) => c.meta.id));
    for (const r of this.#index.resources())
      if (!live.has(r.componentId)) this.#index.remove(r.componentId);
    for (const t of this.#index.templates())
      if (!live.has(t.componentId)) this.#index.remove(t.componentId);
    for (const c of this.#source.components()) {
      const catalog = c.guest.catalog;
      if (!catalog) {
        this.#index.remove(c.meta.id);
        continue;
      }
      for (const taken of this.#index.set(c.meta.id, catalog))
        this.#source.notice(
          c.meta.id,
          `resource ${quote(taken)} is not offered: another component already offers it`,
        );
    }
  }

  #decide(
    componentId: string,
    uri: string,
    operation: Operation,
    client?: ClientIdentity,
  ): Exposure {
    return exposure(
      { kind: 'resource', uri, operation },
      this.#source.policies(componentId),
      client,
    );
  }

  list(client?: ClientIdentity): Resource[] {
    return this.#index
      .resources()
      .filter((r) => this.#decide(r.componentId, r.definition.uri, 'list', client).allowed)
      .map((r) => r.definition);
  }

  /** Templates whose text (`file:///logs/{day}`) the `list` rules allow. */
  listTemplates(client?: ClientIdentity): ResourceTemplate[] {
    return this.#index
      .templates()
      .filter((t) => this.#decide(t.componentId, t.definition.uriTemplate, 'list', client).allowed)
      .map((t) => t.definition);
  }

  /** The component and match serving `uri` for `operation`; throws when there is none or it is refused. */
  resolve(uri: string, operation: Operation, client?: ClientIdentity): ResolvedResource {
    const problem = uriProblem(uri);
    if (problem)
      throw new ProtocolError(ErrorCode.InvalidParams, `the uri ${quote(uri)} ${problem}`);
    const found = this.#index.resolve(uri);
    if (!found)
      throw new ProtocolError(
        RESOURCE_NOT_FOUND,
        `no loaded component offers resource ${quote(uri)}`,
      );
    const d = this.#decide(found.componentId, uri, operation, client);
    if (!d.allowed)
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `${operation} of resource ${quote(uri)} is not allowed: ${d.reason}`,
      );
    return found;
  }

  /** The component serving `uri` now, whatever the policies say. */
  owner(uri: string): string | undefined {
    return this.#index.resolve(uri)?.componentId;
  }

  /** A template this client may see, by its text. */
  template(
    uriTemplate: string,
    client?: ClientIdentity,
  ): { componentId: string; definition: ResourceTemplate } {
    const t = this.#index.templates().find((x) => x.definition.uriTemplate === uriTemplate);
    if (!t || !this.#decide(t.componentId, uriTemplate, 'list', client).allowed)
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `no resource template ${quote(uriTemplate)} is offered`,
      );
    return t;
  }

  async read(uri: string, ctx: CallContext, client?: ClientIdentity): Promise<ReadResourceResult> {
    const found = this.resolve(uri, 'read', client);
    const c = this.#source.component(found.componentId);
    if (!c?.guest.readResource)
      throw new ProtocolError(
        ErrorCode.InternalError,
        `the component of resource ${quote(uri)} is no longer loaded`,
      );
    const result = await guestAnswer(
      () =>
        c.guest.readResource!(uri, found.match, this.#source.contextFor(found.componentId, ctx)),
      ReadResourceResultSchema,
      { failed: `reading ${quote(uri)}`, what: 'contents', componentId: found.componentId },
    );
    // A guest may return more than the URI asked for; each one must be readable too.
    for (const content of result.contents) {
      if (content.uri === uri) continue;
      const d = uriProblem(content.uri)
        ? { allowed: false as const, reason: 'it is not a valid URI' }
        : this.#decide(found.componentId, content.uri, 'read', client);
      if (!d.allowed)
        throw new ProtocolError(
          ErrorCode.InternalError,
          `reading ${quote(uri)} returned contents of ${quote(content.uri)}, which may not be read: ${d.reason}`,
        );
    }
    return result;
  }
}
