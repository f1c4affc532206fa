// The `network` section: hosts (exact, `*.suffix`, `*`, IP literals) and CIDR
// ranges, each optionally narrowed to ports, schemes, methods, paths, protocols.

import { didYouMean, joinPointer, quote } from './diagnostics.js';
import { isHostError, normalizeHost } from './host.js';
import { formatCidr, parseCidr, parseIp } from './ip.js';
import type { EgressLimits, NetworkRule, NetworkSection, PortRange } from './model.js';
import { parseBytes } from './quantity.js';
import type { SectionReader } from './reader.js';

const RULE_KEYS = [
  'host',
  'cidr',
  'ports',
  'schemes',
  'methods',
  'paths',
  'protocols',
  'limits',
] as const;
const LIMIT_KEYS = ['requests_per_minute', 'concurrent_connections', 'max_response_size'] as const;
export const SCHEMES = Object.freeze(['http', 'https', 'ws', 'wss']);
export const METHODS = Object.freeze([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
]);
export const PROTOCOLS = Object.freeze(['tcp', 'udp']);
const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };

export function readNetwork(r: SectionReader, value: unknown, pointer: string): NetworkSection {
  const out: { allow: NetworkRule[]; deny: NetworkRule[]; limits?: EgressLimits } = {
    allow: [],
    deny: [],
  };
  const section = r.readMap(value, pointer, 'the `network` section', ['allow', 'deny', 'limits']);
  if (!section) return out;
  if (section.limits !== undefined) {
    const limits = readEgressLimits(r, section.limits, joinPointer(pointer, 'limits'));
    if (limits) out.limits = limits;
  }
  for (const list of ['allow', 'deny'] as const) {
    const lp = joinPointer(pointer, list);
    r.readList(section[list], lp, `\`network.${list}\``)?.forEach((item, i) => {
      const rule = readNetworkRule(r, item, joinPointer(lp, i), list);
      if (rule) out[list].push(rule);
    });
  }
  return out;
}

/** `requests_per_minute`, `concurrent_connections`, `max_response_size`. */
function readEgressLimits(
  r: SectionReader,
  value: unknown,
  pointer: string,
): EgressLimits | undefined {
  const map = r.readMap(value, pointer, '`limits`', LIMIT_KEYS);
  if (!map) return undefined;
  const out: { -readonly [K in keyof EgressLimits]: EgressLimits[K] } = {};
  let ok = true;
  const count = (key: 'requests_per_minute' | 'concurrent_connections') => {
    const v = map[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      r.error(
        'invalid-limit',
        joinPointer(pointer, key),
        `\`${key}\` must be a whole number of at least 1, not ${quote(v)}`,
        'leave it out for no limit',
      );
      ok = false;
      return undefined;
    }
    return v;
  };
  const rpm = count('requests_per_minute');
  if (rpm !== undefined) out.requestsPerMinute = rpm;
  const conns = count('concurrent_connections');
  if (conns !== undefined) out.concurrentConnections = conns;
  if (map.max_response_size !== undefined) {
    const b = parseBytes(map.max_response_size);
    if (!b.ok) {
      r.error(
        'invalid-quantity',
        joinPointer(pointer, 'max_response_size'),
        `\`max_response_size\` ${b.message}`,
        'write e.g. `1Mi` or `512Ki`',
      );
      ok = false;
    } else out.maxResponseBytes = b.value;
  }
  return ok ? out : undefined;
}

interface Constraints {
  limits?: EgressLimits;
  ports?: PortRange[];
  schemes?: string[];
  methods?: string[];
  paths?: string[];
  protocols?: string[];
}

