// PolicyDocument back to plain data in canonical form, for writing files
// (runtime grants) and for showing a policy to a user.

import type { ExtensionRegistry } from './extension.js';
import type { EgressLimits, NetworkRule, PolicyDocument, PortRange } from './model.js';
import { formatBytes, formatCpu, formatDuration } from './quantity.js';

function ports(list: readonly PortRange[]): Array<number | string> {
  return list.map((r) => (r.from === r.to ? r.from : `${r.from}-${r.to}`));
}

export function serializeNetworkRule(rule: NetworkRule): Record<string, unknown> {
  const out: Record<string, unknown> =
    rule.kind === 'host' ? { host: rule.pattern } : { cidr: rule.pattern };
  if (rule.ports) out.ports = ports(rule.ports);
  if (rule.schemes) out.schemes = [...rule.schemes];
  if (rule.methods) out.methods = [...rule.methods];
  if (rule.paths) out.paths = [...rule.paths];
  if (rule.protocols) out.protocols = [...rule.protocols];
  if (rule.limits) out.limits = serializeEgressLimits(rule.limits);
  return out;
}

function serializeEgressLimits(l: EgressLimits): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (l.requestsPerMinute !== undefined) out.requests_per_minute = l.requestsPerMinute;
  if (l.concurrentConnections !== undefined) out.concurrent_connections = l.concurrentConnections;
  if (l.maxResponseBytes !== undefined) out.max_response_size = formatBytes(l.maxResponseBytes);
  return out;
}

function lists<R>(l: { allow: readonly R[]; deny: readonly R[] }, f: (r: R) => unknown) {
  const out: Record<string, unknown[]> = {};
  if (l.allow.length > 0) out.allow = l.allow.map(f);
  if (l.deny.length > 0) out.deny = l.deny.map(f);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Plain data that reads back (with `readPolicy`) to an equivalent document. */
export function serializePolicy(
  doc: PolicyDocument,
  registry?: ExtensionRegistry,
): Record<string, unknown> {
  const out: Record<string, unknown> = { version: doc.version };
  if (doc.description !== undefined) out.description = doc.description;
  if (doc.extends.length > 0) out.extends = [...doc.extends];
  const storage = lists(doc.storage, (r) => ({ uri: r.uri, access: [...r.access] }));
  if (storage) out.storage = storage;
  const network = lists(doc.network, serializeNetworkRule);
  if (network || doc.network.limits)
    out.network = {
      ...network,
      ...(doc.network.limits ? { limits: serializeEgressLimits(doc.network.limits) } : {}),
    };
  const environment = lists(doc.environment, (r) => ({ key: r.key }));
  if (environment) out.environment = environment;
  const l = doc.limits;
  const limits: Record<string, unknown> = {};
  if (l.memory !== undefined) limits.memory = formatBytes(l.memory);
  if (l.cpu !== undefined) limits.cpu = formatCpu(l.cpu);
  if (l.cpuTime !== undefined) limits.cpu_time = formatDuration(l.cpuTime);
  if (l.executionTime !== undefined) limits.execution_time = formatDuration(l.executionTime);
  if (l.output !== undefined) limits.output = formatBytes(l.output);
  if (l.concurrency !== undefined) limits.concurrency = l.concurrency;
  if (l.openFiles !== undefined) limits.open_files = l.openFiles;
  if (Object.keys(limits).length > 0) out.resources = { limits };
  if (doc.runtime.isolation) out.runtime = { isolation: doc.runtime.isolation };
  for (const [id, section] of Object.entries(doc.extensions)) {
    const ext = registry?.get(id);
    out[id] = ext ? ext.serialize(section) : section;
  }
  return out;
}
