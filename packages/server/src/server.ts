// The MCP face of mcpkit: tools/list and tools/call over any transport, each
// call decided by the server's and the component's `mcp:` policy, checked
// against the tool's input schema, then run in the sandbox; and the prompts,
// resources and completions components offer (prompts.ts, resources.ts,
// completions.ts), decided by the same policies.

import type { GrantRequest } from '@mcpkit/sandbox';
import type { ExtensionRegistry, PolicyDocument } from '@mcpkit/wasm-policy';
import { compilePolicy, quote } from '@mcpkit/wasm-policy';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  type Tool,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import {
  askApproval,
  describeGrant,
  grantFragment,
  type Requester,
  refusalMessage,
} from './approval.js';
import { BUILTIN_NAMES, BUILTIN_TOOLS, callBuiltin } from './builtin-tools.js';
import type { CatalogSource } from './catalog-source.js';
import { clientChannel, type HandlerExtra } from './client-channel.js';
import { complete } from './completions.js';
import type { ComponentManager, LoadedComponent } from './components.js';
import { type CallContext, type LogLevel, textResult } from './guest.js';
import { answerGuestRequest } from './guest-requests.js';
import type { Logger } from './logging.js';
import { forgetSchema, validatorOf } from './manifest.js';
import type { CompiledMcp } from './mcp-extension/index.js';
import { DEFAULT_PAGE_SIZE, page } from './pagination.js';
import { Prompts } from './prompts.js';
import { ProtocolError } from './protocol-error.js';
import { Resources } from './resources.js';
import type { SecretStore } from './secrets.js';
import { Subscriptions } from './subscriptions.js';
import { type IndexedTool, ToolIndex } from './tool-index.js';
import { storageReach } from './tool-reach.js';

export const SERVER_NAME = 'mcpkit';
export const SERVER_VERSION = '0.1.0';

export interface McpkitServerOptions {
  manager: ComponentManager;
  registry: ExtensionRegistry;
  logger: Logger;
  /** Offer the management tools (default true). */
  builtinTools?: boolean;
  /** Refuse every change (loads, unloads, grants). */
  readOnly?: boolean;
  /** Largest arguments object, serialised, in bytes (default 1 MiB). */
  maxArgumentBytes?: number;
  /** Entries per page of tools/list, prompts/list, resources/list and templates (default 100). */
  pageSize?: number;
  /** Components' secrets, for the secret management tools. */
  secrets?: SecretStore;
}

type Exposure = { allowed: true } | { allowed: false; reason: string };

/** How deep guests' calls to other tools may nest. */
const MAX_NESTED_CALLS = 4;

export class McpkitServer {
  readonly index = new ToolIndex();
  readonly #o: McpkitServerOptions;
  readonly #servers = new Set<Server>();
  #serverMcp: CompiledMcp | undefined;
  /** The server policy #serverMcp was compiled from. */
  #serverPolicy: PolicyDocument | undefined;
  /** The schemas of the tools served (their input schemas compiled). */
  #schemas = new Set<object>();
  readonly #componentMcp = new Map<string, CompiledMcp | undefined>();
  /** Per component, the sentence on the files it may use, added to its tools' descriptions. */
  readonly #reach = new Map<string, string | undefined>();
  readonly #source: CatalogSource;
  readonly prompts: Prompts;
  readonly resources: Resources;
  readonly #subscriptions = new Subscriptions();
  /** The components as last indexed, to tell which were made anew. */
  #indexed = new Map<string, LoadedComponent>();
  readonly #watchedGuests = new WeakSet<object>();

