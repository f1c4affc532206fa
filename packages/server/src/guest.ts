// What a loaded component is to the server, whatever its format: a list of
// tools and a way to call one. WASI command modules and WebAssembly
// components implement it.

import type { SandboxError, Violation } from '@mcpkit/sandbox';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from './access/principal.js';
import { explainViolations } from './explain.js';
import type { ToolDefinition } from './manifest.js';

const decoder = new TextDecoder();

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

export interface CallContext {
  readonly signal?: AbortSignal | undefined;
  /** Guest diagnostics (stderr lines, host log calls), sent to the client as log messages. */
  log?(level: LogLevel, message: string): void;
  /** Progress of this call, when the client asked for it. */
  progress?(progress: number, total?: number, message?: string): void;
  /** Call another tool, for guests that compose tools (checked by the caller). */
  callTool?(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** How many guest tool calls this call is nested in (0 for a client's call). */
  readonly depth?: number;
  /** The arguments as JSON text, when the caller already made it. */
  readonly argsJson?: string;
  /** Who asked (default: the operator, unauthenticated). */
  readonly principal?: Principal;
  /** The MCP session the call came in on, if any. */
  readonly session?: string;
}

export interface CallOutcome {
  readonly result: CallToolResult;
  /** Capabilities the guest was refused during the call. */
  readonly violations: readonly Violation[];
}

export interface Guest {
  readonly kind: 'module' | 'component';
  /** Tools as the component defines them (its own names). */
  readonly tools: readonly ToolDefinition[];
  call(tool: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallOutcome>;
  /** Things worth showing in `component inspect`. */
  describe(): Record<string, unknown>;
}

export function textResult(text: string, isError = false): CallToolResult {
  return { content: [{ type: 'text', text }], ...(isError ? { isError: true } : {}) };
}

const MAX_TEXT = 64 * 1024;

export function clip(text: string): string {
  return text.length > MAX_TEXT
    ? `${text.slice(0, MAX_TEXT)}\n… (${text.length - MAX_TEXT} more characters)`
    : text;
}

/** Split guest output into lines as it arrives; each finished line is logged. */
export function lineLogger(log: ((level: LogLevel, message: string) => void) | undefined) {
  let pending = '';
  const emit = (line: string) => {
    if (!log || line.trim() === '') return;
    const level: LogLevel = /^(error|fatal|panic)\b/i.test(line)
      ? 'error'
      : /^warn/i.test(line)
        ? 'warning'
        : 'info';
    log(level, line);
  };
  return {
    push(chunk: Uint8Array) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) emit(l);
    },
    flush() {
      if (pending) emit(pending);
      pending = '';
    },
  };
}

export function resultFromError(error: SandboxError): CallToolResult {
  const partial = error.outcome ? decoder.decode(error.outcome.stderr).trim() : '';
  return textResult(partial ? `${error.message}\n${clip(partial)}` : error.message, true);
}

/** A failed call that met refusals says what was denied and how to allow it. */
export function withExplanations(
  result: CallToolResult,
  violations: readonly Violation[],
): CallToolResult {
  if (!result.isError || violations.length === 0) return result;
  return {
    ...result,
    content: [
      ...result.content,
      { type: 'text', text: `The policy refused:\n${explainViolations(violations)}` },
    ],
  };
}
