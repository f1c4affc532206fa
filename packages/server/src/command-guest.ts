// WASI command modules as tools (guest format 1): argv is `[tool name]`, the
// arguments arrive as JSON on stdin, stdout is the result (a CallToolResult
// if it parses as one, else text), a non-zero exit is an error with stderr.
// Prompts, resources and completions the manifest lists run the same way,
// argv[0] naming the method (no tool can have a name with `/`), stdin a flat
// JSON object of text values, stdout the MCP result as JSON (or plain text,
// taken as the one message, content or list of suggestions):
//   prompts/get <name>                     stdin: the prompt's arguments
//   resources/read <uri>                   stdin: the template's variables ({} for a resource)
//   completion/complete prompt|resource <prompt name or template> <argument> <value>
//                                          stdin: the arguments already given

import { type RunResult, Sandbox, type SandboxError, type SandboxOptions } from '@mcpkit/sandbox';
import type {
  CallToolResult,
  GetPromptResult,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { GuestCatalog } from './catalog.js';
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
import type { Manifest, ToolDefinition } from './manifest.js';

const decoder = new TextDecoder();

function isCallToolResult(value: unknown): value is CallToolResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const content = (value as { content?: unknown }).content;
  return (
    Array.isArray(content) &&
    content.every(
      (c) =>
        typeof c === 'object' && c !== null && typeof (c as { type?: unknown }).type === 'string',
    )
  );
}

export function resultFromRun(tool: ToolDefinition, run: RunResult): CallToolResult {
  const out = decoder.decode(run.stdout);
  const err = decoder.decode(run.stderr).trim();
  if (run.exitCode !== 0) {
    const detail = err || out.trim() || `the tool exited with code ${run.exitCode}`;
    return textResult(clip(detail), true);
  }
  const trimmed = out.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (isCallToolResult(parsed)) return parsed;
      if (
        tool.outputSchema &&
        typeof parsed === 'object' &&
        parsed !== null &&
        !Array.isArray(parsed)
      ) {
        return {
          content: [{ type: 'text', text: clip(trimmed) }],
          structuredContent: parsed as Record<string, unknown>,
        };
      }
    } catch {
      // Not JSON: plain text.
    }
  }
  return textResult(clip(out));
}

/** A JSON object from stdout, or undefined when stdout is not one. */
function jsonObject(out: string): Record<string, unknown> | undefined {
  const trimmed = out.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(trimmed);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export class CommandGuest implements Guest {
  readonly kind = 'module' as const;
  readonly tools: readonly ToolDefinition[];
  readonly catalog: GuestCatalog;
  readonly sandbox: Sandbox;

  private constructor(sandbox: Sandbox, manifest: Manifest) {
    this.sandbox = sandbox;
    this.tools = manifest.tools;
    this.catalog = manifest.catalog;
  }

  static async create(options: SandboxOptions & { manifest: Manifest }): Promise<CommandGuest> {
    return new CommandGuest(await Sandbox.create(options), options.manifest);
  }

  async call(tool: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallOutcome> {
    const def = this.tools.find((t) => t.name === tool);
    if (!def)
      return { result: textResult(`this component has no tool \`${tool}\``, true), violations: [] };
    const lines = lineLogger(ctx.log?.bind(ctx));
    try {
      const run = await this.sandbox.run({
        program: tool,
        stdin: ctx.argsJson ?? JSON.stringify(args),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onStderr: (chunk) => lines.push(chunk),
      });
      lines.flush();
      const result = resultFromRun(def, run);
      return { result: withExplanations(result, run.violations), violations: run.violations };
    } catch (error) {
      lines.flush();
      const e = error as SandboxError;
      if (typeof e?.code !== 'string') throw error;
      const violations = e.outcome?.violations ?? [];
      return { result: withExplanations(resultFromError(e), violations), violations };
    }
  }

  /** Run the module for one MCP method; its stdout, or a GuestError saying why not. */
  async #method(
    argv: readonly string[],
    stdin: Readonly<Record<string, string>>,
    ctx: CallContext,
  ): Promise<string> {
    const lines = lineLogger(ctx.log?.bind(ctx));
    let run: RunResult;
    try {
      run = await this.sandbox.run({
        program: argv[0]!,
        args: argv.slice(1),
        stdin: JSON.stringify(stdin),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onStderr: (chunk) => lines.push(chunk),
      });
    } catch (error) {
      const e = error as SandboxError;
      if (typeof e?.code !== 'string') throw error;
      const denied = e.outcome?.violations ?? [];
      throw new GuestError(
        `${e.message}${denied.length > 0 ? `\nThe policy refused:\n${explainViolations(denied)}` : ''}`,
      );
    } finally {
      lines.flush();
    }
    const out = decoder.decode(run.stdout);
    if (run.exitCode !== 0) {
      const err = decoder.decode(run.stderr).trim();
      const denied =
        run.violations.length > 0
          ? `\nThe policy refused:\n${explainViolations(run.violations)}`
          : '';
      throw new GuestError(
        `${clip(err || out.trim() || `the module exited with code ${run.exitCode}`)}${denied}`,
      );
    }
    return out;
  }

  async getPrompt(
    name: string,
    args: Readonly<Record<string, string>>,
    ctx: CallContext,
  ): Promise<GetPromptResult> {
    const out = await this.#method(['prompts/get', name], args, ctx);
    const json = jsonObject(out);
    if (json && Array.isArray(json.messages)) return json as GetPromptResult;
    return { messages: [{ role: 'user', content: { type: 'text', text: clip(out) } }] };
  }

  async readResource(
    uri: string,
    match: ResourceMatch,
    ctx: CallContext,
  ): Promise<ReadResourceResult> {
    const out = await this.#method(
      ['resources/read', uri],
      match.template ? match.variables : {},
      ctx,
    );
    const json = jsonObject(out);
    if (json && Array.isArray(json.contents)) return json as ReadResourceResult;
    const mimeType = (match.resource ?? match.template).mimeType;
    return { contents: [{ uri, ...(mimeType ? { mimeType } : {}), text: out }] };
  }

  async complete(request: CompletionRequest, ctx: CallContext): Promise<Completion> {
    if (!this.catalog.completions) return { values: [] };
    const { ref, argument } = request;
    const out = await this.#method(
      [
        'completion/complete',
        ref.type === 'ref/prompt' ? 'prompt' : 'resource',
        ref.type === 'ref/prompt' ? ref.name : ref.uri,
        argument.name,
        argument.value,
      ],
      request.context,
      ctx,
    );
    const json = jsonObject(out);
    const completion = (json?.completion ?? json) as Record<string, unknown> | undefined;
    if (completion && Array.isArray(completion.values))
      return {
        values: completion.values.map(String),
        ...(typeof completion.total === 'number' ? { total: completion.total } : {}),
        ...(typeof completion.hasMore === 'boolean' ? { hasMore: completion.hasMore } : {}),
      };
    return { values: out.split('\n').filter((l) => l.trim() !== '') };
  }

  describe(): Record<string, unknown> {
    const m = this.sandbox.module;
    return {
      format: 'WASI preview1 command module',
      size: m.size,
      digest: m.digest,
      imports: m.imports.map((i) => `${i.module}.${i.name}`),
      memory: m.memory
        ? {
            initialBytes: m.memory.initialPages * 65536,
            maxBytes: m.memory.maxPages === undefined ? null : m.memory.maxPages * 65536,
          }
        : null,
      limits: this.sandbox.limits,
      isolation: this.sandbox.isolation,
      trialRuns: this.sandbox.trial,
    };
  }
}
