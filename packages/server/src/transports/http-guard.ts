// DNS-rebinding defence for the HTTP transport: the Host and Origin allow-lists,
// compiled once when the server starts; the per-request check only looks up sets.

import { domainToASCII } from 'node:url';
import { HttpTransportError, quote } from './http-errors.js';

export type GuardDecision =
  | { readonly allowed: true; readonly rule: string }
  | { readonly allowed: false; readonly reason: string; readonly suggestion?: string };

export interface RequestGuard {
  checkHost(host: string | undefined): GuardDecision;
  checkOrigin(origin: string | undefined): GuardDecision;
}

/** `any`: the entry named no port, so any port (or none) matches; `none`: only a Host without a port. */
type PortRule = number | 'any' | 'none';

interface HostRule {
  readonly port: PortRule;
  readonly rule: string;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'] as const;
const LABELS = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const PORT = /^[0-9]{1,5}$/;

interface HostParts {
  readonly name: string;
  readonly port: number | undefined;
}

/**
 * Splits `name[:port]` / `[v6][:port]` into a normalised name (lower case, no
 * trailing dot, IPv6 in canonical form) and a port. Anything else is undefined.
 */
function parseHost(value: string): HostParts | undefined {
  const text = value.trim().toLowerCase();
  let name: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    name = canonicalIpv6(text.slice(0, end + 1)) ?? '';
    const rest = text.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      portText = rest.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    name = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (name.endsWith('.')) name = name.slice(0, -1);
    if (!LABELS.test(name)) return undefined;
  }
  if (name === '') return undefined;
  if (portText === undefined) return { name, port: undefined };
  if (!PORT.test(portText)) return undefined;
  const port = Number(portText);
  return port > 65535 ? undefined : { name, port };
}

function canonicalIpv6(bracketed: string): string | undefined {
  if (!/^\[[0-9a-f:.]+\]$/.test(bracketed)) return undefined;
  try {
    return new URL(`http://${bracketed}/`).hostname;
  } catch {
    return undefined;
  }
}

function portMatches(rule: PortRule, port: number | undefined): boolean {
  if (rule === 'any') return true;
  if (rule === 'none') return port === undefined;
  return rule === port;
}

function invalidHost(entry: string, why: string): HttpTransportError {
  return new HttpTransportError('invalid-option', `allowed host ${quote(entry)} ${why}`);
}

class HostAllowList {
  readonly #exact = new Map<string, HostRule[]>();
  /** `*.example.com` is kept as suffix `.example.com`: any subdomain, not the apex. */
  readonly #suffixes: { readonly suffix: string; readonly rule: HostRule }[] = [];

  add(name: string, rule: HostRule): void {
    if (name.startsWith('*.')) {
      this.#suffixes.push({ suffix: name.slice(1), rule });
      return;
    }
    const rules = this.#exact.get(name);
    if (rules === undefined) this.#exact.set(name, [rule]);
    else rules.push(rule);
  }

  match(name: string, port: number | undefined): string | undefined {
    for (const rule of this.#exact.get(name) ?? []) {
      if (portMatches(rule.port, port)) return rule.rule;
    }
    for (const { suffix, rule } of this.#suffixes) {
      if (name.length > suffix.length && name.endsWith(suffix) && portMatches(rule.port, port)) {
        return rule.rule;
      }
    }
    return undefined;
  }
}

