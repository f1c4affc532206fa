// Combining policies. `mergePolicies` is inheritance (`extends`): allow and
// deny lists union, each limit takes the minimum, isolation takes the stricter.
// `intersectPolicy` and `outsideCeiling` bound runtime grants by a ceiling.

import { envKeyCovers, networkRuleCovers, storagePatternCovers } from './cover.js';
import { quote } from './diagnostics.js';
import { InvalidPolicyError } from './errors.js';
import type { ExtensionRegistry } from './extension.js';
import { expandBraces } from './glob.js';
import {
  type Access,
  type EgressLimits,
  type EnvRule,
  LIMIT_NAMES,
  type LimitName,
  type NetworkRule,
  type NetworkSection,
  type PolicyDocument,
  type ResourceLimits,
  type RuleLists,
  type SourceRef,
  type StorageRule,
} from './model.js';
import { serializeNetworkRule } from './serialize.js';

function union<R>(a: readonly R[], b: readonly R[], key: (r: R) => string): R[] {
  const seen = new Set(a.map(key));
  const out = [...a];
  for (const r of b) {
    const k = key(r);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  }
  return out;
}

const storageKey = (r: StorageRule) => `${r.pattern}\0${r.access.join()}`;
const networkKey = (r: NetworkRule) => JSON.stringify(serializeNetworkRule(r));
const envKey = (r: EnvRule) => r.key;

function unionLists<R>(a: RuleLists<R>, b: RuleLists<R>, key: (r: R) => string): RuleLists<R> {
  return { allow: union(a.allow, b.allow, key), deny: union(a.deny, b.deny, key) };
}

/** Each egress limit the smaller of the two; absent when neither sets it. */
export function minEgress(
  a: EgressLimits | undefined,
  b: EgressLimits | undefined,
): EgressLimits | undefined {
  if (!a) return b;
  if (!b) return a;
  const pick = (x?: number, y?: number) =>
    x === undefined ? y : y === undefined ? x : Math.min(x, y);
  const out: { -readonly [K in keyof EgressLimits]: EgressLimits[K] } = {};
  const rpm = pick(a.requestsPerMinute, b.requestsPerMinute);
  if (rpm !== undefined) out.requestsPerMinute = rpm;
  const conns = pick(a.concurrentConnections, b.concurrentConnections);
  if (conns !== undefined) out.concurrentConnections = conns;
  const bytes = pick(a.maxResponseBytes, b.maxResponseBytes);
  if (bytes !== undefined) out.maxResponseBytes = bytes;
  return out;
}

function withLimits(
  lists: RuleLists<NetworkRule>,
  limits: EgressLimits | undefined,
): NetworkSection {
  return limits ? { ...lists, limits } : lists;
}

function minLimits(a: PolicyDocument, b: PolicyDocument) {
  const limits: { -readonly [K in LimitName]?: number } = {};
  const limitsAt: Partial<Record<LimitName, SourceRef>> = {};
  for (const name of LIMIT_NAMES) {
    const x = a.limits[name];
    const y = b.limits[name];
    if (x === undefined && y === undefined) continue;
    const fromB = x === undefined || (y !== undefined && y < x);
    limits[name] = fromB ? y! : x!;
    const at = fromB ? b.limitsAt[name] : a.limitsAt[name];
    if (at) limitsAt[name] = at;
  }
  return { limits, limitsAt };
}

function extensionsOf(
  a: PolicyDocument,
  b: PolicyDocument,
  registry: ExtensionRegistry | undefined,
  combine: 'merge',
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a.extensions };
  for (const [id, section] of Object.entries(b.extensions)) {
    if (!(id in out)) out[id] = section;
    else {
      const ext = registry?.get(id);
      if (!ext)
        throw new InvalidPolicyError(
          `cannot ${combine} the \`${id}\` sections: no extension \`${id}\` is registered`,
        );
      out[id] = ext.merge(out[id], section);
    }
  }
  return out;
}

/** `child` extends `base`: everything either grants or denies, the smaller limits. */
export function mergePolicies(
  base: PolicyDocument,
  child: PolicyDocument,
  registry?: ExtensionRegistry,
): PolicyDocument {
  const { limits, limitsAt } = minLimits(base, child);
  const isolation =
    base.runtime.isolation === 'worker' || child.runtime.isolation === 'worker'
      ? 'worker'
      : (child.runtime.isolation ?? base.runtime.isolation);
  const description = child.description ?? base.description;
  return {
    version: child.version,
    ...(description !== undefined ? { description } : {}),
    extends: child.extends,
    storage: unionLists(base.storage, child.storage, storageKey),
    network: withLimits(
      unionLists(base.network, child.network, networkKey),
      minEgress(base.network.limits, child.network.limits),
    ),
    environment: unionLists(base.environment, child.environment, envKey),
    limits,
    limitsAt,
    runtime: isolation ? { isolation } : {},
    extensions: extensionsOf(base, child, registry, 'merge'),
    ...(child.file ? { file: child.file } : {}),
  };
}

