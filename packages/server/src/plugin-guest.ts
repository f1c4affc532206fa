// Extism plugins as tools (guest format 3), through hyper-mcp's plugin
// protocol. Two versions of it are in use:
//   1: `describe` (no input) lists the tools (a ListToolsResult), `call`
//      takes `{"params": {"name", "arguments"}}` and returns a CallToolResult;
//   2: `list_tools`, `call_tool`, and optionally `list_prompts`, `get_prompt`,
//      `list_resources`, `list_resource_templates`, `read_resource` and
//      `complete`, each taking `{"context": {...}, "request": {...}}` (the
//      lists only the context) and returning MCP's result for the method.
// Tools, prompts and resources pass the checks every guest's declarations
// pass; a plugin that says they changed (hyper-mcp's notify_*_list_changed)
// is asked again.

import {
  type PluginCallOptions,
  type PluginCallResult,
  type PluginLog,
  PluginSandbox,
  type PluginSandboxOptions,
  type PluginUserReply,
  type PluginUserRequest,
  type SandboxError,
} from '@mcpkit/sandbox';
import type {
  CallToolResult,
  GetPromptResult,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import { EMPTY_CATALOG, type GuestCatalog, validateCatalog } from './catalog.js';
import { explainViolations } from './explain.js';
import {
  type CallContext,
  type CallOutcome,
  type Completion,
  type CompletionRequest,
  clip,
  type Guest,
  GuestError,
  type LogLevel,
  lineLogger,
  type ResourceMatch,
  resultFromError,
  textResult,
  withExplanations,
} from './guest.js';
import { type ToolDefinition, validateManifest } from './manifest.js';

const decoder = new TextDecoder();
type Json = Record<string, unknown>;

/** The exports each protocol version needs. */
const V1 = ['describe', 'call'];
const V2 = ['list_tools', 'call_tool'];

export interface PluginGuestOptions extends PluginSandboxOptions {
  /** Tools of the plugin not to offer (hyper-mcp's `skip_tools`; names or regular expressions). */
  skipTools?: readonly string[];
}

interface Offer {
  readonly tools: readonly ToolDefinition[];
  readonly catalog: GuestCatalog;
}

const LEVELS: Record<PluginLog['level'], LogLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  notice: 'notice',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  critical: 'error',
  alert: 'error',
  emergency: 'error',
};