/** An allow-list entry: `name`, `name:port`, `[v6]`, `*.suffix`; Unicode names become punycode. */
function parseHostEntry(entry: string): HostParts | string {
  let text = entry.trim();
  const wildcard = text.startsWith('*.');
  if (wildcard) text = text.slice(2);
  if (text.includes('*')) return 'has a `*` outside a leading `*.` label';
  // Only non-ASCII names go through IDNA: its URL host parser would also quietly
  // rewrite plain ASCII (`a/b` to `a`, `127.1` to `127.0.0.1`).
  if (/[\s/\\?#@%]/.test(text)) return 'is not a valid host name';
  if (/[^\x00-\x7f]/.test(text)) {
    const colon = text.indexOf(':');
    const ascii = domainToASCII(colon < 0 ? text : text.slice(0, colon));
    if (ascii === '') return 'is not a valid host name';
    text = ascii + (colon < 0 ? '' : text.slice(colon));
  }
  const parts = parseHost(text);
  if (parts === undefined) {
    return 'is not a host name, an IP address or `[ipv6]`, with an optional `:port`';
  }
  return wildcard ? { name: `*.${parts.name}`, port: parts.port } : parts;
}

function compileHosts(entries: readonly string[] | undefined, boundPort: number): HostAllowList {
  const list = new HostAllowList();
  if (entries === undefined) {
    for (const name of LOOPBACK_NAMES) {
      list.add(name, { port: 'none', rule: name });
      list.add(name, { port: boundPort, rule: `${name}:${boundPort}` });
    }
    return list;
  }
  if (entries.length === 0) {
    throw new HttpTransportError(
      'invalid-option',
      'the allowed host list is empty, so every request would be refused; leave it unset for the loopback defaults',
    );
  }
  for (const entry of entries) {
    const parsed = parseHostEntry(entry);
    if (typeof parsed === 'string') throw invalidHost(entry, parsed);
    list.add(parsed.name, { port: parsed.port ?? 'any', rule: entry });
  }
  return list;
}

function compileOrigins(entries: readonly string[] | undefined, boundPort: number): Set<string> {
  if (entries === undefined) {
    return new Set(LOOPBACK_NAMES.map((name) => `http://${name}:${boundPort}`));
  }
  const origins = new Set<string>();
  for (const entry of entries) {
    let url: URL;
    try {
      url = new URL(entry.trim());
    } catch {
      throw new HttpTransportError(
        'invalid-option',
        `allowed origin ${quote(entry)} is not a url; write it as \`scheme://host[:port]\``,
      );
    }
    const bare = url.pathname === '/' && url.search === '' && url.hash === '';
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare || url.username !== '') {
      throw new HttpTransportError(
        'invalid-option',
        `allowed origin ${quote(entry)} must be \`http(s)://host[:port]\` with nothing after the port`,
      );
    }
    // URL#origin lower-cases the host and drops a default port, as browsers serialise Origin.
    origins.add(url.origin);
  }
  return origins;
}

/**
 * Builds the guard for a server bound to `boundPort`. Unset lists mean the loopback
 * defaults for that port; invalid entries throw `HttpTransportError` (`invalid-option`).
 */
export function compileGuard(
  allowedHosts: readonly string[] | undefined,
  allowedOrigins: readonly string[] | undefined,
  boundPort: number,
): RequestGuard {
  const hosts = compileHosts(allowedHosts, boundPort);
  const origins = compileOrigins(allowedOrigins, boundPort);
  return Object.freeze({
    checkHost(host: string | undefined): GuardDecision {
      if (host === undefined || host === '') {
        return { allowed: false, reason: 'the request has no `Host` header' };
      }
      const parts = parseHost(host);
      if (parts === undefined) {
        return { allowed: false, reason: `host ${quote(host)} is not a valid host name` };
      }
      const rule = hosts.match(parts.name, parts.port);
      if (rule !== undefined) return { allowed: true, rule };
      return {
        allowed: false,
        reason: `host ${quote(host)} is not allowed`,
        suggestion: parts.name,
      };
    },
    checkOrigin(origin: string | undefined): GuardDecision {
      // Browsers always send Origin on cross-origin and POST requests; other clients need not.
      if (origin === undefined) return { allowed: true, rule: 'no origin header' };
      const normalised = origin.trim().toLowerCase();
      if (origins.has(normalised)) return { allowed: true, rule: normalised };
      return {
        allowed: false,
        reason: `origin ${quote(origin)} is not allowed`,
        suggestion: normalised,
      };
    },
  });
}
