// The compiled network matcher: exact host names in a map, `*.suffix` rules in
// a map walked label by label, IPv4 ranges in one map per prefix length, and
// per-rule constraints (ports, schemes, methods, paths, protocols).

import { pathPrefixMatches } from './cover.js';
import { type Decision, denial, ruleDecision } from './decision.js';
import { isHostError, normalizeHost } from './host.js';
import {
  type Cidr,
  cidrContains,
  embeddedIPv4,
  type IpAddress,
  maskV4,
  parseCidr,
  parseIp,
} from './ip.js';
import type { NetworkRule, PortRange, RuleLists } from './model.js';
import { specialRange } from './special-addresses.js';
import { defaultPort } from './validate-network.js';

/** What is being reached. Only `host` is required. */
export interface NetworkTarget {
  /** A host name or IP address in any spelling (no port, no userinfo). */
  host: string;
  port?: number;
  /** `http`, `https`, `ws`, `wss` (no colon). */
  scheme?: string;
  method?: string;
  /** URL path, e.g. `/api/v1/items`. */
  path?: string;
  /** `tcp` or `udp`, for socket access. */
  protocol?: string;
}

interface Entry {
  readonly decision: Decision;
  /** Null when the rule has no constraints. */
  readonly constraints: Constraints | null;
  /** For CIDR and IP rules. */
  readonly cidr: Cidr | undefined;
}

interface Constraints {
  readonly ports?: readonly PortRange[];
  readonly schemes?: readonly string[];
  readonly methods?: readonly string[];
  readonly paths?: readonly string[];
  readonly protocols?: readonly string[];
}

function constraintsOf(rule: NetworkRule): Constraints | null {
  const c: Record<string, unknown> = {};
  for (const k of ['ports', 'schemes', 'methods', 'paths', 'protocols'] as const) {
    if (rule[k] !== undefined) c[k] = rule[k];
  }
  return Object.keys(c).length > 0 ? (c as Constraints) : null;
}

/**
 * An allow rule applies only when every attribute it constrains is known and
 * matches; a deny rule applies unless a known attribute fails to match.
 */
function constraintsHold(c: Constraints, t: NetworkTarget, deny: boolean): boolean {
  if (c.ports) {
    const port = t.port ?? (t.scheme ? defaultPort(t.scheme) : undefined);
    if (port === undefined) {
      if (!deny) return false;
    } else if (!c.ports.some((r) => port >= r.from && port <= r.to)) return false;
  }
  if (c.schemes) {
    if (t.scheme === undefined) {
      if (!deny) return false;
    } else if (!c.schemes.includes(t.scheme.toLowerCase())) return false;
  }
  if (c.methods) {
    if (t.method === undefined) {
      if (!deny) return false;
    } else if (!c.methods.includes(t.method.toUpperCase())) return false;
  }
  if (c.paths) {
    if (t.path === undefined) {
      if (!deny) return false;
    } else if (!c.paths.some((p) => pathPrefixMatches(p, t.path!))) return false;
  }
  if (c.protocols) {
    if (t.protocol === undefined) {
      if (!deny) return false;
    } else if (!c.protocols.includes(t.protocol.toLowerCase())) return false;
  }
  return true;
}

function firstHolding(
  list: readonly Entry[] | undefined,
  t: NetworkTarget | undefined,
  deny: boolean,
): Entry | undefined {
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (e.constraints === null || (t !== undefined && constraintsHold(e.constraints, t, deny)))
      return e;
    if (t === undefined && deny) return e;
  }
  return undefined;
}

function push<K>(map: Map<K, Entry[]>, key: K, e: Entry): void {
  const list = map.get(key);
  if (list) list.push(e);
  else map.set(key, [e]);
}

class RuleIndex {
  readonly exact = new Map<string, Entry[]>();
  readonly wildcard = new Map<string, Entry[]>();
  readonly any: Entry[] = [];
  /** IPv4 ranges: prefix length -> network -> entries; lengths longest first. */
  readonly v4 = new Map<number, Map<number, Entry[]>>();
  v4Lengths: number[] = [];
  readonly v6: Entry[] = [];
  /** Label counts of the `*.suffix` rules, ascending. */
  #wildcardLabels: number[] = [];
  #empty = true;

  constructor(readonly deny: boolean) {}

  get empty(): boolean {
    return this.#empty;
  }

