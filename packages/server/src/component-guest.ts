// WebAssembly components as tools (guest format 2): each exported function is
// a tool, named as Wassette names it, with JSON Schemas derived from its WIT
// types and descriptions from its WIT doc comments. Arguments are checked and
// converted before the component runs; what it returns comes back as text and
// as `structuredContent` `{ "result": … }`.

import {
  argumentsFromJson,
  type ComponentFunction,
  ComponentSandbox,
  type ComponentSandboxOptions,
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
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  type CallContext,
  type CallOutcome,
  clip,
  type Guest,
  lineLogger,
  resultFromError,
  textResult,
  withExplanations,
} from './guest.js';
import type { ToolDefinition } from './manifest.js';
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

export class ComponentGuest implements Guest {
  readonly kind = 'component' as const;
  readonly tools: readonly ToolDefinition[];
  readonly sandbox: ComponentSandbox;
  /** Exported functions that are not tools, with the reason. */
  readonly skipped: readonly Skipped[];
  readonly #targets: ReadonlyMap<string, Target>;

  private constructor(sandbox: ComponentSandbox, options: ComponentGuestOptions) {
    this.sandbox = sandbox;
    const { targets, skipped } = componentTools(sandbox.functions(), options.docs);
    for (const s of skipped) options.onSkipped?.(s.function, s.reason);
    this.#targets = targets;
    this.tools = [...targets.values()].map((t) => t.tool);
    this.skipped = skipped;
  }

  static async create(options: ComponentGuestOptions): Promise<ComponentGuest> {
    return new ComponentGuest(await ComponentSandbox.create(options), options);
  }

  async call(tool: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallOutcome> {
    const target = this.#targets.get(tool);
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
    try {
      const r = await this.sandbox.call(target, values, {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onStderr: (chunk) => errLines.push(chunk),
        ...(ctx.log ? { onLog: (level, message) => ctx.log!(level as never, message) } : {}),
        ...(ctx.progress ? { onProgress: ctx.progress.bind(ctx) } : {}),
        callTool: (name, text) => this.#callTool(ctx, name, text),
      });
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