function readNetworkRule(
  r: SectionReader,
  value: unknown,
  pointer: string,
  list: 'allow' | 'deny',
): NetworkRule | undefined {
  const what = `a \`network.${list}\` rule`;
  const map = r.readMap(value, pointer, what, RULE_KEYS);
  if (!map) return undefined;
  if (map.host !== undefined && map.cidr !== undefined) {
    r.error(
      'host-and-cidr',
      pointer,
      `${what} has both \`host\` and \`cidr\``,
      'write two rules, one for each',
    );
    return undefined;
  }
  if (map.host === undefined && map.cidr === undefined) {
    r.missing(pointer, 'host', what, 'add `host: "api.example.com"` or `cidr: "10.0.0.0/8"`');
    return undefined;
  }
  const c: Constraints = {};
  let ok = readConstraints(r, map, pointer, c);
  if (map.limits !== undefined) {
    if (list === 'deny') {
      r.error(
        'limits-on-deny',
        joinPointer(pointer, 'limits'),
        'a `network.deny` rule refuses outright; `limits` belong on allow rules',
        'move `limits` to the `network.allow` rule that allows these requests',
      );
      ok = false;
    } else {
      const limits = readEgressLimits(r, map.limits, joinPointer(pointer, 'limits'));
      if (limits) c.limits = limits;
      else ok = false;
    }
  }
  if (map.cidr !== undefined) {
    const p = joinPointer(pointer, 'cidr');
    const text = r.readString(map.cidr, p, '`cidr`');
    if (text === undefined) return undefined;
    const parsed = parseCidr(text.trim());
    if (!parsed.ok) {
      r.error(
        'cidr-syntax',
        p,
        `cidr ${quote(text)} ${parsed.message}`,
        'write e.g. `10.0.0.0/8` or `fd00::/8`',
      );
      return undefined;
    }
    const canonical = formatCidr(parsed.cidr);
    if (parsed.hostBitsSet) {
      r.warning(
        'cidr-host-bits',
        p,
        `cidr ${quote(text)} has host bits set; it means ${quote(canonical)}`,
        `write ${quote(canonical)}`,
      );
    }
    return ok
      ? { kind: 'cidr', cidr: text, pattern: canonical, ...c, at: r.ref(pointer) }
      : undefined;
  }
  const p = joinPointer(pointer, 'host');
  const host = r.readString(map.host, p, '`host`');
  if (host === undefined) return undefined;
  const pattern = hostPattern(r, host, p, c);
  ok &&= pattern !== undefined;
  return ok && pattern !== undefined
    ? { kind: 'host', host, pattern, ...c, at: r.ref(pointer) }
    : undefined;
}

/** Normalise a host as written in a rule; a URL becomes host + scheme (+ port, path). */
function hostPattern(
  r: SectionReader,
  input: string,
  pointer: string,
  c: Constraints,
): string | undefined {
  let host = input.trim();
  if (host.includes('://')) {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      r.error('host-syntax', pointer, `host ${quote(input)} is not a host name or a valid URL`);
      return undefined;
    }
    const scheme = url.protocol.slice(0, -1);
    if (!SCHEMES.includes(scheme)) {
      r.error(
        'host-syntax',
        pointer,
        `host ${quote(input)} has scheme ${quote(scheme)}`,
        'schemes are `http`, `https`, `ws`, `wss`',
      );
      return undefined;
    }
    c.schemes ??= [scheme];
    if (url.port) c.ports ??= [{ from: Number(url.port), to: Number(url.port) }];
    if (url.pathname !== '/' && url.pathname !== '') c.paths ??= [url.pathname];
    host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    r.info(
      'host-url',
      pointer,
      `host ${quote(input)} is a URL; it is read as host ${quote(host)} with scheme ${quote(scheme)}`,
    );
  }
  if (host === '*') return '*';
  const ip = host.includes(':') || /^[\d.x]+$/i.test(host) ? parseIp(host) : undefined;
  if (host.includes(':') && !ip) {
    const help = /^[^:]+:\d+$/.test(host)
      ? `write \`host: ${quote(host.slice(0, host.lastIndexOf(':')))}\` and \`ports: [${host.slice(host.lastIndexOf(':') + 1)}]\``
      : undefined;
    r.error(
      'host-syntax',
      pointer,
      `host ${quote(input)} is not a host name or an IP address`,
      help,
    );
    return undefined;
  }
  if (host.includes('*')) {
    if (!host.startsWith('*.') || host.slice(2).includes('*')) {
      r.error(
        'host-wildcard',
        pointer,
        `host ${quote(input)} has a wildcard that is not a leading \`*.\``,
        'write `*.example.com` for every subdomain of example.com, or `*` for any host',
      );
      return undefined;
    }
    const rest = normalizeHost(host.slice(2));
    if (isHostError(rest) || parseIp(rest)) {
      r.error('host-syntax', pointer, `host ${quote(input)} has no valid domain after \`*.\``);
      return undefined;
    }
    return `*.${rest}`;
  }
  const normal = normalizeHost(host);
  if (isHostError(normal)) {
    r.error(
      'host-syntax',
      pointer,
      `host ${quote(input)} is not a valid host name`,
      'write a name such as `api.example.com`',
    );
    return undefined;
  }
  return normal;
}

