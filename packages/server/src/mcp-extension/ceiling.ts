// Keeping the `mcp:` section of a grant under a ceiling (the server policy).
// Coverage is conservative: a rule counts as covered only when a ceiling allow
// rule's name or URI glob surely includes it. A kept tool or prompt rule takes
// the limits and parameter constraints of the ceiling rules that cover it.

import { hostPatternCovers, joinPointer, quote } from '@mcpkit/wasm-policy';
import { combineParameters, constraintWithin, smaller } from './combine.js';
import type {
  ClientSection,
  HttpSection,
  McpRuleLists,
  McpSection,
  PromptRule,
  ResourceRule,
  ToolRule,
  TransportSection,
} from './model.js';
import { nameGlobCovers } from './name-glob.js';
import { CLIENT_KEYS } from './parse-client.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface CeilingViolation {
  readonly pointer: string;
  readonly message: string;
}

function unionBy<R>(a: readonly R[], b: readonly R[], key: (r: R) => string): R[] {
  const seen = new Set(a.map(key));
  return [...a, ...b.filter((r) => !seen.has(key(r)))];
}

function covering<R extends { name: string }>(rule: { name: string }, ceiling: readonly R[]): R[] {
  return ceiling.filter((c) => nameGlobCovers(c.name, rule.name));
}

/** `rule` tightened by every ceiling rule that covers it; undefined when none does or it cannot be. */
function tightenTool(rule: ToolRule, ceiling: readonly ToolRule[]): ToolRule | undefined {
  const bounds = covering(rule, ceiling);
  if (bounds.length === 0) return undefined;
  let max = rule.maxCallsPerMinute;
  let params: ToolRule['parameters'] = rule.parameters;
  for (const c of bounds) {
    max = smaller(max, c.maxCallsPerMinute);
    params = combineParameters(params, c.parameters, 'fail');
    if (params === undefined) return undefined;
  }
  const out: Mutable<ToolRule> = { name: rule.name, at: rule.at };
  if (max !== undefined) out.maxCallsPerMinute = max;
  if (params !== undefined && params.length > 0) out.parameters = params;
  return out;
}

function tightenPrompt(rule: PromptRule, ceiling: readonly PromptRule[]): PromptRule | undefined {
  const bounds = covering(rule, ceiling);
  if (bounds.length === 0) return undefined;
  const max = bounds.reduce((m, c) => smaller(m, c.maxLength), rule.maxLength);
  return max === undefined ? { name: rule.name, at: rule.at } : { ...rule, maxLength: max };
}

function coveredOps(rule: ResourceRule, ceiling: readonly ResourceRule[]) {
  return rule.operations.filter((op) =>
    ceiling.some((c) => c.operations.includes(op) && nameGlobCovers(c.uri, rule.uri)),
  );
}

function intersectLists<R>(
  own: McpRuleLists<R> | undefined,
  ceiling: McpRuleLists<R> | undefined,
  keep: (rule: R, ceilingAllow: readonly R[]) => R | undefined,
  key: (r: R) => string,
): McpRuleLists<R> | undefined {
  if (own === undefined && ceiling === undefined) return undefined;
  const allow: R[] = [];
  for (const rule of own?.allow ?? []) {
    const kept = keep(rule, ceiling?.allow ?? []);
    if (kept !== undefined) allow.push(kept);
  }
  return { allow, deny: unionBy(own?.deny ?? [], ceiling?.deny ?? [], key) };
}

function splitHost(entry: string): { host: string; port: string | undefined } {
  const end = entry.startsWith('[') ? entry.indexOf(']') + 1 : 0;
  const colon = entry.indexOf(':', end);
  if (colon < 0) return { host: entry, port: undefined };
  return { host: entry.slice(0, colon), port: entry.slice(colon) };
}

/** Does allowed-host entry `outer` accept every `Host` header `inner` does? */
function hostCovers(outer: string, inner: string): boolean {
  const o = splitHost(outer);
  const i = splitHost(inner);
  return (o.port === undefined || o.port === i.port) && hostPatternCovers(o.host, i.host);
}

