// `policy explain --source`: which trust rule applies to a source and what it
// requires, without fetching anything. Given a signer identity (and issuer),
// or a digest pin, it says whether that would be accepted.

import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Decision, RuleRef } from '@mcpkit/wasm-policy';
import { globMatches } from './glob.js';
import type { CompiledTrust, Signer, SourceRule } from './model.js';
import { isInside, matchingRule, ruleSnippet } from './verify.js';

export interface TrustQuery {
  /** A source as given to load-component: a path, file://, https:// or oci:// URI. */
  readonly source: string;
  /** A keyless signer's identity (SAN) to check against the rule. */
  readonly identity?: string;
  readonly issuer?: string;
  /** A signing key's id in the policy. */
  readonly key?: string;
  /** Loaded by the operator (serve --component) rather than by a client. */
  readonly operator?: boolean;
  /** Directories given with --allow-dir. */
  readonly allowDirs?: readonly string[];
}

export interface TrustExplanation extends Decision {
  /** What the applying rule requires, one line each. */
  readonly requires: readonly string[];
}

/** The source as the canonical URI rules are matched against, and whether it is pinned. */
export function canonicalSource(source: string): { uri: string; pinned: boolean; path?: string } {
  if (/^(https|oci):\/\//.test(source)) {
    return {
      uri: source.replace(/#sha256=[0-9a-f]{64}$/, ''),
      pinned: /(@|#)sha256[:=][0-9a-f]{64}$/.test(source),
    };
  }
  const path = source.startsWith('file://') ? fileURLToPath(source) : resolve(source);
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // explained as given
  }
  return { uri: pathToFileURL(real).href, pinned: false, path: real };
}

function describeSigner(s: Signer): string {
  return s.kind === 'key'
    ? `a signature by the key ${s.id} (${s.from})`
    : `a keyless signature by ${s.identity} from issuer ${s.issuer} (trusted root ${s.trustedRoot})`;
}

function requirements(rule: SourceRule): string[] {
  if (rule.deny) return ['nothing: the rule refuses these sources'];
  return [
    ...rule.signers.map(describeSigner),
    ...(rule.digestPin ? ['a digest pin (@sha256:… or #sha256=…)'] : []),
  ];
}

function ref(rule: SourceRule): RuleRef {
  return {
    pointer: rule.pointer,
    line: rule.at?.line ?? 0,
    column: rule.at?.column ?? 0,
    ...(rule.at?.file ? { file: rule.at.file } : {}),
    section: 'trust',
    list: rule.deny ? 'deny' : 'allow',
    index: Number(rule.pointer.split('/').pop()),
    text: rule.match.join(', '),
  };
}

function keylessAccepts(s: Signer, identity: string, issuer: string | undefined): boolean {
  return (
    s.kind === 'keyless' &&
    globMatches(s.identity, identity, 'identity') &&
    (issuer === undefined || globMatches(s.issuer, issuer, 'identity'))
  );
}

export function explainTrust(trust: CompiledTrust, q: TrustQuery): TrustExplanation {
  const src = canonicalSource(q.source);
  if (q.operator) {
    return {
      allowed: true,
      code: 'allowed',
      rule: null,
      reason: `${src.uri} is named by the operator; operator loads are trusted`,
      requires: [],
    };
  }
  const rule = matchingRule(trust, src.uri);
  if (rule?.deny) {
    return {
      allowed: false,
      code: 'denied',
      rule: ref(rule),
      reason: `${src.uri} is refused by ${rule.name}`,
      requires: requirements(rule),
    };
  }
  const requires: string[] = [];
  if (src.path !== undefined) {
    const dirs = [...(q.allowDirs ?? []), ...trust.allowDirs];
    requires.push(
      `the real path inside an allowed directory (${dirs.join(', ') || 'none allowed'})`,
    );
    const inside = dirs.some((d) => {
      let rd = resolve(d);
      try {
        rd = realpathSync(rd);
      } catch {
        // as written
      }
      return isInside(src.path as string, rd);
    });
    if (!inside) {
      return {
        allowed: false,
        code: 'not-granted',
        rule: null,
        reason: `a client's local path ${src.path} must lie inside an allowed directory; ${dirs.length ? `it is outside ${dirs.join(', ')}` : 'none is allowed'} (start the server with --allow-dir or add trust.allow_dirs)`,
        requires,
      };
    }
    if (!rule) {
      return {
        allowed: true,
        code: 'allowed',
        rule: null,
        reason: `${src.path} lies inside an allowed directory`,
        requires,
      };
    }
  }
  if (!rule) {
    return {
      allowed: false,
      code: 'not-granted',
      rule: null,
      reason: `no trust rule matches ${src.uri}: a client's remote source must be signed by a trusted signer. A rule that would accept it:\n${ruleSnippet(src.uri, 'signer')}`,
      requires: ['a trust rule naming its signer'],
    };
  }
  requires.push(...requirements(rule));
  const needs = `${rule.name} requires ${requirements(rule).join(' or ')}`;
  if (rule.digestPin && src.pinned) {
    return {
      allowed: true,
      code: 'allowed',
      rule: ref(rule),
      reason: `${needs}; the source is pinned to a digest, which suffices`,
      requires,
    };
  }
  if (q.identity !== undefined) {
    const ok = rule.signers.some((s) => keylessAccepts(s, q.identity as string, q.issuer));
    return {
      allowed: ok,
      code: ok ? 'allowed' : 'not-granted',
      rule: ref(rule),
      reason: ok
        ? `${needs}; a valid keyless signature by ${q.identity}${q.issuer ? ` from ${q.issuer}` : ''} would be accepted`
        : `${needs}; ${q.identity}${q.issuer ? ` from ${q.issuer}` : ''} is not one of its signers`,
      requires,
    };
  }
  if (q.key !== undefined) {
    const ok = rule.signers.some((s) => s.kind === 'key' && s.id === q.key);
    return {
      allowed: ok,
      code: ok ? 'allowed' : 'not-granted',
      rule: ref(rule),
      reason: ok
        ? `${needs}; a valid signature by the key ${q.key} would be accepted`
        : `${needs}; the key ${q.key} is not one of its signers`,
      requires,
    };
  }
  return {
    allowed: false,
    code: 'not-granted',
    rule: ref(rule),
    reason: `${needs}; give --identity/--issuer or --key to check a signer`,
    requires,
  };
}