function jsonOf(output: Uint8Array, what: string): Json {
  const text = decoder.decode(output);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (error) {
    throw new GuestError(
      `${what} is not JSON: ${(error as Error).message}: ${clip(text.slice(0, 200))}`,
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new GuestError(`${what} is not a JSON object`);
  return v as Json;
}

/** hyper-mcp's `skip_tools` entries match whole names, as regular expressions. */
function skipper(patterns: readonly string[]): (name: string) => boolean {
  const res = patterns.map((p) => {
    try {
      return new RegExp(`^(?:${p})$`);
    } catch (error) {
      throw new Error(
        `skip_tools entry ${JSON.stringify(p)} is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  });
  return (name) => res.some((r) => r.test(name));
}

export class PluginGuest implements Guest {
  readonly kind = 'plugin' as const;
  readonly sandbox: PluginSandbox;
  readonly protocol: 1 | 2;
  readonly #skip: (name: string) => boolean;
  #offer: Offer = { tools: [], catalog: EMPTY_CATALOG };
  readonly #listeners = new Set<() => void>();
  #requests = 0;

  private constructor(sandbox: PluginSandbox, protocol: 1 | 2, skip: (name: string) => boolean) {
    this.sandbox = sandbox;
    this.protocol = protocol;
    this.#skip = skip;
  }

  static async create(options: PluginGuestOptions): Promise<PluginGuest> {
    const skip = skipper(options.skipTools ?? []);
    const sandbox = await PluginSandbox.create(options);
    const has = (names: string[]) => names.every((n) => sandbox.has(n));
    const protocol = has(V2) ? 2 : has(V1) ? 1 : undefined;
    if (protocol === undefined)
      throw new Error(
        `${options.name ?? options.id} is an Extism plugin but not an MCP one: it exports neither \`list_tools\` and \`call_tool\` (hyper-mcp's protocol 2) nor \`describe\` and \`call\` (protocol 1); it exports ${
          sandbox
            .functions()
            .map((f) => `\`${f}\``)
            .join(', ') || 'no functions'
        }`,
      );
    const guest = new PluginGuest(sandbox, protocol, skip);
    try {
      guest.#offer = await guest.#readOffer();
    } catch (error) {
      throw new Error(`plugin \`${options.id}\`: ${(error as Error).message}`);
    }
    return guest;
  }

  get tools(): readonly ToolDefinition[] {
    return this.#offer.tools;
  }

  get catalog(): GuestCatalog {
    return this.#offer.catalog;
  }

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /**
   * The input of a protocol-2 function: the request's context (hyper-mcp's
   * `{id, _meta}`; an id of this plugin's own, since who asked is not the
   * plugin's to know), and the request.
   */
  #input(request: Json | undefined): string {
    const context = { id: ++this.#requests, _meta: {} };
    return JSON.stringify(request === undefined ? { context } : { context, request });
  }

  async #readOffer(): Promise<Offer> {
    const ctx: CallContext = {};
    const list = async (fn: string, key: string): Promise<unknown[]> => {
      if (!this.sandbox.has(fn)) return [];
      const out = jsonOf(
        (await this.#run(fn, this.protocol === 2 ? this.#input(undefined) : '', ctx)).output,
        `what \`${fn}\` returned`,
      );
      if (!Array.isArray(out[key])) throw new GuestError(`\`${fn}\` returned no \`${key}\` list`);
      return out[key] as unknown[];
    };
    const all = await list(this.protocol === 2 ? 'list_tools' : 'describe', 'tools');
    const offered = all.filter(
      (t) => !(typeof t === 'object' && t !== null && this.#skip(String((t as Json).name))),
    );
    const tools = validateManifest({ tools: offered });
    const catalog =
      this.protocol === 2
        ? validateCatalog({
            prompts: await list('list_prompts', 'prompts'),
            resources: await list('list_resources', 'resources'),
            resourceTemplates: await list('list_resource_templates', 'resourceTemplates'),
            completions: this.sandbox.has('complete'),
          })
        : ({ ok: true, catalog: EMPTY_CATALOG } as const);
    const problems = [...(tools.ok ? [] : tools.problems), ...(catalog.ok ? [] : catalog.problems)];
    if (!tools.ok || !catalog.ok)
      throw new GuestError(`what it offers is not valid:\n  ${problems.join('\n  ')}`);
    return { tools: tools.manifest.tools, catalog: catalog.catalog };
  }

  async #reread(): Promise<void> {
    try {
      this.#offer = await this.#readOffer();
    } catch {
      return;
    }
    for (const l of this.#listeners) l();
  }

  /** One plugin call on behalf of `ctx`: its logs and progress passed on, a change re-read. */
  async #run(fn: string, input: string, ctx: CallContext): Promise<PluginCallResult> {
    const lines = lineLogger(ctx.log?.bind(ctx));
    const options: PluginCallOptions = {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onStderr: (chunk) => lines.push(chunk),
      ...(ctx.log
        ? { onLog: (level: PluginLog['level'], text: string) => ctx.log!(LEVELS[level], text) }
        : {}),
      ...(ctx.progress ? { onProgress: ctx.progress.bind(ctx) } : {}),
      onUserRequest: (request) => this.#userRequest(request, ctx),
    };
    let result: PluginCallResult | undefined;
    try {
      result = await this.sandbox.call(fn, input, options);
      return result;
    } finally {
      lines.flush();
      if (result) {
        for (const l of result.logs) ctx.log?.(LEVELS[l.level], l.text);
        if (result.droppedLogs > 0)
          ctx.log?.(
            'warning',
            `${result.droppedLogs} more log messages of the plugin were dropped`,
          );
        for (const p of result.progress) ctx.progress?.(p.progress, p.total, p.message);
        if (result.changed.length > 0) void this.#reread();
      }
    }
  }

  /** hyper-mcp's requests to the client, decided as every guest's are. */
  async #userRequest(request: PluginUserRequest, ctx: CallContext): Promise<PluginUserReply> {
    if (!ctx.host) return { ok: false, message: 'the server takes no requests from plugins here' };
    if (request.fn === 'create_message' || request.fn === 'list_roots') {
      const reply = await ctx.host(
        request.fn === 'list_roots'
          ? { kind: 'list-roots' }
          : { kind: 'create-message', params: request.json ?? '{}' },
      );
      return reply.ok
        ? { ok: true, json: String(reply.value) }
        : { ok: false, message: reply.error };
    }
    if (request.fn === 'create_elicitation') {
      let parsed: Json;
      try {
        parsed = JSON.parse(request.json ?? '{}') as Json;
      } catch (error) {
        return {
          ok: false,
          message: `the elicitation request is not JSON: ${(error as Error).message}`,
        };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return { ok: false, message: 'the elicitation request must be a JSON object' };
      // hyper-mcp's ElicitRequestParamWithTimeout: the request and `timeout` (ms).
      const reply = await ctx.host({
        kind: 'elicit',
        message: String(parsed.message ?? ''),
        requestedSchema: JSON.stringify(parsed.requestedSchema ?? {}),
        ...(parsed.timeout !== undefined && parsed.timeout !== null
          ? { timeoutMs: parsed.timeout as number }
          : {}),
      });
      if (!reply.ok) return { ok: false, message: reply.error };
      const v = reply.value as { action: string; content?: string };
      return {
        ok: true,
        json: JSON.stringify({
          action: v.action,
          ...(v.content !== undefined ? { content: JSON.parse(v.content) as unknown } : {}),
        }),
      };
    }
    return { ok: false, message: `the server does not answer \`${request.fn}\` for plugins` };
  }

  async call(tool: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallOutcome> {
    if (!this.tools.some((t) => t.name === tool))
      return { result: textResult(`this plugin has no tool \`${tool}\``, true), violations: [] };
    const request = { name: tool, arguments: args };
    const input = this.protocol === 2 ? this.#input(request) : JSON.stringify({ params: request });
    try {
      const r = await this.#run(this.protocol === 2 ? 'call_tool' : 'call', input, ctx);
      const result = resultOf(r.output);
      return { result: withExplanations(result, r.violations), violations: r.violations };
    } catch (error) {
      if (error instanceof GuestError)
        return { result: textResult(error.message, true), violations: [] };
      const e = error as SandboxError;
      if (typeof e?.code !== 'string') throw error;
      const violations = e.outcome?.violations ?? [];
      return { result: withExplanations(resultFromError(e), violations), violations };
    }
  }

  /** A protocol-2 method's result, or a GuestError saying why there is none. */
  async #method(fn: string, request: Json, ctx: CallContext): Promise<Json> {
    if (!this.sandbox.has(fn)) throw new GuestError(`this plugin does not export \`${fn}\``);
    try {
      return jsonOf(
        (await this.#run(fn, this.#input(request), ctx)).output,
        `what \`${fn}\` returned`,
      );
    } catch (error) {
      if (error instanceof GuestError) throw error;
      const e = error as SandboxError;
      if (typeof e?.code !== 'string') throw error;
      const denied = e.outcome?.violations ?? [];
      throw new GuestError(
        `${e.message}${denied.length > 0 ? `\nThe policy refused:\n${explainViolations(denied)}` : ''}`,
      );
    }
  }

  async getPrompt(
    name: string,
    args: Readonly<Record<string, string>>,
    ctx: CallContext,
  ): Promise<GetPromptResult> {
    const r = await this.#method('get_prompt', { name, arguments: args }, ctx);
    if (!Array.isArray(r.messages)) throw new GuestError('`get_prompt` returned no `messages`');
    return r as GetPromptResult;
  }

  async readResource(
    uri: string,
    _match: ResourceMatch,
    ctx: CallContext,
  ): Promise<ReadResourceResult> {
    const r = await this.#method('read_resource', { uri }, ctx);
    if (!Array.isArray(r.contents)) throw new GuestError('`read_resource` returned no `contents`');
    return r as ReadResourceResult;
  }

  async complete(request: CompletionRequest, ctx: CallContext): Promise<Completion> {
    if (!this.sandbox.has('complete')) return { values: [] };
    const r = await this.#method(
      'complete',
      {
        ref:
          request.ref.type === 'ref/prompt'
            ? { type: 'ref/prompt', name: request.ref.name }
            : { type: 'ref/resource', uri: request.ref.uri },
        argument: request.argument,
        context: { arguments: request.context },
      },
      ctx,
    );
    const c = (r.completion ?? {}) as Json;
    if (!Array.isArray(c.values))
      throw new GuestError('`complete` returned no `completion.values`');
    return {
      values: c.values.map(String),
      ...(typeof c.total === 'number' ? { total: c.total } : {}),
      ...(typeof c.hasMore === 'boolean' ? { hasMore: c.hasMore } : {}),
    };
  }

  describe(): Record<string, unknown> {
    const m = this.sandbox.module;
    return {
      format: `Extism plugin (hyper-mcp protocol ${this.protocol})`,
      size: m.size,
      digest: m.digest,
      exports: this.sandbox.functions(),
      imports: m.imports.map((i) => `${i.module}.${i.name}`),
      memory: m.memory
        ? {
            initialBytes: m.memory.initialPages * 65536,
            maxBytes: m.memory.maxPages === undefined ? null : m.memory.maxPages * 65536,
          }
        : null,
      config: Object.keys(this.sandbox.config),
      limits: this.sandbox.limits,
      trialRuns: this.sandbox.trial,
    };
  }
}

/** What `call`/`call_tool` returned, as a CallToolResult (checked in shape). */
function resultOf(output: Uint8Array): CallToolResult {
  const r = jsonOf(output, 'the tool result');
  if (
    !Array.isArray(r.content) ||
    !r.content.every(
      (c) => typeof c === 'object' && c !== null && typeof (c as Json).type === 'string',
    )
  )
    throw new GuestError('the plugin returned a tool result without a valid `content` list');
  return r as CallToolResult;
}
