// The MCP face of mcpkit: tools/list and tools/call over any transport, each
// call decided by the server's and the component's `mcp:` policy, checked
// against the tool's input schema, then run in the sandbox; and the prompts,
// resources and completions components offer (prompts.ts, resources.ts,
// completions.ts), decided by the same policies.

import type { GrantRequest, Violation } from '@mcpkit/sandbox';
import type { Decision, ExtensionRegistry, PolicyDocument, RuleRef } from '@mcpkit/wasm-policy';
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
import { Access } from './access/access.js';
import { clientOf, type Principal } from './access/principal.js';
import type { Role } from './access/roles.js';
import {
  askApproval,
  describeGrant,
  grantFragment,
  type Requester,
  refusalMessage,
} from './approval.js';
import type { AuditEntry, AuditLog } from './audit/index.js';
import { BUILTIN_NAMES, BUILTIN_TOOLS, callBuiltin } from './builtin-tools.js';
import type { CatalogSource } from './catalog-source.js';
import { clientChannel, type HandlerExtra } from './client-channel.js';
import { complete } from './completions.js';
import type { ComponentManager, LoadedComponent } from './components.js';
import type { EmergencyStop } from './emergency.js';
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
  /** Who may see and call what (default: everyone is the operator). */
  access?: Access;
  /** Where every call, management action and denial is recorded. */
  audit?: AuditSink;
  emergency?: EmergencyStop;
  /** Entries per page of tools/list, prompts/list, resources/list and templates (default 100). */
  pageSize?: number;
  /** Components' secrets, for the secret management tools. */
  secrets?: SecretStore;
}

type Exposure = { allowed: true } | { allowed: false; reason: string };

/** What the server needs of the audit log. */
export type AuditSink = Pick<AuditLog, 'append' | 'healthy'>;

/** How a call ended, for its audit record. */
interface Verdict {
  readonly result: CallToolResult;
  readonly decision: 'allowed' | 'denied' | 'failed';
  readonly rule?: RuleRef | null;
  readonly reason?: string;
  readonly component?: string;
}

/** Management tools that still answer during an emergency stop. */
const DURING_STOP = new Set([
  'lift-emergency-stop',
  'list-components',
  'get-policy',
  'emergency-stop',
]);

const ACTIONS: Record<string, string> = {
  'load-component': 'load',
  'unload-component': 'unload',
  'grant-storage-permission': 'grant',
  'grant-network-permission': 'grant',
  'grant-environment-variable-permission': 'grant',
  'revoke-storage-permission': 'revoke',
  'revoke-network-permission': 'revoke',
  'revoke-environment-variable-permission': 'revoke',
  'reset-permission': 'reset',
  'rollback-policy': 'rollback',
  'quarantine-component': 'quarantine',
  'release-component': 'release',
  'emergency-stop': 'emergency-stop',
  'lift-emergency-stop': 'emergency-lift',
  'set-secret': 'secret-set',
  'delete-secret': 'secret-delete',
};

/** `roles/dev.yaml:4:7 mcp.tools.allow \`read_*\`` */
export function ruleText(rule: RuleRef | null | undefined): string | undefined {
  if (!rule) return undefined;
  const where = rule.line > 0 ? `${rule.file ?? ''}:${rule.line}:${rule.column} ` : '';
  return `${where}${rule.section}.${rule.list} ${quote(rule.text)}`;
}

function refused(text: string, d?: Decision): Verdict {
  return {
    result: textResult(text, true),
    decision: 'denied',
    ...(d ? { rule: d.rule, reason: d.reason } : { reason: text }),
  };
}

