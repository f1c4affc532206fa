// Inheritance (`extends`) for the `mcp:` section: allow and deny lists union;
// a rule repeated in both documents becomes one rule with the smaller limits
// and both sets of parameter constraints; transport settings: the child's
// where it gives them, else the base's.

import { combineParameters, smaller } from './combine.js';
import {
  type HttpSection,
  type McpRuleLists,
  type McpSection,
  OPERATIONS,
  type PromptRule,
  type ResourceRule,
  type ToolRule,
  type TransportSection,
} from './model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** `a` then the rules of `b`; a rule with the key of an earlier one is folded into it. */
function union<R>(
  a: readonly R[],
  b: readonly R[],
  key: (r: R) => string,
  fold: (earlier: R, later: R) => R,
): R[] {
  const out: R[] = [];
  const index = new Map<string, number>();
  for (const r of [...a, ...b]) {
    const k = key(r);
    const i = index.get(k);
    if (i === undefined) {
      index.set(k, out.length);
      out.push(r);
    } else out[i] = fold(out[i]!, r);
  }
  return out;
}

export function foldTool(a: ToolRule, b: ToolRule): ToolRule {
  const out: Mutable<ToolRule> = { name: a.name, at: a.at };
  const max = smaller(a.maxCallsPerMinute, b.maxCallsPerMinute);
  if (max !== undefined) out.maxCallsPerMinute = max;
  const params = combineParameters(a.parameters, b.parameters, 'second') ?? [];
  if (params.length > 0) out.parameters = params;
  return out;
}

export function foldPrompt(a: PromptRule, b: PromptRule): PromptRule {
  const max = smaller(a.maxLength, b.maxLength);
  return max === undefined
    ? { name: a.name, at: a.at }
    : { name: a.name, maxLength: max, at: a.at };
}

function foldResource(a: ResourceRule, b: ResourceRule): ResourceRule {
  const ops = OPERATIONS.filter((op) => a.operations.includes(op) || b.operations.includes(op));
  return { uri: a.uri, operations: ops, at: a.at };
}

function mergeLists<R>(
  a: McpRuleLists<R> | undefined,
  b: McpRuleLists<R> | undefined,
  key: (r: R) => string,
  foldAllow: (x: R, y: R) => R,
  foldDeny: (x: R, y: R) => R,
): McpRuleLists<R> | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return {
    allow: union(a.allow, b.allow, key, foldAllow),
    deny: union(a.deny, b.deny, key, foldDeny),
  };
}

function mergeHttp(
  a: HttpSection | false | undefined,
  b: HttpSection | false | undefined,
): HttpSection | false | undefined {
  if (b === undefined) return a;
  if (b === false || a === undefined || a === false) return b;
  const out: Mutable<HttpSection> = {};
  const hosts = b.allowedHosts ?? a.allowedHosts;
  const origins = b.allowedOrigins ?? a.allowedOrigins;
  if (hosts !== undefined) out.allowedHosts = hosts;
  if (origins !== undefined) out.allowedOrigins = origins;
  return out;
}

function mergeTransport(
  a: TransportSection | undefined,
  b: TransportSection | undefined,
): TransportSection | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const out: Mutable<TransportSection> = {};
  const stdio = b.stdio ?? a.stdio;
  const http = mergeHttp(a.http, b.http);
  const websocket = b.websocket ?? a.websocket;
  const at = b.at ?? a.at;
  if (stdio !== undefined) out.stdio = stdio;
  if (http !== undefined) out.http = http;
  if (websocket !== undefined) out.websocket = websocket;
  if (at !== undefined) out.at = at;
  return out;
}

/** The child's value for each key it gives, else the base's. */
function childFirst<T extends object>(a: T | undefined, b: T | undefined): T | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) if (v !== undefined) out[k] = v;
  return out as T;
}

const byName = (r: { name: string }) => r.name;
const keep = <R>(a: R) => a;

/** `child` extends `base`. */
export function mergeMcp(base: McpSection, child: McpSection): McpSection {
  const out: Mutable<McpSection> = {};
  const tools = mergeLists(base.tools, child.tools, byName, foldTool, keep);
  const prompts = mergeLists(base.prompts, child.prompts, byName, foldPrompt, keep);
  const resources = mergeLists(
    base.resources,
    child.resources,
    (r) => r.uri,
    foldResource,
    foldResource,
  );
  const transport = mergeTransport(base.transport, child.transport);
  const client = childFirst(base.client, child.client);
  const grants = childFirst(base.grants, child.grants);
  if (client) out.client = client;
  if (grants) out.grants = grants;
  if (tools) out.tools = tools;
  if (prompts) out.prompts = prompts;
  if (resources) out.resources = resources;
  if (transport) out.transport = transport;
  return out;
}
