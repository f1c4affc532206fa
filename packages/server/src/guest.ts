// What a loaded component is to the server, whatever its format: a list of
// tools and a way to call one. WASI command modules and WebAssembly
// components implement it.

import type { Violation } from '@mcpkit/sandbox';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolDefinition } from './manifest.js';

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

export interface CallContext {
  readonly signal?: AbortSignal | undefined;
  /** Guest diagnostics (stderr lines, host log calls), sent to the client as log messages. */
  log?(level: LogLevel, message: string): void;
  /** Progress of this call, when the client asked for it. */
  progress?(progress: number, total?: number, message?: string): void;
  /** Call another tool, for guests that compose tools (checked by the caller). */
  callTool?(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
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