  constructor(options: McpkitServerOptions) {
    this.#o = options;
    this.#source = {
      components: () => this.#o.manager.list(),
      component: (id) => this.#o.manager.get(id),
      policies: (componentId) => ({
        componentId,
        server: this.#serverMcp,
        component: this.#componentMcp.get(componentId),
      }),
      notice: (component, message) => this.#o.logger.warn({ component }, message),
      contextFor: (componentId, ctx) => {
        const c = this.#o.manager.get(componentId);
        return c ? this.#hostFor(c, ctx) : ctx;
      },
    };
    this.prompts = new Prompts(this.#source);
    this.resources = new Resources(this.#source);
    options.manager.onChange(() => this.#reindex());
    this.#reindex();
  }

  #compileMcp(doc: PolicyDocument): CompiledMcp | undefined {
    if (!doc.extensions.mcp) return undefined;
    return compilePolicy(doc, { registry: this.#o.registry }).extension<CompiledMcp>('mcp');
  }

  get builtins(): boolean {
    return this.#o.builtinTools !== false;
  }

  #reindex(): void {
    const policy = this.#o.manager.serverPolicy;
    if (policy !== this.#serverPolicy) {
      this.#serverPolicy = policy;
      this.#serverMcp = this.#compileMcp(policy);
    }
    const live = new Set(this.#o.manager.list().map((c) => c.meta.id));
    for (const t of this.index.all())
      if (!live.has(t.componentId)) this.index.remove(t.componentId);
    for (const id of [...this.#componentMcp.keys()])
      if (!live.has(id)) this.#componentMcp.delete(id);
    for (const id of [...this.#reach.keys()]) if (!live.has(id)) this.#reach.delete(id);
    const reserved = this.builtins ? BUILTIN_NAMES : new Set<string>();
    for (const c of this.#o.manager.list()) {
      try {
        this.index.set(c.meta.id, c.guest.tools, reserved);
      } catch (error) {
        this.#o.logger.error({ component: c.meta.id }, (error as Error).message);
      }
      this.#componentMcp.set(c.meta.id, this.#compileMcp(c.effective));
      this.#reach.set(c.meta.id, storageReach(c.effective));
    }
    this.#compileSchemas();
    // Who served each watched URI before, to tell its watchers when that component changed.
    const watched = [...this.#subscriptions.watched()].map((uri) => {
      return { uri, owner: this.resources.owner(uri) };
    });
    for (const c of this.#o.manager.list()) {
      // A guest whose offer changes while loaded (it said so) is indexed again.
      if (!this.#watchedGuests.has(c.guest)) {
        this.#watchedGuests.add(c.guest);
        c.guest.onChange?.(() => {
          if (this.#o.manager.get(c.meta.id)?.guest === c.guest) this.#reindex();
        });
      }
    }
    this.prompts.reindex();
    this.resources.reindex();
    const now = new Map(this.#o.manager.list().map((c) => [c.meta.id, c]));
    for (const { uri, owner } of watched)
      if (owner !== undefined && now.get(owner) !== this.#indexed.get(owner))
        this.#subscriptions.updated(uri);
    this.#indexed = now;
    for (const s of this.#servers) {
      // A session that went away does not need telling.
      s.sendToolListChanged().catch(() => {});
      s.sendPromptListChanged().catch(() => {});
      s.sendResourceListChanged().catch(() => {});
    }
  }

  /**
   * Compile the input schemas of the tools served now, so no call waits for
   * it, and let go of those of tools no longer served.
   */
  #compileSchemas(): void {
    const now = new Set<object>();
    for (const t of this.index.all()) {
      const schema = t.definition.inputSchema;
      now.add(schema);
      // Compiled by the manifest check, if it came from a manifest.
      if (t.definition.outputSchema) now.add(t.definition.outputSchema);
      try {
        validatorOf(schema);
      } catch (error) {
        this.#o.logger.error(
          { tool: t.name, component: t.componentId },
          `its input schema is not valid: ${(error as Error).message}`,
        );
      }
    }
    for (const schema of this.#schemas) if (!now.has(schema)) forgetSchema(schema);
    this.#schemas = now;
  }

  /** May clients see and call this tool at all? (name only) */
  #exposure(tool: IndexedTool | undefined, name: string): Exposure {
    const server = this.#serverMcp?.tools?.peek(name);
    if (server && !server.allowed)
      return { allowed: false, reason: `the server policy does not allow it: ${server.reason}` };
    if (tool) {
      // A component's policy may hide its own tools: a deny names them, an allow list must include them.
      const own = this.#componentMcp.get(tool.componentId)?.tools?.peek(tool.definition.name);
      if (own && !own.allowed)
        return {
          allowed: false,
          reason: `the policy of component ${quote(tool.componentId)} does not expose it: ${own.reason}`,
        };
    }
    return { allowed: true };
  }

  listTools(): Tool[] {
    const out: Tool[] = [];
    if (this.builtins)
      for (const t of BUILTIN_TOOLS) if (this.#exposure(undefined, t.name).allowed) out.push(t);
    for (const t of this.index.all()) {
      if (!this.#exposure(t, t.name).allowed) continue;
      const d = t.definition;
      const reach = this.#reach.get(t.componentId);
      out.push({
        name: t.name,
        ...(d.title ? { title: d.title } : {}),
        description: reach
          ? `${d.description ? `${d.description}\n\n` : ''}${reach}`
          : (d.description ?? ''),
        inputSchema: d.inputSchema as Tool['inputSchema'],
        ...(d.outputSchema ? { outputSchema: d.outputSchema as Tool['outputSchema'] } : {}),
        ...(d.annotations ? { annotations: d.annotations } : {}),
      });
    }
    return out;
  }

  /** Decide, validate and run one tool call. */
  async callTool(name: string, rawArgs: unknown, ctx: CallContext): Promise<CallToolResult> {
    const args = (rawArgs ?? {}) as Record<string, unknown>;
    if (typeof args !== 'object' || Array.isArray(args))
      return textResult('the arguments must be a JSON object', true);
    const json = JSON.stringify(args);
    const size = Buffer.byteLength(json);
    const max = this.#o.maxArgumentBytes ?? 1024 * 1024;
    if (size > max)
      return textResult(`the arguments are ${size} bytes, more than the limit of ${max}`, true);
    const tool = this.index.get(name);
    const isBuiltin = this.builtins && BUILTIN_NAMES.has(name);
    if (!tool && !isBuiltin)
      throw new ProtocolError(ErrorCode.InvalidParams, `unknown tool ${quote(name)}`);
    const exposure = this.#exposure(tool, name);
    if (!exposure.allowed)
      return textResult(`tool ${quote(name)} is not allowed: ${exposure.reason}`, true);
    const server = this.#serverMcp?.tools?.decide(name, args);
    if (server && !server.allowed)
      return textResult(`tool ${quote(name)} is not allowed: ${server.reason}`, true);
    if (isBuiltin) {
      const def = BUILTIN_TOOLS.find((t) => t.name === name)!;
      const v = validatorOf(def.inputSchema);
      if (!v(args)) return textResult(this.#schemaMessage(name, v), true);
      return callBuiltin(name, args, {
        manager: this.#o.manager,
        index: this.index,
        registry: this.#o.registry,
        readOnly: this.#o.readOnly === true,
        ...(this.#o.secrets ? { secrets: this.#o.secrets } : {}),
        approve: (id, fragment, tool) => this.#approve(id, fragment, { kind: 'client', tool }, ctx),
      });
    }
    const component = this.#o.manager.get(tool!.componentId);
    if (!component) return textResult(`the component of ${quote(name)} is no longer loaded`, true);
    const own = this.#componentMcp
      .get(component.meta.id)
      ?.tools?.decide(tool!.definition.name, args);
    if (own && !own.allowed)
      return textResult(`tool ${quote(name)} is not allowed: ${own.reason}`, true);
    const validate = validatorOf(tool!.definition.inputSchema);
    if (!validate(args)) return textResult(this.#schemaMessage(name, validate), true);
    return this.#run(component, tool!, args, { ...ctx, argsJson: json });
  }

  #schemaMessage(name: string, v: ValidateFunction): string {
    const errors = (v.errors ?? []).map(
      (e) =>
        `${e.instancePath ? `\`${e.instancePath}\` ` : ''}${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (\`${String((e.params as { additionalProperty: unknown }).additionalProperty)}\`)` : ''}`,
    );
    return `the arguments do not match the input schema of ${quote(name)}: ${errors.join('; ')}`;
  }

  async #run(
    component: LoadedComponent,
    tool: IndexedTool,
    args: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<CallToolResult> {
    const started = performance.now();
    // A guest that calls other tools does so as itself: its own policy decides.
    const inner = this.#hostFor(component, {
      ...ctx,
      callTool: (name, a) => this.#callFrom(component, name, a, ctx),
    });
    try {
      const { result, violations } = await component.guest.call(tool.definition.name, args, inner);
      this.#o.logger.info(
        {
          tool: tool.name,
          component: component.meta.id,
          ms: Math.round(performance.now() - started),
          isError: result.isError === true,
          denied: violations.length,
        },
        'tool call',
      );
      return result;
    } catch (error) {
      this.#o.logger.error({ tool: tool.name, err: error }, 'tool call failed');
      return textResult(`the call failed: ${(error as Error).message}`, true);
    }
  }

  /**
   * A tool call made by a guest (mcpkit:host/tools). The caller's `mcp.tools`
   * policy must allow the callee (no section: no calls); then the call goes
   * through every check a client's call does. Management tools are never
   * callable this way.
   */
  async #callFrom(
    caller: LoadedComponent,
    name: string,
    args: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<CallToolResult> {
    const id = caller.meta.id;
    const depth = (ctx.depth ?? 0) + 1;
    if (depth > MAX_NESTED_CALLS)
      return textResult(`tool calls may nest at most ${MAX_NESTED_CALLS} deep`, true);
    if (this.builtins && BUILTIN_NAMES.has(name))
      return textResult(`component ${quote(id)} may not call management tool ${quote(name)}`, true);
    const tools = this.#componentMcp.get(id)?.tools;
    if (!tools)
      return textResult(
        `component ${quote(id)} may not call other tools: its policy has no \`mcp.tools\` section (to allow this one, add \`mcp: { tools: { allow: [{ name: "${name}" }] } }\`)`,
        true,
      );
    const decision = tools.decide(name, args);
    if (!decision.allowed)
      return textResult(
        `component ${quote(id)} may not call tool ${quote(name)}: ${decision.reason}`,
        true,
      );
    this.#o.logger.info({ component: id, tool: name, depth }, 'nested tool call');
    try {
      return await this.callTool(name, args, {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.log ? { log: ctx.log } : {}),
        ...(ctx.client ? { client: ctx.client } : {}),
        depth,
      });
    } catch (error) {
      // A protocol error for a client (an unknown tool) is a plain failure for a guest.
      return textResult((error as Error).message, true);
    }
  }

  /**
   * `ctx` with the component's requests to its host (asking the client,
   * asking for a grant, telling subscribers) decided under its policy.
   */
  #hostFor(component: LoadedComponent, ctx: CallContext): CallContext {
    const id = component.meta.id;
    const budget = { used: 0 };
    return {
      ...ctx,
      host: (request) =>
        answerGuestRequest(request, {
          componentId: id,
          component: this.#componentMcp.get(id),
          server: this.#serverMcp,
          ctx,
          budget,
          requestGrant: (grant, reason) => this.#guestGrant(id, grant, reason, ctx),
          resourceUpdated: (uri) => {
            if (this.resources.owner(uri) !== id) return false;
            this.#subscriptions.updated(uri);
            return true;
          },
        }),
    };
  }

  /**
   * With `mcp.grants.approval: elicit`, a person approves `fragment` for
   * `componentId` through the client first; throws saying why not. Grants
   * beyond the ceiling are refused before anyone is asked.
   */
  async #approve(
    componentId: string,
    fragment: Record<string, unknown>,
    by: Requester,
    ctx: CallContext,
  ): Promise<void> {
    const rules = this.#serverMcp?.grants;
    if (rules?.approval !== 'elicit') return;
    const grant = this.#o.manager.prepareGrant(componentId, fragment);
    const lines = describeGrant(grant);
    const outcome = await askApproval(componentId, grant, by, ctx.client, {
      timeoutMs: rules.timeoutMs,
      signal: ctx.signal,
    });
    const entry = {
      component: componentId,
      grant: lines,
      requestedBy: by.kind === 'client' ? `client (${by.tool})` : 'component',
      approved: outcome.approved,
    };
    if (outcome.approved) this.#o.logger.info(entry, 'grant approved');
    else {
      this.#o.logger.warn({ ...entry, reason: outcome.reason }, 'grant refused');
      throw new Error(refusalMessage(componentId, lines, outcome.reason));
    }
  }

  /** A component asks for a grant (`mcpkit:host/permissions`): only ever with a person's approval. */
  async #guestGrant(
    componentId: string,
    request: GrantRequest,
    reason: string,
    ctx: CallContext,
  ): Promise<void> {
    if (this.#o.readOnly)
      throw new Error('this server runs with --read-only, which allows no grants');
    if (this.#serverMcp?.grants.approval !== 'elicit')
      throw new Error(
        `component ${quote(componentId)} may not ask for grants: the server policy does not have a person approve them (\`mcp: { grants: { approval: elicit } }\`)`,
      );
    const fragment = grantFragment(request);
    await this.#approve(componentId, fragment, { kind: 'component', reason }, ctx);
    await this.#o.manager.grant(componentId, fragment);
  }

  /** What a guest working on a client's request may use: cancellation, logging, progress, the client. */
  #context(
    server: Server,
    extra: HandlerExtra,
    logger: string,
    progressToken?: string | number,
  ): CallContext {
    return {
      signal: extra.signal,
      client: clientChannel(server, extra),
      log: (level: LogLevel, message: string) => {
        // The SDK drops messages below the level the session set with logging/setLevel.
        server
          .sendLoggingMessage({ level, logger, data: message }, extra.sessionId)
          .catch(() => {});
      },
      ...(progressToken !== undefined
        ? {
            progress: (progress: number, total?: number, message?: string) => {
              extra
                .sendNotification({
                  method: 'notifications/progress',
                  params: {
                    progressToken,
                    progress,
                    ...(total !== undefined ? { total } : {}),
                    ...(message ? { message } : {}),
                  },
                })
                .catch(() => {});
            },
          }
        : {}),
    };
  }

  get #pageSize(): number {
    return this.#o.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  /** A fresh SDK server bound to this one (one per stdio connection or HTTP session). */
  createSdkServer(): Server {
    const server = new Server(
      { name: SERVER_NAME, version: SERVER_VERSION },
      {
        capabilities: {
          tools: { listChanged: true },
          prompts: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          completions: {},
          logging: {},
        },
        instructions:
          'mcpkit serves sandboxed WebAssembly tools. Each tool runs under a policy that decides which files, hosts and environment variables it may use; a refused capability comes back as an error saying what would allow it.',
      },
    );
    const size = this.#pageSize;
    server.setRequestHandler(ListToolsRequestSchema, async (request) => {
      const p = page(this.listTools(), request.params?.cursor, size);
      return { tools: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
      this.callTool(
        request.params.name,
        request.params.arguments,
        this.#context(server, extra, request.params.name, request.params._meta?.progressToken),
      ),
    );
    server.setRequestHandler(ListPromptsRequestSchema, async (request) => {
      const p = page(this.prompts.list(), request.params?.cursor, size);
      return { prompts: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
    });
    server.setRequestHandler(GetPromptRequestSchema, async (request, extra) =>
      this.prompts.get(
        request.params.name,
        request.params.arguments ?? {},
        this.#context(server, extra, request.params.name),
      ),
    );
    server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
      const p = page(this.resources.list(), request.params?.cursor, size);
      return { resources: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async (request) => {
      const p = page(this.resources.listTemplates(), request.params?.cursor, size);
      return {
        resourceTemplates: p.items,
        ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}),
      };
    });
    server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) =>
      this.resources.read(request.params.uri, this.#context(server, extra, request.params.uri)),
    );
    server.setRequestHandler(SubscribeRequestSchema, async (request) => {
      this.resources.resolve(request.params.uri, 'subscribe');
      if (!this.#subscriptions.add(server, request.params.uri))
        throw new ProtocolError(
          ErrorCode.InvalidRequest,
          'this session watches as many resources as it may; unsubscribe from some first',
        );
      return {};
    });
    server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
      this.#subscriptions.remove(server, request.params.uri);
      return {};
    });
    server.setRequestHandler(CompleteRequestSchema, async (request, extra) =>
      complete(
        request.params,
        { source: this.#source, prompts: this.prompts, resources: this.resources },
        this.#context(server, extra, 'completion'),
      ),
    );
    this.#servers.add(server);
    server.onclose = () => {
      this.#servers.delete(server);
      this.#subscriptions.drop(server);
    };
    return server;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#servers].map((s) => s.close().catch(() => {})));
    this.#servers.clear();
  }
}
