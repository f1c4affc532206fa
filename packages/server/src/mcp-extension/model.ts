// The `mcp:` section as read from a policy document: plain data that parse
// produces and compile, merge, serialize and the ceiling operations consume.

import type { SourceRef } from '@mcpkit/wasm-policy';

export const OPERATIONS = Object.freeze(['read', 'list', 'subscribe'] as const);
/** What a client may do with a resource. */
export type Operation = (typeof OPERATIONS)[number];

/** A value an `enum` constraint may list. */
export type EnumValue = string | number | boolean | null;

/**
 * What one argument of a tool call must satisfy when it is present. Every
 * given kind must hold; an absent argument satisfies all of them.
 */
export interface ParameterConstraint {
  /** The argument's name. */
  readonly parameter: string;
  /**
   * A path glob when it starts with `/` (stored normalised, matched against
   * the normalised argument), otherwise a name glob over the argument text.
   */
  readonly pattern?: string;
  readonly enum?: readonly EnumValue[];
  readonly minimum?: number;
  readonly maximum?: number;
  /** Characters (code points) of a text argument. */
  readonly maxLength?: number;
  readonly at: SourceRef;
}

export interface ToolRule {
  /** A tool name or a name glob (`*` any run, `?` one character). */
  readonly name: string;
  /** Allow rules only. */
  readonly maxCallsPerMinute?: number;
  /** Allow rules only; in document order. */
  readonly parameters?: readonly ParameterConstraint[];
  readonly at: SourceRef;
}

export interface PromptRule {
  readonly name: string;
  /** Allow rules only: total characters of the prompt's argument values. */
  readonly maxLength?: number;
  readonly at: SourceRef;
}

export interface ResourceRule {
  /** A name glob over the URI text. */
  readonly uri: string;
  /** In the order of `OPERATIONS`, without repeats. */
  readonly operations: readonly Operation[];
  readonly at: SourceRef;
}

export interface McpRuleLists<R> {
  readonly allow: readonly R[];
  readonly deny: readonly R[];
}

export interface HttpSection {
  /** Normalised `host`, `*.domain` or `host:port`; absent: the server's defaults. */
  readonly allowedHosts?: readonly string[];
  /** Exact origins such as `https://app.example.com`; absent: the server's defaults. */
  readonly allowedOrigins?: readonly string[];
}

/** What a component may ask of the client (`mcpkit:host/client`); absent: not said. */
export interface ClientSection {
  readonly sampling?: boolean;
  readonly elicitation?: boolean;
  readonly roots?: boolean;
  readonly at?: SourceRef;
}

export const APPROVALS = Object.freeze(['none', 'elicit'] as const);
/** How runtime grants are approved: as asked (`none`), or by a person through elicitation. */
export type Approval = (typeof APPROVALS)[number];

/** Server policy: how runtime grants are approved; absent fields: not said. */
export interface GrantsSection {
  readonly approval?: Approval;
  /** How long a person has to answer. */
  readonly timeoutMs?: number;
  readonly at?: SourceRef;
}

/** Each field is absent when the document does not say it (merge keeps that apart). */
export interface TransportSection {
  readonly stdio?: boolean;
  readonly http?: HttpSection | false;
  readonly websocket?: boolean;
  readonly at?: SourceRef;
}

export interface McpSection {
  /** Absent when the document has no `tools`: what that means is the server's call. */
  readonly tools?: McpRuleLists<ToolRule>;
  readonly prompts?: McpRuleLists<PromptRule>;
  readonly resources?: McpRuleLists<ResourceRule>;
  readonly transport?: TransportSection;
  readonly client?: ClientSection;
  readonly grants?: GrantsSection;
}

export const NO_POSITION: SourceRef = Object.freeze({ pointer: '', line: 0, column: 0 });