function storageCovered(
  rule: StorageRule,
  access: Access,
  ceiling: readonly StorageRule[],
): boolean {
  const inner = expandBraces(rule.pattern) ?? [rule.pattern];
  return inner.every((i) =>
    ceiling.some(
      (c) =>
        c.access.includes(access) &&
        (expandBraces(c.pattern) ?? [c.pattern]).some((o) => storagePatternCovers(o, i)),
    ),
  );
}

export interface CeilingViolation {
  readonly section: string;
  /** Pointer of the rule that goes beyond the ceiling. */
  readonly pointer: string;
  readonly message: string;
}

/** Every allow rule of `policy` that the ceiling's allow rules do not cover. */
export function outsideCeiling(
  policy: PolicyDocument,
  ceiling: PolicyDocument,
  registry?: ExtensionRegistry,
): CeilingViolation[] {
  const out: CeilingViolation[] = [];
  for (const rule of policy.storage.allow) {
    const missing = rule.access.filter((a) => !storageCovered(rule, a, ceiling.storage.allow));
    if (missing.length > 0) {
      out.push({
        section: 'storage',
        pointer: rule.at.pointer,
        message: `${missing.join(' and ')} access to ${quote(rule.uri)} is beyond what the server allows`,
      });
    }
  }
  for (const rule of policy.network.allow) {
    if (!ceiling.network.allow.some((c) => networkRuleCovers(c, rule))) {
      const what =
        rule.kind === 'host' ? `host ${quote(rule.pattern)}` : `range ${quote(rule.pattern)}`;
      out.push({
        section: 'network',
        pointer: rule.at.pointer,
        message: `${what} is beyond what the server allows`,
      });
    }
  }
  for (const rule of policy.environment.allow) {
    if (!ceiling.environment.allow.some((c) => envKeyCovers(c.key, rule.key))) {
      out.push({
        section: 'environment',
        pointer: rule.at.pointer,
        message: `environment variable ${quote(rule.key)} is beyond what the server allows`,
      });
    }
  }
  for (const [id, section] of Object.entries(policy.extensions)) {
    const ext = registry?.get(id);
    if (!ext?.outside) continue;
    for (const v of ext.outside(section, ceiling.extensions[id])) out.push({ section: id, ...v });
  }
  return out;
}

/**
 * What `policy` grants that `ceiling` also grants: uncovered allow rules (or
 * accesses) are dropped, the ceiling's deny rules are added, limits take the minimum.
 */
export function intersectPolicy(
  policy: PolicyDocument,
  ceiling: PolicyDocument,
  registry?: ExtensionRegistry,
): PolicyDocument {
  const storageAllow: StorageRule[] = [];
  for (const rule of policy.storage.allow) {
    const access = rule.access.filter((a) => storageCovered(rule, a, ceiling.storage.allow));
    if (access.length > 0)
      storageAllow.push(access.length === rule.access.length ? rule : { ...rule, access });
  }
  const { limits, limitsAt } = minLimits(policy, ceiling);
  const extensions: Record<string, unknown> = {};
  for (const [id, section] of Object.entries(policy.extensions)) {
    const ext = registry?.get(id);
    extensions[id] = ext?.intersect ? ext.intersect(section, ceiling.extensions[id]) : section;
  }
  return {
    ...policy,
    storage: {
      allow: storageAllow,
      deny: union(policy.storage.deny, ceiling.storage.deny, storageKey),
    },
    network: withLimits(
      {
        allow: policy.network.allow.filter((r) =>
          ceiling.network.allow.some((c) => networkRuleCovers(c, r)),
        ),
        deny: union(policy.network.deny, ceiling.network.deny, networkKey),
      },
      minEgress(policy.network.limits, ceiling.network.limits),
    ),
    environment: {
      allow: policy.environment.allow.filter((r) =>
        ceiling.environment.allow.some((c) => envKeyCovers(c.key, r.key)),
      ),
      deny: union(policy.environment.deny, ceiling.environment.deny, envKey),
    },
    limits: limits as ResourceLimits,
    limitsAt,
    extensions,
  };
}