function readConstraints(
  r: SectionReader,
  map: Record<string, unknown>,
  pointer: string,
  c: Constraints,
): boolean {
  let ok = true;
  if (map.ports !== undefined) {
    const p = joinPointer(pointer, 'ports');
    const raw =
      typeof map.ports === 'number' || typeof map.ports === 'string' ? [map.ports] : map.ports;
    const list = r.readList(raw, p, '`ports`');
    if (!list) ok = false;
    else {
      const ports: PortRange[] = [];
      list.forEach((v, i) => {
        const range = portRange(v);
        if (range) ports.push(range);
        else {
          ok = false;
          r.error(
            'port-syntax',
            Array.isArray(map.ports) ? joinPointer(p, i) : p,
            `port ${quote(v)} is not a port number or range`,
            'ports are 1-65535; a range is written `"8000-8100"`',
          );
        }
      });
      if (ports.length > 0) c.ports = ports;
    }
  }
  ok = readEnumList(r, map, pointer, 'schemes', SCHEMES, (s) => s.toLowerCase(), c) && ok;
  ok = readEnumList(r, map, pointer, 'methods', METHODS, (s) => s.toUpperCase(), c) && ok;
  ok = readEnumList(r, map, pointer, 'protocols', PROTOCOLS, (s) => s.toLowerCase(), c) && ok;
  if (map.paths !== undefined) {
    const p = joinPointer(pointer, 'paths');
    const paths = r.readStrings(map.paths, p, '`paths`');
    if (!paths) ok = false;
    else {
      paths.forEach((path, i) => {
        if (!path.startsWith('/')) {
          ok = false;
          r.error(
            'path-prefix-syntax',
            Array.isArray(map.paths) ? joinPointer(p, i) : p,
            `path prefix ${quote(path)} does not start with \`/\``,
            `write ${quote(`/${path}`)}`,
          );
        }
      });
      c.paths = paths;
    }
  }
  return ok;
}

function readEnumList(
  r: SectionReader,
  map: Record<string, unknown>,
  pointer: string,
  key: 'schemes' | 'methods' | 'protocols',
  known: readonly string[],
  norm: (s: string) => string,
  c: Constraints,
): boolean {
  if (map[key] === undefined) return true;
  const p = joinPointer(pointer, key);
  const values = r.readStrings(map[key], p, `\`${key}\``);
  if (!values) return false;
  let ok = true;
  const out: string[] = [];
  values.forEach((v, i) => {
    const n = norm(v);
    if (known.includes(n)) {
      if (!out.includes(n)) out.push(n);
    } else {
      ok = false;
      r.error(
        `unknown-${key.slice(0, -1)}`,
        Array.isArray(map[key]) ? joinPointer(p, i) : p,
        `unknown ${key.slice(0, -1)} ${quote(v)}`,
        didYouMean(n, known) ?? `known: ${known.map((k) => quote(k)).join(', ')}`,
      );
    }
  });
  c[key] = out;
  return ok;
}

function portRange(v: unknown): PortRange | undefined {
  const valid = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;
  if (typeof v === 'number') return valid(v) ? { from: v, to: v } : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(v);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return valid(from) && valid(to) && from <= to ? { from, to } : undefined;
}

export function defaultPort(scheme: string): number | undefined {
  return DEFAULT_PORTS[scheme];
}
