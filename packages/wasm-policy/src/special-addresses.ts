// Addresses no policy reaches unless a `cidr` (or IP) allow rule names them
// explicitly: a rule whose range lies inside the special range. `host: "*"` or
// `cidr: 0.0.0.0/0` is not explicit enough.

import { type Cidr, cidrContains, type IpAddress, parseCidr } from './ip.js';

export interface SpecialRange {
  readonly cidr: Cidr;
  readonly text: string;
  readonly kind: string;
}

const RANGES: Array<[string, string]> = [
  ['0.0.0.0/8', 'unspecified ("this network") address'],
  ['127.0.0.0/8', 'loopback address'],
  ['169.254.0.0/16', 'link-local address (cloud metadata lives at 169.254.169.254)'],
  ['10.0.0.0/8', 'private address'],
  ['172.16.0.0/12', 'private address'],
  ['192.168.0.0/16', 'private address'],
  ['100.64.0.0/10', 'shared (carrier-grade NAT) address'],
  ['100.100.100.200/32', 'cloud metadata address'],
  ['168.63.129.16/32', 'cloud platform address'],
  ['224.0.0.0/4', 'multicast address'],
  ['240.0.0.0/4', 'reserved address'],
  ['::/128', 'unspecified address'],
  ['::1/128', 'loopback address'],
  ['fe80::/10', 'link-local address'],
  ['fc00::/7', 'unique local (private) address'],
  ['fd00:ec2::254/128', 'cloud metadata address'],
  ['ff00::/8', 'multicast address'],
];

export const SPECIAL_RANGES: readonly SpecialRange[] = Object.freeze(
  RANGES.map(([text, kind]) => {
    const r = parseCidr(text);
    if (!r.ok) throw new Error(`bad built-in range ${text}`);
    return Object.freeze({ cidr: r.cidr, text, kind });
  }),
);

// IPv4 ranges by first octet, so a public address is cleared with one lookup.
const BY_FIRST_OCTET: Array<readonly SpecialRange[] | undefined> = [];
for (let octet = 0; octet < 256; octet++) {
  const hits = SPECIAL_RANGES.filter((s) => {
    if (s.cidr.version !== 4) return false;
    const first = (s.cidr.network as { value: number }).value >>> 24;
    const mask = (0xff << (8 - Math.min(8, s.cidr.prefix))) & 0xff;
    return (octet & mask) === (first & mask);
  });
  BY_FIRST_OCTET.push(hits.length > 0 ? hits : undefined);
}
const V6_RANGES = SPECIAL_RANGES.filter((s) => s.cidr.version === 6);

/** The most specific special range containing the address, if any. */
export function specialRange(ip: IpAddress): SpecialRange | undefined {
  const candidates = ip.version === 4 ? BY_FIRST_OCTET[ip.value >>> 24] : V6_RANGES;
  if (candidates === undefined) return undefined;
  let best: SpecialRange | undefined;
  for (const s of candidates) {
    if (cidrContains(s.cidr, ip) && (!best || s.cidr.prefix > best.cidr.prefix)) best = s;
  }
  return best;
}
