// What a loaded component is to the server, whatever its format: a list of
// tools and a way to call one, and optionally prompts, resources and
// completions. WASI command modules and WebAssembly components implement it;
// every other guest kind plugs in here.

import type { HostReply, HostRequest, SandboxError, Violation } from '@mcpkit/sandbox';
import type {
  CallToolResult,
  GetPromptResult,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from './access/principal.js';
import type { GuestCatalog } from './catalog.js';
import type { ClientChannel } from './client-channel.js';
import { explainViolations } from './explain.js';
import type { ToolDefinition } from './manifest.js';

const decoder = new TextDecoder();

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

export interface CallContext {
  readonly signal?: AbortSignal | undefined;
  /** Guest diagnostics (stderr lines, host log calls), sent to the client as log messages. */
  log?(level: LogLevel, message: string): void;
  /** Resolves once the notifications sent for this call so far have gone to the client. */
  flushed?(): Promise<void>;
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
  /** The client whose request this is, to ask it things (elicitation, sampling). */
  readonly client?: ClientChannel | undefined;
  /**
   * A guest's request to its host beyond tool calls (`mcpkit:host/client`,
   * `permissions`, `notifications`), decided by the server under the guest's policy.
   */
  host?(request: HostRequest): Promise<HostReply>;
}

/** What a resource read is of: one of the guest's resources, or an expansion of one of its templates. */
export type ResourceMatch =
  | { readonly resource: Resource; readonly template?: undefined }
  | {
      readonly template: ResourceTemplate;
      /** The template's variables as the URI gave them (lists joined with `,`). */
      readonly variables: Readonly<Record<string, string>>;
      readonly resource?: undefined;
    };

/** A `completion/complete` request, in the guest's own names. */
export interface CompletionRequest {
  readonly ref:
    | { readonly type: 'ref/prompt'; readonly name: string }
    | {
        readonly type: 'ref/resource';
        readonly uri: string;
      };
  readonly argument: { readonly name: string; readonly value: string };
  /** Arguments already resolved (`context.arguments` of the request). */
  readonly context: Readonly<Record<string, string>>;
}

export interface Completion {
  readonly values: readonly string[];
  readonly total?: number;
  readonly hasMore?: boolean;
}

/** A guest could not answer (it said why, or it failed); the message is for the client. */
export class GuestError extends Error {
  readonly code = 'guest-failed';
}

export interface CallOutcome {
  readonly result: CallToolResult;
  /** Capabilities the guest was refused during the call. */
  readonly violations: readonly Violation[];
}

export interface Guest {
  readonly kind: 'module' | 'component' | 'plugin';
  /** Tools as the component defines them (its own names). */
  readonly tools: readonly ToolDefinition[];
  call(tool: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallOutcome>;
  /** Things worth showing in `component inspect`. */
  describe(): Record<string, unknown>;
  /**
   * Prompts, resources and resource templates it offers, in its own names;
   * checked with `validateCatalog` by the guest before it shows them. Absent: none.
   */
  readonly catalog?: GuestCatalog;
  /** The messages of one of its prompts; throws GuestError when it cannot. */
  getPrompt?(
    name: string,
    args: Readonly<Record<string, string>>,
    ctx: CallContext,
  ): Promise<GetPromptResult>;
  /** The contents of `uri`, which `match` says is its own; throws GuestError when it cannot. */
  readResource?(uri: string, match: ResourceMatch, ctx: CallContext): Promise<ReadResourceResult>;
  /** Suggestions for an argument of one of its prompts or templates. */
  complete?(request: CompletionRequest, ctx: CallContext): Promise<Completion>;
  /** Tell `listener` when its tools or catalog change while it is loaded. */
  onChange?(listener: () => void): void;
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
