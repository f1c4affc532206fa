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

// Already canonical: lower-case ASCII letters, digits, `-`, `_`, dots between labels.
const PLAIN = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?$/;
// Characters the WHATWG host parser forbids (after percent-decoding), plus `%`
// which we decode first; `@` and `:` would mean userinfo or a port.
const FORBIDDEN = /[\u0000-\u0020#/:<>?@[\\\]^|%\u007f]/;

/**
 * Canonical form of a host: a lower-case ASCII name without a trailing dot,
 * or a canonical IP address (IPv6 without brackets). Userinfo and ports are
 * never part of a host: input containing them is an error, which must deny.
 */
export function normalizeHost(input: string): string | HostError {
  if (PLAIN.test(input) && !endsInNumber(input)) {
    return input.charCodeAt(input.length - 1) === 46 ? input.slice(0, -1) : input;
  }
  return normalizeHostSlow(input);
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
  return ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
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