function intersectHttp(own: HttpSection, ceiling: HttpSection): HttpSection {
  const out: Mutable<HttpSection> = {};
  const ch = ceiling.allowedHosts ?? [];
  const co = ceiling.allowedOrigins ?? [];
  const hosts =
    ch.length === 0
      ? own.allowedHosts
      : (own.allowedHosts ?? []).length === 0
        ? ch
        : own.allowedHosts!.filter((h) => ch.some((c) => hostCovers(c, h)));
  const origins =
    co.length === 0
      ? own.allowedOrigins
      : (own.allowedOrigins ?? []).length === 0
        ? co
        : own.allowedOrigins!.filter((o) => co.includes(o));
  if (hosts !== undefined) out.allowedHosts = hosts;
  if (origins !== undefined) out.allowedOrigins = origins;
  return out;
}

function intersectTransport(
  own: TransportSection | undefined,
  ceiling: TransportSection | undefined,
): TransportSection | undefined {
  if (ceiling === undefined || own === undefined) return own ?? ceiling;
  const out: Mutable<TransportSection> = { ...own };
  if (ceiling.stdio === false) out.stdio = false;
  if (ceiling.http === false) out.http = false;
  else if (ceiling.http !== undefined && own.http !== false)
    out.http = intersectHttp(own.http ?? {}, ceiling.http);
  if (ceiling.websocket === false && own.websocket !== undefined) out.websocket = false;
  return out;
}

/**
 * What `section` grants that `ceiling` also grants: uncovered allow rules (and
 * resource operations) dropped, kept rules tightened, the ceiling's deny rules
 * added. A list either side has is present in the result (possibly empty), so
 * a missing list never reads as "anything" afterwards.
 */
export function intersectMcp(section: McpSection, ceiling: McpSection | undefined): McpSection {
  const c = ceiling ?? {};
  const out: Mutable<McpSection> = {};
  const tools = intersectLists(section.tools, c.tools, tightenTool, (r) => r.name);
  const prompts = intersectLists(section.prompts, c.prompts, tightenPrompt, (r) => r.name);
  const resources = intersectLists(
    section.resources,
    c.resources,
    (rule, allow) => {
      const ops = coveredOps(rule, allow);
      return ops.length === 0 ? undefined : { ...rule, operations: ops };
    },
    (r) => `${r.uri}\0${r.operations.join()}`,
  );
  const transport = intersectTransport(section.transport, c.transport);
  // Asking the client is kept only where the ceiling allows it too; how
  // grants are approved is the server's to say, never a grant's.
  if (section.client) {
    const client: Mutable<ClientSection> = {};
    for (const key of CLIENT_KEYS)
      if (section.client[key] !== undefined)
        client[key] = section.client[key] === true && c.client?.[key] === true;
    out.client = client;
  }
  if (tools) out.tools = tools;
  if (prompts) out.prompts = prompts;
  if (resources) out.resources = resources;
  if (transport) out.transport = transport;
  return out;
}

const BEYOND = 'is beyond what the server allows';

function toolProblem(rule: ToolRule, ceiling: readonly ToolRule[]): string | undefined {
  const q = quote(rule.name);
  const bounds = covering(rule, ceiling);
  if (bounds.length === 0) return `tool ${q} ${BEYOND}`;
  for (const c of bounds) {
    const cap = c.maxCallsPerMinute;
    if (
      cap !== undefined &&
      !(rule.maxCallsPerMinute !== undefined && rule.maxCallsPerMinute <= cap)
    ) {
      const have =
        rule.maxCallsPerMinute === undefined
          ? 'no call limit'
          : `${rule.maxCallsPerMinute} calls a minute`;
      return `tool ${q} has ${have}, beyond the ${cap} a minute the server allows`;
    }
    for (const bound of c.parameters ?? []) {
      const own = rule.parameters?.find((p) => p.parameter === bound.parameter);
      if (!constraintWithin(own, bound))
        return `argument ${quote(bound.parameter)} of tool ${q} accepts values beyond what the server allows`;
    }
  }
  return undefined;
}

