// WebAssembly components as tools (guest format 2): each exported function is
// a tool, named as Wassette names it, with JSON Schemas derived from its WIT
// types and descriptions from its WIT doc comments. Arguments are checked and
// converted before the component runs; what it returns comes back as text and
// as `structuredContent` `{ "result": … }`. A component may also export
// mcpkit:host's provider interfaces (component-provider.ts) to offer tools
// with MCP names and content, prompts, resources and completions.

import {
  argumentsFromJson,
  type ComponentCallOptions,
  type ComponentFunction,
  ComponentSandbox,
  type ComponentSandboxOptions,
  type HostReply,
  type HostRequest,
  parametersSchema,
  resultSchema,
  type SandboxError,
  type TypeDocs,
  toJson,
  usesResource,
  ValueError,
  type WitFunction,
  witTypeText,
} from '@mcpkit/sandbox';
import type {
  CallToolResult,
  GetPromptResult,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import { EMPTY_CATALOG, type GuestCatalog, validateCatalog } from './catalog.js';
import {
  completionOf,
  contentsOf,
  isProviderExport,
  type ProviderFunction,
  ProviderValueError,
  pairs,
  promptResultOf,
  promptsOf,
  providerFunctions,
  resourcesOf,
  templatesOf,
  toolResultOf,
  toolsOf,
} from './component-provider.js';
import { explainViolations } from './explain.js';
import {
  type CallContext,
  type CallOutcome,
  type Completion,
  type CompletionRequest,
  clip,
  type Guest,
  GuestError,
  lineLogger,
  type ResourceMatch,
  resultFromError,
  textResult,
  withExplanations,
} from './guest.js';
import { type ToolDefinition, validateManifest } from './manifest.js';
import { mergeDocs, packageDocs } from './package-docs.js';
import type { WitDocs } from './wit-docs.js';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** One part of a tool name as Wassette writes it: lower case, `:` `/` `.` and anything unusual as `_`. */
function namePart(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]/g, '_');
}

/**
 * The tool name of an exported function, as Wassette derives it: the
 * interface's full export name and the function name, each normalised,
 * joined by `_` (`local:files/files@0.1.0` + `read-file` →
 * `local_files_files_0_1_0_read-file`); a function the world exports
 * directly keeps its own name.
 */
export function componentToolName(exportName: string, fn: string): string {
  return exportName ? `${namePart(exportName)}_${namePart(fn)}` : namePart(fn);
}

/** Why a function cannot be a tool, or undefined when it can. */
function unsuitable(exportName: string, fn: WitFunction): string | undefined {
  if (/^\[(constructor|method|static)\]/.test(fn.name))
    return 'it belongs to a resource, and a resource handle has no JSON form';
  const handle = fn.params.find((p) => usesResource(p.type));
  if (handle)
    return `its parameter \`${handle.name}\` is a resource (${witTypeText(handle.type)}), which has no JSON form`;
  if (fn.result && usesResource(fn.result))
    return `it returns a resource (${witTypeText(fn.result)}), which has no JSON form`;
  // componentize-py exports its initialisation hook beside the application's functions.
  if (exportName === 'exports' && fn.name === 'init')
    return "it is componentize-py's initialisation hook, not part of the application";
  return undefined;
}

/** Docs of named types: from the function's own interface first, then any other. */
function typeDocs(docs: WitDocs, exportName: string): TypeDocs {
  return (typeName, member) => {
    const suffix = `#${typeName}${member ? `.${member}` : ''}`;
    const own = docs.get(`${exportName}${suffix}`);
    if (own) return own;
    for (const [k, v] of docs) if (k.endsWith(suffix)) return v;
    return undefined;
  };
}

interface Skipped {
  readonly function: string;
  readonly reason: string;
}

