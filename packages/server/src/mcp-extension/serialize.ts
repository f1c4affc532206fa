// The `mcp:` section back to document form; `parse` reads the result to an
// equal section (the `_pattern` shorthand comes back in its long form).

import { formatDuration } from '@mcpkit/wasm-policy';
import type { McpRuleLists, McpSection, ParameterConstraint, TransportSection } from './model.js';

function constraint(c: ParameterConstraint): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.pattern !== undefined) out.pattern = c.pattern;
  if (c.enum !== undefined) out.enum = [...c.enum];
  if (c.minimum !== undefined) out.minimum = c.minimum;
  if (c.maximum !== undefined) out.maximum = c.maximum;
  if (c.maxLength !== undefined) out.max_length = c.maxLength;
  return out;
}

function lists<R>(l: McpRuleLists<R>, f: (r: R) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (l.allow.length > 0) out.allow = l.allow.map(f);
  if (l.deny.length > 0) out.deny = l.deny.map(f);
  return out;
}

function transport(t: TransportSection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (t.stdio !== undefined) out.stdio = t.stdio;
  if (t.http !== undefined) {
    if (t.http === false) out.http = false;
    else {
      const http: Record<string, unknown> = {};
      if (t.http.allowedHosts !== undefined) http.allowed_hosts = [...t.http.allowedHosts];
      if (t.http.allowedOrigins !== undefined) http.allowed_origins = [...t.http.allowedOrigins];
      out.http = http;
    }
  }
  if (t.websocket !== undefined) out.websocket = t.websocket;
  return out;
}

export function serializeMcp(section: McpSection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (section.tools) {
    out.tools = lists(section.tools, (r) => {
      const rule: Record<string, unknown> = { name: r.name };
      if (r.maxCallsPerMinute !== undefined) rule.max_calls_per_minute = r.maxCallsPerMinute;
      if (r.parameters !== undefined && r.parameters.length > 0)
        // fromEntries defines own properties, so a parameter named `__proto__` stays data.
        rule.parameters = Object.fromEntries(r.parameters.map((c) => [c.parameter, constraint(c)]));
      return rule;
    });
  }
  if (section.prompts) {
    out.prompts = lists(section.prompts, (r) =>
      r.maxLength === undefined ? { name: r.name } : { name: r.name, max_length: r.maxLength },
    );
  }
  if (section.resources) {
    out.resources = lists(section.resources, (r) => ({
      uri: r.uri,
      operations: [...r.operations],
    }));
  }
  if (section.transport) out.transport = transport(section.transport);
  if (section.client) {
    const c: Record<string, unknown> = {};
    if (section.client.sampling !== undefined) c.sampling = section.client.sampling;
    if (section.client.elicitation !== undefined) c.elicitation = section.client.elicitation;
    if (section.client.roots !== undefined) c.roots = section.client.roots;
    out.client = c;
  }
  if (section.grants) {
    const g: Record<string, unknown> = {};
    if (section.grants.approval !== undefined) g.approval = section.grants.approval;
    if (section.grants.timeoutMs !== undefined)
      g.timeout = formatDuration(section.grants.timeoutMs);
    out.grants = g;
  }
  return out;
}
