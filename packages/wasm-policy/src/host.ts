// Host names as the WHATWG URL parser sees them: lower-case, IDNA to ASCII,
// percent-decoded, IPv4 in any spelling made canonical, one trailing dot dropped.

import { domainToASCII } from 'node:url';
import { endsInNumber, formatIp, parseIp } from './ip.js';

export interface HostError {
  readonly error: 'invalid-host';
  readonly message: string;
}

export const HOST_INVALID: HostError = Object.freeze({
  error: 'invalid-host',
  message: 'the host is not a valid host name or IP address',
});

// Characters the WHATWG host parser forbids (after percent-decoding), plus `%`
// which we decode first; `@` and `:` would mean userinfo or a port.
const FORBIDDEN = /[\u0000-\u0020#/:<>?@[\\\]^|%\u007f]/;

/**
 * Canonical form of a host: a lower-case ASCII name without a trailing dot,
 * or a canonical IP address (IPv6 without brackets). Userinfo and ports are
 * never part of a host: input containing them is an error, which must deny.
 */
export function normalizeHost(input: string): string | HostError {
  return normalizeHostFast(input) ?? normalizeHostSlow(input);
}

/**
 * The common case in one pass over the characters: ASCII letters, digits, `-`,
 * `_` in non-empty labels (a name), or canonical dotted decimal (an IPv4
 * address). Anything else, undefined: the slow path decides.
 */
function normalizeHostFast(input: string): string | undefined {
  let n = input.length;
  if (n === 0 || n > 253) return undefined;
  if (input.charCodeAt(n - 1) === 46) n--;
  let upper = false;
  let labelStart = 0;
  let labels = 0;
  let digitsOnly = true;
  let octetsOk = true;
  let letters = false;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 46 : input.charCodeAt(i);
    if (c === 46) {
      const len = i - labelStart;
      if (len === 0) return undefined;
      if (digitsOnly) {
        // A canonical octet: no leading zero, at most 255.
        if (len > 3 || (len > 1 && input.charCodeAt(labelStart) === 48)) octetsOk = false;
        else if (len === 3 && Number(input.slice(labelStart, i)) > 255) octetsOk = false;
      }
      labels++;
      labelStart = i + 1;
      if (i < n) digitsOnly = true;
    } else if (c >= 48 && c <= 57) {
      // digit
    } else if ((c >= 97 && c <= 122) || c === 45 || c === 95) {
      digitsOnly = false;
      letters = true;
    } else if (c >= 65 && c <= 90) {
      digitsOnly = false;
      letters = true;
      upper = true;
    } else return undefined;
  }
  // The last label decides whether the URL parser reads the host as IPv4:
  // all digits, or `0x` followed by hex digits. Only canonical IPv4 stays here.
  if (digitsOnly) {
    if (!(labels === 4 && octetsOk && !letters)) return undefined;
  } else {
    const start = input.lastIndexOf('.', n - 1) + 1;
    if (input.charCodeAt(start) === 48 && (input.charCodeAt(start + 1) | 32) === 120)
      return undefined;
  }
  const host = n === input.length ? input : input.slice(0, n);
  return upper ? host.toLowerCase() : host;
}

function normalizeHostSlow(input: string): string | HostError {
  if (input.length === 0 || input.length > 1024) return HOST_INVALID;
  if (input.includes(':')) {
    // Only an IPv6 literal may contain a colon.
    const ip = parseIp(input);
    return ip ? formatIp(ip) : HOST_INVALID;
  }
  let text = input;
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return HOST_INVALID;
    }
    if (text.includes(':')) return HOST_INVALID;
  }
  if (FORBIDDEN.test(text)) return HOST_INVALID;
  const ascii = domainToASCII(text);
  if (ascii === '') return HOST_INVALID;
  // domainToASCII already made an IPv4 spelling canonical; IDNA may have produced one.
  const ip = endsInNumber(ascii) ? parseIp(ascii) : undefined;
  if (ip) return formatIp(ip);
  if (endsInNumber(ascii)) return HOST_INVALID;
  const name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  return name === '' ? HOST_INVALID : name;
}

export function isHostError(value: string | HostError): value is HostError {
  return typeof value !== 'string';
}

/** Host part of a URL, canonical; userinfo and port stripped by the URL parser. */
export function hostOfUrl(url: URL): string | HostError {
  let host = url.hostname;
  if (host.startsWith('[')) host = host.slice(1, -1);
  return normalizeHost(host);
}