/** The tools a component's exported functions make, and the functions that cannot be tools. */
export function componentTools(
  functions: readonly ComponentFunction[],
  docs: WitDocs = new Map(),
): { targets: Map<string, Target>; skipped: Skipped[] } {
  const targets = new Map<string, Target>();
  const skipped: Skipped[] = [];
  for (const f of functions) {
    const where = f.exportName ? `${f.exportName}#${f.fn.name}` : f.fn.name;
    const name = componentToolName(f.exportName, f.fn.name);
    let reason = unsuitable(f.exportName, f.fn);
    if (!reason && !TOOL_NAME.test(name))
      reason = `its tool name \`${name}\` is not a valid MCP tool name (1 to 128 of a-z, 0-9, _ and -)`;
    if (!reason && targets.has(name))
      reason = `its tool name \`${name}\` is already taken by another export`;
    if (reason) {
      skipped.push({ function: where, reason });
      continue;
    }
    const tdocs = typeDocs(docs, f.exportName);
    const description =
      docs.get(`${f.exportName}#${f.fn.name}`) ??
      `Calls \`${f.fn.name}\`${f.exportName ? ` of \`${f.exportName}\`` : ''}: ${signature(f.fn)}`;
    const output = resultSchema(f.fn, tdocs);
    const tool: ToolDefinition = {
      name,
      description,
      inputSchema: parametersSchema(f.fn, tdocs),
      ...(output ? { outputSchema: output } : {}),
    };
    targets.set(name, { ...f, tool });
  }
  return { targets, skipped };
}

export interface ComponentGuestOptions extends ComponentSandboxOptions {
  /** Doc comments of the component's WIT (see wit-docs.ts). */
  docs?: WitDocs;
  /** Told about each exported function that is not offered as a tool, and why. */
  onSkipped?: (fn: string, reason: string) => void;
}

interface Target extends ComponentFunction {
  readonly tool: ToolDefinition;
}

/** What a provider's list functions gave: tools in manifest form and the catalog. */
interface Offer {
  readonly tools: readonly ToolDefinition[];
  readonly catalog: GuestCatalog;
}

export class ComponentGuest implements Guest {
  readonly kind = 'component' as const;
  readonly sandbox: ComponentSandbox;
  /** Exported functions that are not tools, with the reason. */
  readonly skipped: readonly Skipped[];
  readonly #targets: ReadonlyMap<string, Target>;
  readonly #functionTools: readonly ToolDefinition[];
  readonly #providers: ReadonlyMap<ProviderFunction, ComponentFunction>;
  readonly #options: ComponentGuestOptions;
  #offer: Offer = { tools: [], catalog: EMPTY_CATALOG };
  readonly #listeners = new Set<() => void>();

  private constructor(sandbox: ComponentSandbox, options: ComponentGuestOptions) {
    this.sandbox = sandbox;
    this.#options = options;
    const functions = sandbox.functions();
    // The `wit/` directory beside the component first (it is what the
    // developer has in front of them), then the docs the component carries.
    const carried = packageDocs(options.bytes, [...new Set(functions.map((f) => f.exportName))]);
    const { targets, skipped } = componentTools(
      functions.filter((f) => !isProviderExport(f.exportName)),
      mergeDocs(options.docs ?? new Map(), carried),
    );
    for (const s of skipped) options.onSkipped?.(s.function, s.reason);
    this.#targets = targets;
    this.#functionTools = [...targets.values()].map((t) => t.tool);
    this.#providers = providerFunctions(functions);
    this.skipped = skipped;
  }

  static async create(options: ComponentGuestOptions): Promise<ComponentGuest> {
    const guest = new ComponentGuest(await ComponentSandbox.create(options), options);
    guest.#offer = await guest.#readOffer();
    return guest;
  }

  get tools(): readonly ToolDefinition[] {
    return [...this.#functionTools, ...this.#offer.tools];
  }

  get catalog(): GuestCatalog {
    return this.#offer.catalog;
  }

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /**
   * Ask the provider interfaces for the tools, prompts, resources and
   * templates they offer, and check them; a problem fails the load.
   */
  async #readOffer(): Promise<Offer> {
    const ctx: CallContext = {};
    const list = async (fn: ProviderFunction) =>
      this.#providers.has(fn) ? this.#invoke(fn, {}, ctx) : [];
    try {
      const toolList = toolsOf(await list('list-tools'));
      const taken = new Set(this.#functionTools.map((t) => t.name));
      const clash = toolList.find((t) => taken.has(String(t.name)));
      if (clash)
        throw new ProviderValueError(
          `its tool-provider offers tool \`${String(clash.name)}\`, which an exported function already is`,
        );
      const tools = validateManifest({ tools: toolList });
      const catalog = validateCatalog({
        prompts: promptsOf(await list('list-prompts')),
        resources: resourcesOf(await list('list-resources')),
        resourceTemplates: templatesOf(await list('list-resource-templates')),
        completions: this.#providers.has('complete'),
      });
      const problems = [
        ...(tools.ok ? [] : tools.problems),
        ...(catalog.ok ? [] : catalog.problems),
      ];
      if (!tools.ok || !catalog.ok || problems.length > 0)
        throw new ProviderValueError(`what it offers is not valid:\n  ${problems.join('\n  ')}`);
      return { tools: tools.manifest.tools, catalog: catalog.catalog };
    } catch (error) {
      if (error instanceof ProviderValueError || error instanceof GuestError)
        throw new Error(`component \`${this.sandbox.id}\`: ${error.message}`);
      throw error;
    }
  }

  /** Read the offer again after the component said it changed, and tell the listeners. */
  async #reread(): Promise<void> {
    try {
      this.#offer = await this.#readOffer();
    } catch (error) {
      this.#options.onSkipped?.('list-changed', (error as Error).message);
      return;
    }
    for (const l of this.#listeners) l();
  }

  /** The sandbox call options for a call made on behalf of `ctx`. */
  #callOptions(
    ctx: CallContext,
    errLines: ReturnType<typeof lineLogger>,
    changed: { value: boolean },
  ): ComponentCallOptions {
    return {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onStderr: (chunk) => errLines.push(chunk),
      ...(ctx.log ? { onLog: (level, message) => ctx.log!(level as never, message) } : {}),
      ...(ctx.progress ? { onProgress: ctx.progress.bind(ctx) } : {}),
      callTool: (name, text) => this.#callTool(ctx, name, text),
      hostRequest: (request) => this.#hostRequest(ctx, request, changed),
    };
  }

  async #hostRequest(
    ctx: CallContext,
    request: HostRequest,
    changed: { value: boolean },
  ): Promise<HostReply> {
    if (request.kind === 'list-changed') {
      changed.value = true;
      return { ok: true };
    }
    if (!ctx.host) return { ok: false, error: 'the host does not take this request here' };
    return ctx.host(request);
  }

  /**
   * Call a provider function with arguments in JSON form; its result in JSON
   * form, or a GuestError saying why there is none (a refusal explained).
   */
  async #invoke(
    fn: ProviderFunction,
    args: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<unknown> {
    const target = this.#providers.get(fn);
    if (!target) throw new GuestError(`this component does not export \`${fn}\``);
    const errLines = lineLogger(ctx.log?.bind(ctx));
    const changed = { value: false };
    let value: unknown;
    try {
      const r = await this.sandbox.call(
        target,
        argumentsFromJson(target.fn, args),
        this.#callOptions(ctx, errLines, changed),
      );
      value = target.fn.result ? toJson(target.fn.result, r.value) : null;
      const size = JSON.stringify(value)?.length ?? 0;
      if (size > this.sandbox.limits.output)
        throw new GuestError(
          `\`${fn}\` returned ${size} bytes of JSON, more than the output limit of ${this.sandbox.limits.output}`,
        );
    } catch (error) {
      const e = error as SandboxError;
      if (error instanceof GuestError || typeof e?.code !== 'string') throw error;
      const denied = e.outcome?.violations ?? [];
      throw new GuestError(
        `${e.message}${denied.length > 0 ? `\nThe policy refused:\n${explainViolations(denied)}` : ''}`,
      );
    } finally {
      errLines.flush();
      if (changed.value) void this.#reread();
    }
    return value;
  }

  /** A provider function returning `result<T, string>`: T, or its error as a GuestError. */
  async #invokeResult(
    fn: ProviderFunction,
    args: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<unknown> {
    const r = (await this.#invoke(fn, args, ctx)) as { ok?: unknown; err?: unknown };
    if (Object.hasOwn(r, 'err')) throw new GuestError(String(r.err));
    return r.ok;
  }

  async getPrompt(
    name: string,
    args: Readonly<Record<string, string>>,
    ctx: CallContext,
  ): Promise<GetPromptResult> {
    return promptResultOf(
      await this.#invokeResult('get-prompt', { name, arguments: pairs(args) }, ctx),
    );
  }

  async readResource(
    uri: string,
    match: ResourceMatch,
    ctx: CallContext,
  ): Promise<ReadResourceResult> {
    return contentsOf(
      await this.#invokeResult(
        'read-resource',
        { uri, variables: pairs(match.template ? match.variables : {}) },
        ctx,
      ),
    );
  }

  async complete(request: CompletionRequest, ctx: CallContext): Promise<Completion> {
    const ref =
      request.ref.type === 'ref/prompt'
        ? { tag: 'prompt', val: request.ref.name }
        : { tag: 'resource-template', val: request.ref.uri };
    return completionOf(
      await this.#invoke(
        'complete',
        {
          ref,
          argument: request.argument.name,
          value: request.argument.value,
          context: pairs(request.context),
        },
        ctx,
      ),
    );
  }

  async call(tool: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallOutcome> {
    const target = this.#targets.get(tool);
    if (!target && this.#offer.tools.some((t) => t.name === tool))
      return this.#callProvided(tool, args, ctx);
    if (!target)
      return { result: textResult(`this component has no tool \`${tool}\``, true), violations: [] };
    let values: unknown[];
    try {
      values = argumentsFromJson(target.fn, args);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      return { result: textResult(`invalid argument: ${error.message}`, true), violations: [] };
    }
    const errLines = lineLogger(ctx.log?.bind(ctx));
    const changed = { value: false };
    try {
      const r = await this.sandbox.call(target, values, this.#callOptions(ctx, errLines, changed));
      errLines.flush();
      const outLines = lineLogger(ctx.log?.bind(ctx));
      outLines.push(r.stdout);
      outLines.flush();
      const result = this.#result(target.fn, r.value);
      return { result: withExplanations(result, r.violations), violations: r.violations };
    } catch (error) {
      errLines.flush();
      const e = error as SandboxError;
      if (typeof e?.code !== 'string') throw error;
      const violations = e.outcome?.violations ?? [];
      return { result: withExplanations(resultFromError(e), violations), violations };
    } finally {
      if (changed.value) void this.#reread();
    }
  }

  /** A tool of the component's tool-provider. */
  async #callProvided(
    tool: string,
    args: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<CallOutcome> {
    try {
      const value = await this.#invoke(
        'call-tool',
        { name: tool, arguments: ctx.argsJson ?? JSON.stringify(args) },
        ctx,
      );
      return { result: toolResultOf(value), violations: [] };
    } catch (error) {
      if (error instanceof GuestError || error instanceof ProviderValueError)
        return { result: textResult(error.message, true), violations: [] };
      throw error;
    }
  }

  #result(fn: WitFunction, value: unknown): CallToolResult {
    if (!fn.result) return { content: [] };
    let json: unknown;
    try {
      json = toJson(fn.result, value);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      return textResult(
        `the component returned a value that does not fit its declared type ${witTypeText(fn.result)}: ${error.message}`,
        true,
      );
    }
    const size = JSON.stringify(json).length;
    if (size > this.sandbox.limits.output)
      return textResult(
        `the result is ${size} bytes of JSON, more than the output limit of ${this.sandbox.limits.output}`,
        true,
      );
    const isErr =
      fn.result.kind === 'result' && typeof json === 'object' && json !== null && 'err' in json;
    // A result's text is its payload: what a reader wants, not the envelope.
    const shown =
      fn.result.kind === 'result' ? Object.values(json as Record<string, unknown>)[0] : json;
    const text =
      typeof shown === 'string'
        ? shown
        : shown === null
          ? isErr
            ? 'error'
            : ''
          : JSON.stringify(shown);
    return {
      content: text ? [{ type: 'text', text: clip(text) }] : [],
      structuredContent: { result: json },
      ...(isErr ? { isError: true } : {}),
    };
  }

  /** A guest's `mcpkit:host/tools.call-tool`: the server decides (the caller's policy first). */
  async #callTool(
    ctx: CallContext,
    name: string,
    text: string,
  ): Promise<{ ok: boolean; value: string }> {
    if (!ctx.callTool) return { ok: false, value: 'calling other tools is not available here' };
    let args: unknown;
    try {
      args = JSON.parse(text);
    } catch (error) {
      return { ok: false, value: `the arguments are not JSON: ${(error as Error).message}` };
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      return { ok: false, value: 'the arguments must be a JSON object' };
    const r = await ctx.callTool(name, args as Record<string, unknown>);
    if (r.isError) {
      const message = r.content
        .map((c) => (c.type === 'text' ? c.text : ''))
        .filter(Boolean)
        .join('\n');
      return { ok: false, value: message || `tool \`${name}\` failed` };
    }
    return { ok: true, value: JSON.stringify(r) };
  }

  describe(): Record<string, unknown> {
    const c = this.sandbox.component;
    return {
      format: 'WebAssembly component (WASI 0.2)',
      size: c.size,
      digest: c.digest,
      imports: c.interface.imports,
      exports: this.sandbox.functions().map((f) => ({
        interface: f.exportName || null,
        function: f.fn.name,
        signature: signature(f.fn),
      })),
      skipped: this.skipped,
      limits: this.sandbox.limits,
      isolation: 'worker',
    };
  }
}

export function signature(fn: WitFunction): string {
  const params = fn.params.map((p) => `${p.name}: ${witTypeText(p.type)}`).join(', ');
  return `func(${params})${fn.result ? ` -> ${witTypeText(fn.result)}` : ''}`;
}
