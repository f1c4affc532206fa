// WASI command modules as tools (guest format 1): argv is `[tool name]`, the
// arguments arrive as JSON on stdin, stdout is the result (a CallToolResult
// if it parses as one, else text), a non-zero exit is an error with stderr.

import { type RunResult, Sandbox, type SandboxError, type SandboxOptions } from '@mcpkit/sandbox';
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

export class CommandGuest implements Guest {
  readonly kind = 'module' as const;
  readonly tools: readonly ToolDefinition[];
  readonly sandbox: Sandbox;

  private constructor(sandbox: Sandbox, manifest: Manifest) {
    this.sandbox = sandbox;
    this.tools = manifest.tools;
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
