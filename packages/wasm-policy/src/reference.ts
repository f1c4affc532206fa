// A plain interpreter of policy decisions: rule by rule, in document order,
// no indexes and no regular expressions. Slow and obviously right; the
// compiled matchers are tested against it. Not part of the public API.

import type { NetworkTarget } from './compile-network.js';
import { envKeyMatches, pathPrefixMatches } from './cover.js';
import { expandBraces, globMatches } from './glob.js';
import { isHostError, normalizeHost } from './host.js';
import { cidrContains, embeddedIPv4, type IpAddress, parseCidr, parseIp } from './ip.js';
import type { Access, NetworkRule, PolicyDocument } from './model.js';
import { normalizePath } from './path.js';
import { specialRange } from './special-addresses.js';
import { defaultPort } from './validate-network.js';

export interface ReferenceDecision {
  allowed: boolean;
  code: 'allowed' | 'denied' | 'not-granted' | 'invalid' | 'special-address';
  /** Indexes of every rule of the deciding list that matches. */
  matching: number[];
}

const no = (code: ReferenceDecision['code']): ReferenceDecision => ({
  allowed: false,
  code,
  matching: [],
});

export function referenceStorage(
  doc: PolicyDocument,
  path: string,
  access: Access,
): ReferenceDecision {
  const p = normalizePath(path);
  if (typeof p !== 'string') return no('invalid');
  const matches = (list: 'allow' | 'deny') =>
    doc.storage[list]
      .map((r, i) => ({ r, i }))
      .filter(
        ({ r }) =>
          r.access.includes(access) &&
          (expandBraces(r.pattern) ?? [r.pattern]).some((g) => globMatches(g, p)),
      )
      .map(({ i }) => i);
  const deny = matches('deny');
  if (deny.length > 0) return { allowed: false, code: 'denied', matching: deny };
  const allow = matches('allow');
  if (allow.length > 0) return { allowed: true, code: 'allowed', matching: allow };
  return no('not-granted');
}

function holds(rule: NetworkRule, t: NetworkTarget, deny: boolean): boolean {
  const check = <T>(
    constraint: readonly T[] | undefined,
    value: unknown,
    ok: (c: readonly T[]) => boolean,
  ) => (constraint === undefined ? true : value === undefined ? deny : ok(constraint));
  const port = t.port ?? (t.scheme ? defaultPort(t.scheme) : undefined);
  return (
    check(rule.ports, port, (c) => c.some((r) => port! >= r.from && port! <= r.to)) &&
    check(rule.schemes, t.scheme, (c) => c.includes(t.scheme!.toLowerCase())) &&
    check(rule.methods, t.method, (c) => c.includes(t.method!.toUpperCase())) &&
    check(rule.paths, t.path, (c) => c.some((p) => pathPrefixMatches(p, t.path!))) &&
    check(rule.protocols, t.protocol, (c) => c.includes(t.protocol!.toLowerCase()))
  );
}

function ruleCidr(rule: NetworkRule) {
  if (rule.kind === 'host' && parseIp(rule.pattern) === undefined) return undefined;
  const c = parseCidr(rule.pattern);
  return c.ok ? c.cidr : undefined;
}

function nameMatches(rule: NetworkRule, host: string): boolean {
  if (rule.kind !== 'host' || ruleCidr(rule)) return false;
  if (rule.pattern === '*') return true;
  if (rule.pattern.startsWith('*.')) return host.endsWith(rule.pattern.slice(1));
  return rule.pattern === host;
}

function ipDecision(
  doc: PolicyDocument,
  ip: IpAddress,
  t: NetworkTarget,
  literal: boolean,
  byName: boolean,
): ReferenceDecision {
  const inRule = (list: 'allow' | 'deny', addr: IpAddress) =>
    doc.network[list]
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => {
        const c = ruleCidr(r);
        return c !== undefined && cidrContains(c, addr) && holds(r, t, list === 'deny');
      });
  const deny = inRule('deny', ip);
  if (deny.length > 0) return { allowed: false, code: 'denied', matching: deny.map((d) => d.i) };
  if (ip.version === 6) {
    const v4 = embeddedIPv4(ip);
    if (v4 !== undefined) {
      const inner: IpAddress = { version: 4, value: v4 };
      const d = inRule('deny', inner);
      if (d.length > 0) return { allowed: false, code: 'denied', matching: d.map((x) => x.i) };
      if (specialRange(inner)) return no('special-address');
    }
  }
  const allow = inRule('allow', ip);
  const special = specialRange(ip);
  if (special) {
    const explicit = allow.filter(({ r }) => ruleCidr(r)!.prefix >= special.cidr.prefix);
    return explicit.length > 0
      ? { allowed: true, code: 'allowed', matching: explicit.map((a) => a.i) }
      : no('special-address');
  }
  if (allow.length > 0) return { allowed: true, code: 'allowed', matching: allow.map((a) => a.i) };
  if (literal) {
    const any = doc.network.allow
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.kind === 'host' && r.pattern === '*' && holds(r, t, false));
    if (any.length > 0) return { allowed: true, code: 'allowed', matching: any.map((a) => a.i) };
  }
  return byName ? { allowed: true, code: 'allowed', matching: [] } : no('not-granted');
}

export function referenceNetwork(doc: PolicyDocument, t: NetworkTarget): ReferenceDecision {
  const host = normalizeHost(t.host);
  if (isHostError(host)) return no('invalid');
  const ip = parseIp(host);
  if (ip && (host.includes(':') || /^[\d.]+$/.test(host)))
    return ipDecision(doc, ip, t, true, false);
  const matching = (list: 'allow' | 'deny') =>
    doc.network[list]
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => nameMatches(r, host) && holds(r, t, list === 'deny'))
      .map(({ i }) => i);
  const deny = matching('deny');
  if (deny.length > 0) return { allowed: false, code: 'denied', matching: deny };
  const allow = matching('allow');
  if (allow.length > 0) return { allowed: true, code: 'allowed', matching: allow };
  return no('not-granted');
}

export function referenceAddress(
  doc: PolicyDocument,
  address: string,
  byName: boolean,
): ReferenceDecision {
  const ip = parseIp(address);
  if (!ip) return no('invalid');
  return ipDecision(doc, ip, { host: address }, false, byName);
}

export function referenceEnv(doc: PolicyDocument, key: string): ReferenceDecision {
  const m = (list: 'allow' | 'deny') =>
    doc.environment[list]
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => envKeyMatches(r.key, key))
      .map(({ i }) => i);
  const deny = m('deny');
  if (deny.length > 0) return { allowed: false, code: 'denied', matching: deny };
  const allow = m('allow');
  if (allow.length > 0) return { allowed: true, code: 'allowed', matching: allow };
  return no('not-granted');
}
