// Does one rule cover another? Conservative answers (false when unsure), used
// for shadowing warnings and for keeping runtime grants within a ceiling.

import { globMatches, planGlob } from './glob.js';
import { cidrWithin, parseCidr, parseIp } from './ip.js';
import type { NetworkConstraints, NetworkRule, PortRange } from './model.js';
import { isWithin } from './path.js';

function dotSegmentBelow(path: string, dir: string): boolean {
  const rest = path.slice(dir.length);
  return rest.split('/').some((s) => s.startsWith('.'));
}

/** Is every path matched by the storage glob `inner` also matched by `outer`? */
export function storagePatternCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  const o = planGlob(outer);
  const i = planGlob(inner);
  const oDir = o.dir === '' ? '/' : o.dir;
  const iDir = i.dir === '' ? '/' : i.dir;
  if (o.kind === 'prefix') return isWithin(iDir, oDir);
  if (o.kind === 'subtree') {
    if (!isWithin(iDir, oDir) || dotSegmentBelow(i.dir, o.dir)) return false;
    if (i.kind === 'subtree') return true;
    if (i.kind === 'regex') {
      return i.restSegments.every((s) => !(s.startsWith('.') || s.startsWith('\\.')));
    }
    return false;
  }
  // A glob with wildcards never covers a whole directory tree it did not name.
  return false;
}

/** Is the path matched by the storage glob? Literal patterns match everything beneath. */
export function storagePatternMatches(pattern: string, path: string): boolean {
  return globMatches(pattern, path);
}

export function hostPatternCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === '*') return true;
  if (outer.startsWith('*.')) {
    const suffix = outer.slice(1); // ".example.com"
    return inner.endsWith(suffix) && inner.length > suffix.length;
  }
  return false;
}

function portsCover(outer?: readonly PortRange[], inner?: readonly PortRange[]): boolean {
  if (!outer) return true;
  if (!inner) return false;
  return inner.every((r) => outer.some((o) => o.from <= r.from && r.to <= o.to));
}

function listCovers(outer?: readonly string[], inner?: readonly string[]): boolean {
  if (!outer) return true;
  if (!inner) return false;
  return inner.every((v) => outer.includes(v));
}

function pathsCover(outer?: readonly string[], inner?: readonly string[]): boolean {
  if (!outer) return true;
  if (!inner) return false;
  return inner.every((p) => outer.some((o) => pathPrefixMatches(o, p)));
}

/** URL path prefix test on `/` boundaries: `/api` matches `/api` and `/api/x`, not `/apix`. */
export function pathPrefixMatches(prefix: string, path: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix) || path === prefix.slice(0, -1);
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47);
}

export function constraintsCover(outer: NetworkConstraints, inner: NetworkConstraints): boolean {
  return (
    portsCover(outer.ports, inner.ports) &&
    listCovers(outer.schemes, inner.schemes) &&
    listCovers(outer.methods, inner.methods) &&
    pathsCover(outer.paths, inner.paths) &&
    listCovers(outer.protocols, inner.protocols)
  );
}

/** Does network rule `outer` allow (or deny) at least everything `inner` does? */
export function networkRuleCovers(outer: NetworkRule, inner: NetworkRule): boolean {
  if (!constraintsCover(outer, inner)) return false;
  if (outer.kind === 'host' && inner.kind === 'host') {
    const innerIsIp = parseIp(inner.pattern) !== undefined;
    const outerIsIp = parseIp(outer.pattern) !== undefined;
    if (innerIsIp || outerIsIp) return outer.pattern === inner.pattern;
    return hostPatternCovers(outer.pattern, inner.pattern);
  }
  const oc = cidrOf(outer);
  const ic = cidrOf(inner);
  return oc !== undefined && ic !== undefined && cidrWithin(ic, oc);
}

function cidrOf(rule: NetworkRule) {
  if (rule.kind === 'cidr') {
    const r = parseCidr(rule.pattern);
    return r.ok ? r.cidr : undefined;
  }
  if (parseIp(rule.pattern) === undefined) return undefined;
  const r = parseCidr(rule.pattern);
  return r.ok ? r.cidr : undefined;
}

export function envKeyCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === '*') return true;
  if (outer.endsWith('*')) {
    const prefix = outer.slice(0, -1);
    return inner.startsWith(prefix);
  }
  return false;
}

export function envKeyMatches(pattern: string, key: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return key.startsWith(pattern.slice(0, -1));
  return pattern === key;
}