function promptProblem(rule: PromptRule, ceiling: readonly PromptRule[]): string | undefined {
  const q = quote(rule.name);
  const bounds = covering(rule, ceiling);
  if (bounds.length === 0) return `prompt ${q} ${BEYOND}`;
  const cap = bounds.reduce<number | undefined>((m, c) => smaller(m, c.maxLength), undefined);
  if (cap !== undefined && !(rule.maxLength !== undefined && rule.maxLength <= cap))
    return `prompt ${q} accepts arguments longer than the ${cap} characters the server allows`;
  return undefined;
}

function transportProblems(
  own: TransportSection | undefined,
  ceiling: TransportSection | undefined,
  out: CeilingViolation[],
): void {
  if (own === undefined || ceiling === undefined) return;
  const at = (key: string, ...rest: Array<string | number>) =>
    joinPointer(own.at?.pointer ?? '/mcp/transport', key, ...rest);
  if (own.stdio === true && ceiling.stdio === false)
    out.push({ pointer: at('stdio'), message: `the stdio transport ${BEYOND}` });
  if (own.http === undefined || own.http === false) return;
  if (ceiling.http === false) {
    out.push({ pointer: at('http'), message: `the http transport ${BEYOND}` });
    return;
  }
  const ch = ceiling.http?.allowedHosts ?? [];
  if (ch.length > 0) {
    own.http.allowedHosts?.forEach((h, i) => {
      if (!ch.some((c) => hostCovers(c, h)))
        out.push({
          pointer: at('http', 'allowed_hosts', i),
          message: `http host ${quote(h)} ${BEYOND}`,
        });
    });
  }
  const co = ceiling.http?.allowedOrigins ?? [];
  if (co.length > 0) {
    own.http.allowedOrigins?.forEach((o, i) => {
      if (!co.includes(o))
        out.push({
          pointer: at('http', 'allowed_origins', i),
          message: `http origin ${quote(o)} ${BEYOND}`,
        });
    });
  }
}

/** Each allow rule (and transport setting) of `section` that `ceiling` does not cover. */
export function outsideMcp(
  section: McpSection,
  ceiling: McpSection | undefined,
): CeilingViolation[] {
  const c = ceiling ?? {};
  const out: CeilingViolation[] = [];
  for (const rule of section.tools?.allow ?? []) {
    const message = toolProblem(rule, c.tools?.allow ?? []);
    if (message) out.push({ pointer: rule.at.pointer, message });
  }
  for (const rule of section.prompts?.allow ?? []) {
    const message = promptProblem(rule, c.prompts?.allow ?? []);
    if (message) out.push({ pointer: rule.at.pointer, message });
  }
  for (const rule of section.resources?.allow ?? []) {
    const ops = coveredOps(rule, c.resources?.allow ?? []);
    const missing = rule.operations.filter((op) => !ops.includes(op));
    if (missing.length > 0) {
      out.push({
        pointer: rule.at.pointer,
        message:
          missing.length === 1
            ? `operation ${quote(missing[0])} on resource ${quote(rule.uri)} ${BEYOND}`
            : `operations ${missing.map((op) => quote(op)).join(' and ')} on resource ${quote(rule.uri)} are beyond what the server allows`,
      });
    }
  }
  transportProblems(section.transport, c.transport, out);
  for (const key of CLIENT_KEYS)
    if (section.client?.[key] === true && c.client?.[key] !== true)
      out.push({
        pointer: joinPointer(section.client.at?.pointer ?? '/mcp/client', key),
        message: `asking the client for ${key} ${BEYOND}`,
      });
  if (section.grants)
    out.push({
      pointer: section.grants.at?.pointer ?? '/mcp/grants',
      message: "`mcp.grants` is the server policy's to set, not a grant's",
    });
  return out;
}
