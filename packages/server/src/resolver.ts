// Name overrides for guests' HTTP requests (`--resolve name=address`), like
// curl's: the named hosts resolve to the given addresses, every other name
// through the system resolver. The policy still decides on both the name and
// the address, so an override cannot reach what the policy forbids.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';

export type Resolver = (hostname: string) => Promise<string[]>;

/** `api.test=127.0.0.1` or `api.test=127.0.0.1,::1` → [name, addresses]. */
export function parseResolveOverride(text: string): [string, string[]] {
  const eq = text.indexOf('=');
  const name = text.slice(0, eq).trim().toLowerCase().replace(/\.$/, '');
  const addresses = text
    .slice(eq + 1)
    .split(',')
    .map((a) => a.trim().replace(/^\[(.*)\]$/, '$1'));
  if (eq <= 0 || !/^[a-z0-9.-]+$/.test(name))
    throw new InvalidArgumentError('expected name=address[,address…], e.g. api.test=127.0.0.1');
  const bad = addresses.find((a) => isIP(a) === 0);
  if (bad !== undefined)
    throw new InvalidArgumentError(`\`${bad}\` is not an IP address (expected name=address)`);
  return [name, addresses];
}

async function systemResolver(hostname: string): Promise<string[]> {
  const found = await lookup(hostname, { all: true, order: 'verbatim' });
  return found.map((a) => a.address);
}

export function resolverWith(overrides: ReadonlyMap<string, readonly string[]>): Resolver {
  return async (hostname) => {
    const fixed = overrides.get(hostname.toLowerCase().replace(/\.$/, ''));
    return fixed ? [...fixed] : systemResolver(hostname);
  };
}
