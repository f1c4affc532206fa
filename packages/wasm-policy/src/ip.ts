// IP addresses in every spelling the WHATWG URL parser and inet_aton accept,
// reduced to one canonical value before any CIDR test.

import ipaddr from 'ipaddr.js';

export type IpAddress = IPv4Address | IPv6Address;

export interface IPv4Address {
  readonly version: 4;
  /** The address as an unsigned 32-bit integer. */
  readonly value: number;
}

export interface IPv6Address {
  readonly version: 6;
  /** Four unsigned 32-bit words, most significant first. */
  readonly words: readonly [number, number, number, number];
}

/**
 * Parse an IPv4 address the way the WHATWG URL host parser does: one to four
 * parts, each decimal, octal (leading `0`) or hexadecimal (`0x`), the last part
 * filling the remaining bytes. Returns the address as a uint32, or -1.
 */
export function parseIPv4(input: string): number {
  let text = input;
  if (text.endsWith('.')) text = text.slice(0, -1);
  if (text.length === 0) return -1;
  const parts = text.split('.');
  if (parts.length > 4) return -1;
  const nums: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Part(part);
    if (n < 0) return -1;
    nums.push(n);
  }
  const last = nums.pop()!;
  for (const n of nums) if (n > 255) return -1;
  if (last >= 256 ** (5 - parts.length)) return -1;
  let value = last;
  for (let i = 0; i < nums.length; i++) value += nums[i]! * 256 ** (3 - i);
  return value >>> 0;
}

function parseIPv4Part(part: string): number {
  if (part.length === 0) return -1;
  let radix = 10;
  let digits = part;
  if (part.length >= 2 && part[0] === '0' && (part[1] === 'x' || part[1] === 'X')) {
    radix = 16;
    digits = part.slice(2);
    if (digits.length === 0) return 0;
  } else if (part.length >= 2 && part[0] === '0') {
    radix = 8;
    digits = part.slice(1);
  }
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return -1;
  // Longer than any valid part: refuse before precision is lost.
  if (digits.length > 12) return -1;
  return Number.parseInt(digits, radix);
}

/**
 * Canonical dotted decimal only (`10.1.2.3`; no leading zeros, four parts):
 * the form every spelling is normalised to. A uint32, or -1.
 */
export function parseDottedQuad(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 46 : text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else return -1;
  }
  return parts === 4 ? value >>> 0 : -1;
}

/** Dotted-decimal text of a uint32. */
export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Does the text look like an IPv4 address to the WHATWG host parser ("ends in a number")? */
export function endsInNumber(host: string): boolean {
  let text = host;
  if (text.endsWith('.')) text = text.slice(0, -1);
  const last = text.slice(text.lastIndexOf('.') + 1);
  if (last.length === 0) return false;
  if (/^[0-9]+$/.test(last)) return true;
  return /^0[xX][0-9a-fA-F]*$/.test(last);
}

function v6Words(text: string): [number, number, number, number] | undefined {
  let t = text;
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (!ipaddr.IPv6.isValid(t)) return undefined;
  const parts = ipaddr.IPv6.parse(t).parts;
  return [
    ((parts[0]! << 16) | parts[1]!) >>> 0,
    ((parts[2]! << 16) | parts[3]!) >>> 0,
    ((parts[4]! << 16) | parts[5]!) >>> 0,
    ((parts[6]! << 16) | parts[7]!) >>> 0,
  ];
}

