// prompts/list and prompts/get over every component's prompts: names as
// clients see them (renamed on a clash, as tools are), each listing and get
// decided by the server's and the component's `mcp.prompts` rules, the
// arguments checked against the prompt's declaration, and what the guest
// returns checked against MCP's schema before it reaches the client.

import { quote } from '@mcpkit/wasm-policy';
import {
  ErrorCode,
  type GetPromptResult,
  GetPromptResultSchema,
  type Prompt,
} from '@modelcontextprotocol/sdk/types.js';
import { PROMPT_NAME } from './catalog.js';
import type { CatalogSource } from './catalog-source.js';
import { type ClientIdentity, exposure } from './exposure.js';
import type { CallContext } from './guest.js';
import { guestAnswer } from './guest-answer.js';
import { type Indexed, NameIndex } from './name-index.js';
import { ProtocolError } from './protocol-error.js';

export class Prompts {
  readonly #index = new NameIndex<Prompt>('prompt', PROMPT_NAME);
  readonly #source: CatalogSource;

  constructor(source: CatalogSource) {
    this.#source = source;
  }

  /** Index the prompts of the components loaded now. */
  reindex(): void {
    const live = new Set(this.#source.components().map((c) => c.meta.id));
    for (const p of this.#index.all())
      if (!live.has(p.componentId)) this.#index.remove(p.componentId);
    for (const c of this.#source.components()) {
      try {
        this.#index.set(c.meta.id, c.guest.catalog?.prompts ?? [], new Set());
      } catch (error) {
        this.#source.notice(c.meta.id, (error as Error).message);
      }
    }
  }

  #visible(p: Indexed<Prompt>, client?: ClientIdentity, args?: Readonly<Record<string, string>>) {
    return exposure(
      { kind: 'prompt', name: p.name, own: p.definition.name, ...(args ? { args } : {}) },
      this.#source.policies(p.componentId),
      client,
    );
  }

  /** The prompts this client may see, under the names it uses. */
  list(client?: ClientIdentity): Prompt[] {
    return this.#index
      .all()
      .filter((p) => this.#visible(p, client).allowed)
      .map((p) => ({ ...p.definition, name: p.name }));
  }

  /** A prompt this client may see, by the name it uses; throws when there is none. */
  find(name: string, client?: ClientIdentity): Indexed<Prompt> {
    const p = this.#index.get(name);
    if (!p) throw new ProtocolError(ErrorCode.InvalidParams, `unknown prompt ${quote(name)}`);
    const seen = this.#visible(p, client);
    if (!seen.allowed)
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `prompt ${quote(name)} is not allowed: ${seen.reason}`,
      );
    return p;
  }

  async get(
    name: string,
    args: Readonly<Record<string, string>>,
    ctx: CallContext,
    client?: ClientIdentity,
  ): Promise<GetPromptResult> {
    const p = this.find(name, client);
    const declared = p.definition.arguments ?? [];
    const unknown = Object.keys(args).filter((k) => !declared.some((a) => a.name === k));
    if (unknown.length > 0)
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `prompt ${quote(name)} has no argument ${unknown.map((k) => quote(k)).join(', ')}${declared.length > 0 ? ` (it takes ${declared.map((a) => quote(a.name)).join(', ')})` : ' (it takes none)'}`,
      );
    const missing = declared.filter((a) => a.required && args[a.name] === undefined);
    if (missing.length > 0)
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `prompt ${quote(name)} needs the argument${missing.length > 1 ? 's' : ''} ${missing.map((a) => quote(a.name)).join(', ')}`,
      );
    const allowed = this.#visible(p, client, args);
    if (!allowed.allowed)
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `prompt ${quote(name)} is not allowed: ${allowed.reason}`,
      );
    const c = this.#source.component(p.componentId);
    if (!c?.guest.getPrompt)
      throw new ProtocolError(
        ErrorCode.InternalError,
        `the component of prompt ${quote(name)} is no longer loaded`,
      );
    return guestAnswer(
      () =>
        c.guest.getPrompt!(p.definition.name, args, this.#source.contextFor(p.componentId, ctx)),
      GetPromptResultSchema,
      { failed: `prompt ${quote(name)}`, what: 'a prompt', componentId: p.componentId },
    );
  }
}