/** `set-secret`'s value never reaches the audit log, whatever its arguments mode. */
function withoutSecretValue(tool: string, args: object): object {
  return tool === 'set-secret' && 'value' in args ? { ...args, value: '<redacted:secret>' } : args;
}

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

  readonly #access: Access;
  readonly #source: CatalogSource;
  readonly prompts: Prompts;
  readonly resources: Resources;
  readonly #subscriptions = new Subscriptions();
  /** The components as last indexed, to tell which were made anew. */
  #indexed = new Map<string, LoadedComponent>();
  readonly #watchedGuests = new WeakSet<object>();

  constructor(options: McpkitServerOptions) {
    this.#o = options;
    this.#access = options.access ?? Access.open();
    this.#source = {
      // A quarantined component offers nothing, as its tools disappear.
      components: () => this.#o.manager.list().filter((c) => !c.quarantine),
      component: (id) => {
        const c = this.#o.manager.get(id);
        return c && !c.quarantine ? c : undefined;
      },
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
    const watched = [...this.#subscriptions.watched()].map((uri) => ({
      uri,
      owner: this.resources.owner(uri),
    }));
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

  get access(): Access {
    return this.#access;
  }

  /** May clients see and call this tool at all? (name only) */
  #exposure(tool: IndexedTool | undefined, name: string, role?: Role): Exposure {
    if (role) {
      const r = tool ? role.seesTool(name) : role.manages(name);
      if (!r.allowed)
        return { allowed: false, reason: `role ${quote(role.name)} may not use it: ${r.reason}` };
    }
    const server = this.#serverMcp?.tools?.peek(name);
    if (server && !server.allowed)
      return { allowed: false, reason: `the server policy does not allow it: ${server.reason}` };
    if (tool) {
      const q = this.#o.manager.get(tool.componentId)?.quarantine;
      if (q)
        return {
          allowed: false,
          reason: `component ${quote(tool.componentId)} is quarantined (by ${q.by}${q.at ? ` at ${q.at}` : ''}${q.reason ? `: ${q.reason}` : ''})`,
        };
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

  /** The tools this client may call (default: the operator's view). */
  listTools(principal: Principal = this.#access.anonymous): Tool[] {
    const role = this.#access.role(principal);
    const out: Tool[] = [];
    if (this.builtins)
      for (const t of BUILTIN_TOOLS)
        if (this.#exposure(undefined, t.name, role).allowed) out.push(t);
    for (const t of this.index.all()) {
      if (!this.#exposure(t, t.name, role).allowed) continue;
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

  /** Whether this client may call this tool by its name alone (for the transport's 403). */
  mayCall(principal: Principal, name: string): Exposure {
    const tool = this.index.get(name);
    if (!tool && !(this.builtins && BUILTIN_NAMES.has(name))) return { allowed: true };
    return this.#exposure(tool, name, this.#access.role(principal));
  }

  /** Decide, validate and run one tool call; every call is recorded in the audit log. */
  async callTool(name: string, rawArgs: unknown, ctx: CallContext): Promise<CallToolResult> {
    const principal = ctx.principal ?? this.#access.anonymous;
    const started = performance.now();
    let verdict: Verdict;
    try {
      verdict = await this.#decideAndRun(name, rawArgs, ctx, principal);
    } catch (error) {
      if (error instanceof ProtocolError)
        this.#record(principal, ctx, name, rawArgs, refused(error.message), started);
      throw error;
    }
    try {
      this.#record(principal, ctx, name, rawArgs, verdict, started);
    } catch (error) {
      // The action ran but cannot be recorded: say so rather than return it unaudited.
      return textResult((error as Error).message, true);
    }
    return verdict.result;
  }

  #record(
    principal: Principal,
    ctx: CallContext,
    name: string,
    args: unknown,
    v: Verdict,
    started: number,
  ): void {
    const audit = this.#o.audit;
    // A log that failed refuses every call (see #decideAndRun); there is nothing to write to.
    if (!audit?.healthy) return;
    const action = (this.builtins && ACTIONS[name]) || 'tool-call';
    const entry: AuditEntry = {
      client: clientOf(principal),
      ...(ctx.session ? { session: ctx.session } : {}),
      action: action === 'tool-call' && BUILTIN_NAMES.has(name) ? 'read' : action,
      target: name,
      decision: v.decision,
      ...(v.rule ? { rule: ruleText(v.rule)! } : {}),
      ...(v.reason ? { reason: v.reason } : {}),
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      details: {
        ...(v.component ? { component: v.component } : {}),
        ...(ctx.depth ? { depth: ctx.depth } : {}),
        ...(args && typeof args === 'object' ? { arguments: withoutSecretValue(name, args) } : {}),
      },
    };
    audit.append(entry);
  }

  async #decideAndRun(
    name: string,
    rawArgs: unknown,
    ctx: CallContext,
    principal: Principal,
  ): Promise<Verdict> {
    const args = (rawArgs ?? {}) as Record<string, unknown>;
    if (typeof args !== 'object' || Array.isArray(args))
      return refused('the arguments must be a JSON object');
    if (this.#o.audit && !this.#o.audit.healthy)
      return refused(
        'the audit log cannot be written, so the server refuses every call until it can (see the server log)',
      );
    const json = JSON.stringify(args);
    const size = Buffer.byteLength(json);
    const max = this.#o.maxArgumentBytes ?? 1024 * 1024;
    if (size > max)
      return refused(`the arguments are ${size} bytes, more than the limit of ${max}`);
    const tool = this.index.get(name);
    const isBuiltin = this.builtins && BUILTIN_NAMES.has(name);
    if (!tool && !isBuiltin)
      throw new ProtocolError(ErrorCode.InvalidParams, `unknown tool ${quote(name)}`);
    const stop = this.#o.emergency?.active;
    if (stop && !(isBuiltin && DURING_STOP.has(name)))
      return refused(
        `an emergency stop is in force (by ${stop.by}${stop.at ? ` at ${stop.at}` : ''}${stop.reason ? `: ${stop.reason}` : ''}); no tool runs until it is lifted with \`lift-emergency-stop\` or \`mcpkit emergency lift\``,
      );
    const role = this.#access.role(principal);
    const exposure = this.#exposure(tool, name, role);
    if (!exposure.allowed) return refused(`tool ${quote(name)} is not allowed: ${exposure.reason}`);
    const server = this.#serverMcp?.tools?.decide(name, args, undefined, principal.id);
    if (server && !server.allowed)
      return refused(`tool ${quote(name)} is not allowed: ${server.reason}`, server);
    if (isBuiltin) {
      const def = BUILTIN_TOOLS.find((t) => t.name === name)!;
      const v = validatorOf(def.inputSchema);
      if (!v(args)) return refused(this.#schemaMessage(name, v));
      const result = await callBuiltin(name, args, {
        manager: this.#o.manager,
        index: this.index,
        registry: this.#o.registry,
        readOnly: this.#o.readOnly === true,
        role,
        by: principal,
        emergency: this.#o.emergency,
        ...(this.#o.secrets ? { secrets: this.#o.secrets } : {}),
        ...(ctx.progress ? { progress: ctx.progress } : {}),
        approve: (id, fragment, tool, bound) =>
          this.#approve(id, fragment, { kind: 'client', tool }, ctx, bound),
      });
      const target = (args.component_id ?? args.id) as string | undefined;
      return {
        result,
        decision: result.isError ? 'denied' : 'allowed',
        ...(result.isError ? { reason: (result.content[0] as { text?: string })?.text ?? '' } : {}),
        ...(target ? { component: target } : {}),
      };
    }
    const component = this.#o.manager.get(tool!.componentId);
    if (!component) return refused(`the component of ${quote(name)} is no longer loaded`);
    const byRole = role.callsTool(name, args, principal.id);
    if (!byRole.allowed)
      return refused(
        `tool ${quote(name)} is not allowed for role ${quote(role.name)}: ${byRole.reason}`,
        byRole,
      );
    const own = this.#componentMcp
      .get(component.meta.id)
      ?.tools?.decide(tool!.definition.name, args, undefined, principal.id);
    if (own && !own.allowed)
      return refused(`tool ${quote(name)} is not allowed: ${own.reason}`, own);
    const validate = validatorOf(tool!.definition.inputSchema);
    if (!validate(args)) return refused(this.#schemaMessage(name, validate));
    const release = this.#access.limiter.enterCall(principal.id, role.limits);
    if (!release)
      return refused(
        `you have ${role.limits?.concurrentCalls} tool calls running, the most role ${quote(role.name)} may run at once; retry when one ends`,
      );
    try {
      const result = await this.#run(component, tool!, args, { ...ctx, argsJson: json });
      return {
        result,
        decision: result.isError ? 'failed' : 'allowed',
        component: component.meta.id,
        ...(byRole.rule ? { rule: byRole.rule } : own?.rule ? { rule: own.rule } : {}),
      };
    } finally {
      release();
    }
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
      this.#recordViolations(ctx, component, violations);
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

  /** One audit record for each distinct capability the guest was refused. */
  #recordViolations(
    ctx: CallContext,
    component: LoadedComponent,
    violations: readonly Violation[],
  ): void {
    const audit = this.#o.audit;
    if (!audit || violations.length === 0) return;
    const principal = ctx.principal ?? this.#access.anonymous;
    const seen = new Set<string>();
    for (const v of violations) {
      const key = `${v.capability}\0${v.access}\0${v.target}`;
      if (seen.has(key)) continue;
      seen.add(key);
      audit.append({
        client: clientOf(principal),
        ...(ctx.session ? { session: ctx.session } : {}),
        action: 'capability',
        target: `${v.capability} ${v.access} ${v.target}`,
        decision: 'denied',
        ...(v.rule
          ? {
              rule: `${v.rule.list} ${quote(v.rule.text)}${v.rule.line > 0 ? ` (line ${v.rule.line})` : ''}`,
            }
          : {}),
        reason: v.reason,
        details: { component: component.meta.id },
      });
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
      // The client's role bounds the nested call too: composing tools widens nothing.
      return await this.callTool(name, args, {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.log ? { log: ctx.log } : {}),
        ...(ctx.client ? { client: ctx.client } : {}),
        ...(ctx.principal ? { principal: ctx.principal } : {}),
        ...(ctx.session ? { session: ctx.session } : {}),
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
    bound?: Role,
  ): Promise<void> {
    const rules = this.#serverMcp?.grants;
    if (rules?.approval !== 'elicit') return;
    const grant = this.#o.manager.prepareGrant(componentId, fragment, bound);
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
    // A component asks within what the client it works for may grant.
    const bound = this.#access.role(ctx.principal ?? this.#access.anonymous);
    await this.#approve(componentId, fragment, { kind: 'component', reason }, ctx, bound);
    await this.#o.manager.grant(componentId, fragment, bound, {
      ...clientOf(ctx.principal ?? this.#access.anonymous),
    });
  }

  /** What a guest working on a client's request may use: cancellation, logging, progress, the client. */
  #context(
    server: Server,
    extra: HandlerExtra,
    principal: Principal,
    logger: string,
    progressToken?: string | number,
  ): CallContext {
    // Notifications sent for the request, so its answer can wait for them.
    const sent = new Set<Promise<unknown>>();
    const track = (p: Promise<unknown>) => {
      const done = p.catch(() => {}).finally(() => sent.delete(done));
      sent.add(done);
    };
    return {
      signal: extra.signal,
      flushed: async () => {
        await Promise.all(sent);
      },
      principal,
      // Session ids act as capabilities: records keep only a prefix.
      ...(extra.sessionId ? { session: `${extra.sessionId.slice(0, 8)}…` } : {}),
      client: clientChannel(server, extra),
      log: (level: LogLevel, message: string) => {
        // The SDK drops messages below the level the session set with logging/setLevel.
        track(server.sendLoggingMessage({ level, logger, data: message }, extra.sessionId));
      },
      ...(progressToken !== undefined
        ? {
            progress: (progress: number, total?: number, message?: string) => {
              track(
                extra.sendNotification({
                  method: 'notifications/progress',
                  params: {
                    progressToken,
                    progress,
                    ...(total !== undefined ? { total } : {}),
                    ...(message ? { message } : {}),
                  },
                }),
              );
            },
          }
        : {}),
    };
  }

  get #pageSize(): number {
    return this.#o.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  /**
   * A fresh SDK server bound to this one (one per stdio connection or HTTP
   * session), serving `principal`: what it lists and may call is its role's.
   */
  createSdkServer(principal: Principal = this.#access.anonymous): Server {
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
    // What this client's role lets it see of prompts and resources.
    const role = () => this.#access.role(principal);
    const ctxOf = (extra: HandlerExtra, logger: string, token?: string | number) =>
      this.#context(server, extra, principal, logger, token);
    server.setRequestHandler(ListToolsRequestSchema, async (request) => {
      const p = page(this.listTools(principal), request.params?.cursor, size);
      return { tools: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const ctx = ctxOf(extra, request.params.name, request.params._meta?.progressToken);
      const result = await this.callTool(request.params.name, request.params.arguments, ctx);
      // The call's log messages and progress reach the client before its answer.
      await ctx.flushed?.();
      return result;
    });
    server.setRequestHandler(ListPromptsRequestSchema, async (request) => {
      const p = page(this.prompts.list(role()), request.params?.cursor, size);
      return { prompts: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
    });
    server.setRequestHandler(GetPromptRequestSchema, async (request, extra) =>
      this.prompts.get(
        request.params.name,
        request.params.arguments ?? {},
        ctxOf(extra, request.params.name),
        role(),
      ),
    );
    server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
      const p = page(this.resources.list(role()), request.params?.cursor, size);
      return { resources: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async (request) => {
      const p = page(this.resources.listTemplates(role()), request.params?.cursor, size);
      return {
        resourceTemplates: p.items,
        ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}),
      };
    });
    server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) =>
      this.resources.read(request.params.uri, ctxOf(extra, request.params.uri), role()),
    );
    server.setRequestHandler(SubscribeRequestSchema, async (request) => {
      this.resources.resolve(request.params.uri, 'subscribe', role());
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
        ctxOf(extra, 'completion'),
        role(),
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