/**
 * Parse any IPv4 spelling or IPv6 text (brackets and zone allowed). An
 * IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`) becomes the
 * IPv4 address it maps to. Returns undefined for anything else.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const w = v6Words(text);
    if (!w) return undefined;
    if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { version: 4, value: w[3] };
    return { version: 6, words: w };
  }
  const quad = parseDottedQuad(text);
  if (quad >= 0) return { version: 4, value: quad };
  if (!endsInNumber(text)) return undefined;
  const v = parseIPv4(text);
  return v < 0 ? undefined : { version: 4, value: v };
}

export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return formatIPv4(ip.value);
  const w = ip.words;
  const parts = [
    w[0] >>> 16,
    w[0] & 0xffff,
    w[1] >>> 16,
    w[1] & 0xffff,
    w[2] >>> 16,
    w[2] & 0xffff,
    w[3] >>> 16,
    w[3] & 0xffff,
  ];
  return new ipaddr.IPv6(parts).toString();
}

/** Canonical text of any IP spelling, or undefined when it is not an IP. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : undefined;
}

/**
 * IPv4 addresses carried inside an IPv6 address by translation schemes
 * (IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`).
 * Deny rules are checked against these too, so no embedding slips past a deny.
 */
export function embeddedIPv4(ip: IPv6Address): number | undefined {
  const [a, b, c, d] = ip.words;
  if (a === 0 && b === 0 && c === 0 && d > 1) return d;
  if (a === 0x0064ff9b && b === 0 && c === 0) return d;
  if (a >>> 16 === 0x2002) return (((a & 0xffff) << 16) | (b >>> 16)) >>> 0;
  return undefined;
}

export interface Cidr {
  readonly version: 4 | 6;
  readonly prefix: number;
  /** Network address (host bits cleared). */
  readonly network: IpAddress;
}

export function maskV4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function maskWords(words: readonly number[], prefix: number): [number, number, number, number] {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, prefix - 32 * i));
    out.push((words[i]! & maskV4(bits)) >>> 0);
  }
  return out as [number, number, number, number];
}

export type CidrResult =
  | { ok: true; cidr: Cidr; hostBitsSet: boolean }
  | { ok: false; message: string };

/** `10.0.0.0/8`, `fd00::/8`, a bare address (a /32 or /128), mapped IPv6 ranges as IPv4. */
export function parseCidr(text: string): CidrResult {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  let addr: IpAddress | undefined;
  let mappedFrom6 = false;
  if (addrText.includes(':')) {
    const w = v6Words(addrText);
    if (w) {
      if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) {
        addr = { version: 4, value: w[3] };
        mappedFrom6 = true;
      } else addr = { version: 6, words: w };
    }
  } else if (/^\d{1,3}(\.\d{1,3}){3}$/.test(addrText)) {
    if (/(^|\.)0\d/.test(addrText)) {
      return { ok: false, message: 'has a part with a leading zero (octal or decimal?)' };
    }
    const v = parseIPv4(addrText);
    if (v >= 0) addr = { version: 4, value: v };
  }
  if (!addr) return { ok: false, message: 'is not an IP address' };
  const max = addr.version === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return { ok: false, message: 'has no valid prefix length' };
    prefix = Number(prefixText);
    if (mappedFrom6) prefix -= 96;
    if (prefix < 0 || prefix > max) {
      return { ok: false, message: `has a prefix length outside 0..${mappedFrom6 ? 128 : max}` };
    }
  }
  if (addr.version === 4) {
    const network = (addr.value & maskV4(prefix)) >>> 0;
    return {
      ok: true,
      cidr: { version: 4, prefix, network: { version: 4, value: network } },
      hostBitsSet: network !== addr.value,
    };
  }
  const words = maskWords(addr.words, prefix);
  return {
    ok: true,
    cidr: { version: 6, prefix, network: { version: 6, words } },
    hostBitsSet: words.some((w, i) => w !== (addr as IPv6Address).words[i]),
  };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.network)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: IpAddress): boolean {
  if (c.version !== ip.version) return false;
  if (ip.version === 4) {
    return (ip.value & maskV4(c.prefix)) >>> 0 === (c.network as IPv4Address).value;
  }
  const masked = maskWords(ip.words, c.prefix);
  const net = (c.network as IPv6Address).words;
  return (
    masked[0] === net[0] && masked[1] === net[1] && masked[2] === net[2] && masked[3] === net[3]
  );
}

/** Is every address of `inner` inside `outer`? */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return (
    inner.version === outer.version &&
    inner.prefix >= outer.prefix &&
    cidrContains(outer, inner.network)
  );
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}
