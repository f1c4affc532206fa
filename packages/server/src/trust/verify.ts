// The trust decision for one artifact: which rule of the `trust:` section
// applies to its source and whether the evidence the fetcher found meets it.

import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArtifactEvidence } from './evidence.js';
import { globMatches } from './glob.js';
import type { CompiledTrust, SourceRule } from './model.js';
import { verifyWithSigner } from './signatures.js';

export type SignerInfo = {
  kind: 'key' | 'keyless' | 'digest' | 'operator' | 'local';
  id: string;
  issuer?: string;
};

export type TrustDecision =
  | { allowed: true; rule: string; reason: string; signer?: SignerInfo }
  | { allowed: false; rule?: string; reason: string; help: string };

/** The first rule whose globs match the source, or undefined. */
export function matchingRule(trust: CompiledTrust, source: string): SourceRule | undefined {
  return trust.sources.find((r) => r.match.some((g) => globMatches(g, source, 'source')));
}

function isLocal(a: ArtifactEvidence): boolean {
  return a.localPath !== undefined || a.source.startsWith('file:');
}

/** Is `path` equal to or beneath `dir`? Both absolute and real. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

async function real(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

function sourceGlobFor(source: string): string {
  if (source.startsWith('oci://')) {
    const bare = source.replace(/[@:][^/]*$/, '');
    return `${bare}*`;
  }
  if (source.startsWith('https://')) {
    const u = new URL(source);
    return `https://${u.host}/**`;
  }
  return source;
}

/** A YAML snippet of a trust rule that would accept `source`. */
export function ruleSnippet(
  source: string,
  requirement: 'signer' | 'digest',
  observed?: { identity: string; issuer?: string; trustedRoot?: string },
): string {
  const lines = ['trust:', '  sources:', `    - match: ["${sourceGlobFor(source)}"]`];
  if (requirement === 'digest') lines.push('      digest_pin: true');
  else if (observed) {
    lines.push(
      '      signers:',
      `        - identity: ${JSON.stringify(observed.identity)}`,
      `          issuer: ${JSON.stringify(observed.issuer ?? 'https://issuer.example')}`,
      `          trusted_root: ${observed.trustedRoot ?? './trusted_root.json'}`,
    );
  } else {
    lines.push(
      '      signers:',
      '        - key: ./cosign.pub            # a cosign public key (ECDSA P-256 or Ed25519)',
      '        # or keyless:',
      '        # - identity: "release@example.com"',
      '        #   issuer: "https://accounts.example.com"',
      '        #   trusted_root: ./trusted_root.json',
    );
  }
  return lines.join('\n');
}

async function decideLocal(
  a: ArtifactEvidence,
  trust: CompiledTrust,
  allowedDirs: readonly string[],
): Promise<TrustDecision | undefined> {
  const given = a.localPath ?? fileURLToPath(a.source);
  const path = await real(given);
  const dirs = [...allowedDirs, ...trust.allowDirs];
  if (path === undefined) {
    return {
      allowed: false,
      rule: 'allow-dir',
      reason: `the local path ${given} cannot be resolved`,
      help: 'Give an existing file inside a directory the operator allowed.',
    };
  }
  for (const d of dirs) {
    const rd = await real(resolve(d));
    if (rd !== undefined && isInside(path, rd)) return undefined;
  }
  const where =
    dirs.length === 0 ? 'no directory is allowed for client loads' : `allowed: ${dirs.join(', ')}`;
  return {
    allowed: false,
    rule: 'allow-dir',
    reason: `the local path ${path} (after symlinks) is outside the allowed directories (${where})`,
    help:
      'Start the server with `--allow-dir DIR`, or add the directory to the trust section:\n' +
      `trust:\n  allow_dirs: ["${path.slice(0, path.lastIndexOf('/')) || '/'}"]`,
  };
}

export async function decideTrust(
  a: ArtifactEvidence,
  trust: CompiledTrust,
  allowedDirs: readonly string[],
): Promise<TrustDecision> {
  if (a.operator) {
    return {
      allowed: true,
      rule: 'operator',
      reason: `${a.source} was named by the operator`,
      signer: { kind: 'operator', id: 'operator' },
    };
  }
  const rule = matchingRule(trust, a.source);
  if (rule?.deny) {
    return {
      allowed: false,
      rule: rule.name,
      reason: `${a.source} is denied by ${rule.name}`,
      help: `Remove or narrow the rule at ${rule.pointer} to allow this source.`,
    };
  }
  if (isLocal(a)) {
    const refused = await decideLocal(a, trust, allowedDirs);
    if (refused) return refused;
    if (!rule) {
      return {
        allowed: true,
        rule: 'allow-dir',
        reason: `${a.localPath ?? a.source} lies in an allowed directory`,
        signer: { kind: 'local', id: a.localPath ?? a.source },
      };
    }
  }
  if (!rule) {
    return {
      allowed: false,
      reason: `${a.source} is not signed by a trusted signer: no trust rule matches this source`,
      help: `Add a trust rule naming its signer:\n${ruleSnippet(a.source, 'signer')}`,
    };
  }
  return decideByRule(a, rule);
}

async function decideByRule(a: ArtifactEvidence, rule: SourceRule): Promise<TrustDecision> {
  if (rule.digestPin && a.pinned) {
    return {
      allowed: true,
      rule: rule.name,
      reason: `${a.source} is pinned to ${a.digest} and ${rule.name} accepts a digest pin`,
      signer: { kind: 'digest', id: a.digest },
    };
  }
  const failures: string[] = [];
  let observed: { identity: string; issuer?: string; trustedRoot?: string } | undefined;
  if (rule.signers.length > 0) {
    if (a.evidence.length === 0) failures.push('no signature or bundle was found');
    for (const ev of a.evidence) {
      for (const signer of rule.signers) {
        const r = await verifyWithSigner(a, ev, signer);
        if (r.ok) {
          return {
            allowed: true,
            rule: rule.name,
            reason: `${a.source} is signed by ${signer.id} (${ev.origin})`,
            signer: r.signer,
          };
        }
        failures.push(`${ev.origin}: ${signer.id}: ${r.reason}`);
        if (r.observed && !observed) {
          observed = {
            ...r.observed,
            ...(signer.kind === 'keyless' ? { trustedRoot: signer.trustedRoot } : {}),
          };
        }
      }
    }
  }
  if (rule.digestPin && !a.pinned) failures.push('the source names no digest pin');
  const accepts = [
    ...(rule.signers.length > 0
      ? [`a signature by ${rule.signers.map((s) => s.id).join(' or ')}`]
      : []),
    ...(rule.digestPin ? ['a digest pin (…@sha256:… or #sha256=…)'] : []),
  ].join(' or ');
  return {
    allowed: false,
    rule: rule.name,
    reason: `${a.source} does not meet ${rule.name}: ${failures.join('; ')}`,
    help:
      `${rule.name} (at ${rule.pointer}) accepts ${accepts}. ` +
      (observed
        ? `It is signed by ${observed.identity}${observed.issuer ? ` (issuer ${observed.issuer})` : ''}; if that signer is trusted, a rule that accepts it:\n${ruleSnippet(a.source, 'signer', observed)}`
        : `Sign the artifact with one of its signers, or add a signer:\n${ruleSnippet(a.source, 'signer')}`),
  };
}