  add(rule: NetworkRule, decision: Decision): void {
    this.#empty = false;
    const constraints = constraintsOf(rule);
    let cidr: Cidr | undefined;
    if (rule.kind === 'cidr' || parseIp(rule.pattern) !== undefined) {
      const parsed = parseCidr(rule.pattern);
      if (parsed.ok) cidr = parsed.cidr;
    }
    const entry: Entry = { decision, constraints, cidr };
    if (cidr) {
      if (cidr.version === 4) {
        let byNet = this.v4.get(cidr.prefix);
        if (!byNet) {
          byNet = new Map();
          this.v4.set(cidr.prefix, byNet);
        }
        push(byNet, (cidr.network as { value: number }).value, entry);
        this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
      } else this.v6.push(entry);
    } else if (rule.pattern === '*') this.any.push(entry);
    else if (rule.pattern.startsWith('*.')) {
      const suffix = rule.pattern.slice(2);
      push(this.wildcard, suffix, entry);
      const labels = suffix.split('.').length;
      if (!this.#wildcardLabels.includes(labels))
        this.#wildcardLabels = [...this.#wildcardLabels, labels].sort((a, b) => a - b);
    } else push(this.exact, rule.pattern, entry);
  }

  /** A host name (canonical, not an IP). */
  matchName(host: string, t: NetworkTarget | undefined): Entry | undefined {
    const exact = firstHolding(this.exact.get(host), t, this.deny);
    if (exact) return exact;
    const counts = this.#wildcardLabels;
    if (counts.length > 0) {
      // Only suffixes with as many labels as some `*.suffix` rule has, and
      // fewer than the host has: a.b.example.com may match *.example.com.
      let k = 0;
      let labels = 0;
      for (let i = host.length - 1; i >= 0 && k < counts.length; i--) {
        if (host.charCodeAt(i) !== 46) continue;
        labels++;
        if (labels === counts[k]) {
          const hit = firstHolding(this.wildcard.get(host.slice(i + 1)), t, this.deny);
          if (hit) return hit;
          k++;
        }
      }
    }
    return this.matchAny(t);
  }

  /** Rules for any host (`host: "*"`). */
  matchAny(t: NetworkTarget | undefined): Entry | undefined {
    return firstHolding(this.any, t, this.deny);
  }

  /** The most specific IP rule holding for the address. */
  matchIp(ip: IpAddress, t: NetworkTarget | undefined): Entry | undefined {
    if (ip.version === 4) {
      const lengths = this.v4Lengths;
      for (let i = 0; i < lengths.length; i++) {
        const len = lengths[i]!;
        const hit = firstHolding(
          this.v4.get(len)!.get((ip.value & maskV4(len)) >>> 0),
          t,
          this.deny,
        );
        if (hit) return hit;
      }
      return undefined;
    }
    let best: Entry | undefined;
    for (const e of this.v6) {
      if (cidrContains(e.cidr!, ip) && (!best || e.cidr!.prefix > best.cidr!.prefix)) {
        if (firstHolding([e], t, this.deny)) best = e;
      }
    }
    return best;
  }
}

const INVALID_HOST = denial('invalid', 'the host is not a valid host name or IP address');
const HOST_NOT_GRANTED = denial('not-granted', 'no `network.allow` rule grants this host');
const IP_NOT_GRANTED = denial('not-granted', 'no `network.allow` rule grants this address');
const SPECIAL = new Map<string, Decision>();

export class NetworkMatcher {
  readonly #allow = new RuleIndex(false);
  readonly #deny = new RuleIndex(true);

  constructor(lists: RuleLists<NetworkRule>) {
    for (const list of ['allow', 'deny'] as const) {
      lists[list].forEach((rule, index) => {
        const text = rule.kind === 'host' ? rule.host : rule.cidr;
        const decision = ruleDecision({ ...rule.at, section: 'network', list, index, text });
        (list === 'allow' ? this.#allow : this.#deny).add(rule, decision);
      });
    }
  }

  /**
   * Decide reaching a host (name or IP in any spelling) with optional port,
   * scheme, method, path and protocol. For a name this is the name-level
   * decision; the addresses it resolves to must also pass `decideAddress`.
   */
  decide(target: NetworkTarget): Decision {
    const host = normalizeHost(target.host);
    if (isHostError(host)) return INVALID_HOST;
    const ip = looksLikeIp(host) ? parseIp(host) : undefined;
    if (ip) return this.#decideIp(ip, target, true);
    if (!this.#deny.empty) {
      const denied = this.#deny.matchName(host, target);
      if (denied) return denied.decision;
    }
    return this.#allow.matchName(host, target)?.decision ?? HOST_NOT_GRANTED;
  }

  /**
   * Decide connecting to an address (any spelling). Deny ranges are checked
   * against IPv4 addresses embedded in IPv6 ones too. Special addresses need
   * an explicit rule. `byName` says whether a host rule already granted the
   * name; then an address no rule mentions is allowed.
   */
  decideAddress(
    address: string,
    target?: Omit<NetworkTarget, 'host'>,
    byName?: Decision,
  ): Decision {
    const ip = parseIp(address);
    if (!ip) return INVALID_HOST;
    const t = target ? { ...target, host: address } : undefined;
    const d = this.#decideIp(ip, t, false);
    if (d.code === 'not-granted' && byName?.allowed) return byName;
    return d;
  }

  #decideIp(ip: IpAddress, t: NetworkTarget | undefined, literal: boolean): Decision {
    const denied = this.#deny.empty ? undefined : this.#deny.matchIp(ip, t);
    if (denied) return denied.decision;
    if (ip.version === 6) {
      const v4 = embeddedIPv4(ip);
      if (v4 !== undefined) {
        const inner: IpAddress = { version: 4, value: v4 };
        const d = this.#deny.matchIp(inner, t);
        if (d) return d.decision;
        const s = specialRange(inner);
        if (s) return specialDenial(s.text, s.kind);
      }
    }
    const allowed = this.#allow.matchIp(ip, t);
    const special = specialRange(ip);
    if (special) {
      if (allowed?.cidr && allowed.cidr.prefix >= special.cidr.prefix) return allowed.decision;
      return specialDenial(special.text, special.kind);
    }
    if (allowed) return allowed.decision;
    if (literal) {
      const any = this.#allow.matchAny(t);
      if (any) return any.decision;
    }
    return IP_NOT_GRANTED;
  }
}

function specialDenial(range: string, kind: string): Decision {
  let d = SPECIAL.get(range);
  if (!d) {
    d = denial(
      'special-address',
      `a ${kind} is reachable only through an explicit \`cidr\` rule inside ${range}`,
    );
    SPECIAL.set(range, d);
  }
  return d;
}

/** After normalisation an IP is dotted decimal or contains a colon; a name never ends in a digit-only label. */
function looksLikeIp(host: string): boolean {
  for (let i = host.length - 1; i >= 0; i--) {
    const c = host.charCodeAt(i);
    if (c === 46) return true;
    if (c === 58) return true;
    if (c < 48 || c > 57) return host.includes(':');
  }
  return true;
}
