// Reading the `trust:` section of a server policy. Every problem is reported
// through the SectionContext with a stable code, a pointer and help;
// relative paths resolve against the policy file's directory. Key files and
// trusted roots are read here so that a broken one is a diagnostic at its
// line, not a refusal at load time.

import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename } from 'node:path';
import {
  didYouMean,
  joinPointer,
  parseBytes,
  parseDuration,
  quote,
  type SectionContext,
} from '@mcpkit/wasm-policy';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { readPath } from '../access/parse.js';
import { trustGlobError } from './glob.js';
import type { SignerSpec, SourceRuleSpec, TrustSection } from './section.js';

export const TRUST_KEYS = Object.freeze(['sources', 'allow_dirs', 'fetch'] as const);
const RULE_KEYS = ['name', 'match', 'signers', 'digest_pin', 'deny'] as const;
const SIGNER_KEYS = ['id', 'key', 'identity', 'issuer', 'trusted_root'] as const;
const FETCH_KEYS = ['max_bytes', 'timeout', 'ca_file', 'network'] as const;
const NETWORK_KEYS = ['cidr', 'host'] as const;
const SCHEMES = ['file:', 'https:', 'oci:'];

const KEY_HELP =
  'give a PEM public key file (`cosign generate-key-pair` writes cosign.pub) or the PEM text; ECDSA P-256 and Ed25519 are accepted';
const KEYLESS_HELP =
  'a keyless signer names who signed: `identity: release@example.com` (or a glob such as `https://github.com/acme/*/.github/workflows/release.yml@refs/heads/main`) and `issuer: https://token.actions.githubusercontent.com`, with `trusted_root: ./trusted_root.json`';

/** A key object for an accepted key type, or a message. */
export function acceptedKey(pem: string): { key: KeyObject } | { message: string } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    return { message: `is not a PEM public key (${(e as Error).message})` };
  }
  if (key.asymmetricKeyType === 'ed25519') return { key };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { key };
  }
  const what =
    key.asymmetricKeyType === 'ec'
      ? `an EC key on ${key.asymmetricKeyDetails?.namedCurve}`
      : `a ${key.asymmetricKeyType} key`;
  return { message: `is ${what}; only ECDSA P-256 and Ed25519 keys are accepted` };
}

function readKey(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): { pem: string; from: string } | undefined {
  const text = ctx.readString(value, pointer, '`key`');
  if (text === undefined) return undefined;
  let pem = text;
  let from = 'inline';
  if (!text.includes('-----BEGIN')) {
    const path = readPath(ctx, text, pointer, '`key`');
    if (path === undefined) return undefined;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (e) {
      ctx.error(
        'trust-key-unreadable',
        pointer,
        `key file ${quote(path)} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        KEY_HELP,
      );
      return undefined;
    }
    from = path;
  }
  const k = acceptedKey(pem);
  if ('message' in k) {
    ctx.error(
      'trust-key-invalid',
      pointer,
      `${from === 'inline' ? 'the key' : `key file ${quote(from)}`} ${k.message}`,
      KEY_HELP,
    );
    return undefined;
  }
  return { pem, from };
}

function readTrustedRoot(ctx: SectionContext, value: unknown, pointer: string) {
  const path = readPath(ctx, value, pointer, '`trusted_root`');
  if (path === undefined) return undefined;
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(JSON.parse(readFileSync(path, 'utf8')));
  } catch (e) {
    ctx.error(
      'trust-root-invalid',
      pointer,
      `trusted root ${quote(path)} cannot be read as a Sigstore trusted_root.json: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'give the trusted_root.json of the Sigstore instance that issued the certificates (for the public instance: `cosign trusted-root create` or the TUF target trusted_root.json)',
    );
    return undefined;
  }
  if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0) {
    ctx.error(
      'trust-root-incomplete',
      pointer,
      `trusted root ${quote(path)} names ${root.certificateAuthorities.length} certificate authorities and ${root.tlogs.length} transparency logs; keyless verification needs at least one of each`,
    );
    return undefined;
  }
  return path;
}

function readIdentityGlob(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
  what: string,
): string | undefined {
  const text = ctx.readString(value, pointer, what);
  if (text === undefined) return undefined;
  const err = trustGlobError(text);
  if (err) {
    ctx.error('trust-glob-invalid', pointer, `${what} ${quote(text)} ${err}`);
    return undefined;
  }
  if (/^[*?]+$/.test(text)) {
    ctx.error(
      'trust-any-identity',
      pointer,
      `${what} ${quote(text)} would accept anyone`,
      KEYLESS_HELP,
    );
    return undefined;
  }
  return text;
}

function readSigner(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
  index: number,
): SignerSpec | undefined {
  const map = ctx.readMap(value, pointer, 'a signer', SIGNER_KEYS);
  if (!map) return undefined;
  const id =
    map.id !== undefined ? ctx.readString(map.id, joinPointer(pointer, 'id'), '`id`') : undefined;
  const keyless = ['identity', 'issuer', 'trusted_root'].filter((k) => map[k] !== undefined);
  if (map.key !== undefined) {
    if (keyless.length > 0) {
      ctx.error(
        'trust-signer-mixed',
        joinPointer(pointer, keyless[0] as string),
        `a signer is either a key or a keyless identity; this one has \`key\` and \`${keyless[0]}\``,
        'write two signers',
      );
      return undefined;
    }
    const k = readKey(ctx, map.key, joinPointer(pointer, 'key'));
    if (!k) return undefined;
    return {
      kind: 'key',
      id: id ?? (k.from === 'inline' ? `key-${index + 1}` : basename(k.from)),
      ...k,
    };
  }
  const missing = ['identity', 'issuer', 'trusted_root'].filter((k) => map[k] === undefined);
  if (keyless.length === 0) {
    ctx.error(
      'trust-signer-empty',
      pointer,
      'a signer needs `key` (a public key) or `identity`, `issuer` and `trusted_root` (keyless)',
      `${KEY_HELP}; or ${KEYLESS_HELP}`,
    );
    return undefined;
  }
  if (missing.length > 0) {
    ctx.error(
      missing.includes('trusted_root') && missing.length === 1
        ? 'trust-root-missing'
        : 'trust-any-identity',
      pointer,
      `a keyless signer without ${missing.map((m) => `\`${m}\``).join(' and ')} ${
        missing.length === 1 && missing[0] === 'trusted_root'
          ? 'has nothing to check certificates against'
          : 'would accept any identity'
      }`,
      KEYLESS_HELP,
    );
    return undefined;
  }
  const identity = readIdentityGlob(
    ctx,
    map.identity,
    joinPointer(pointer, 'identity'),
    '`identity`',
  );
  const issuer = readIdentityGlob(ctx, map.issuer, joinPointer(pointer, 'issuer'), '`issuer`');
  const trustedRoot = readTrustedRoot(ctx, map.trusted_root, joinPointer(pointer, 'trusted_root'));
  if (identity === undefined || issuer === undefined || trustedRoot === undefined) return undefined;
  return { kind: 'keyless', id: id ?? identity, identity, issuer, trustedRoot };
}

function readSourceGlob(ctx: SectionContext, text: string, pointer: string): boolean {
  const err = trustGlobError(text);
  if (err) {
    ctx.error('trust-glob-invalid', pointer, `source glob ${quote(text)} ${err}`);
    return false;
  }
  const scheme = /^([a-z][a-z0-9+.-]*:)/.exec(text)?.[1];
  if (!scheme || !SCHEMES.includes(scheme)) {
    const hint = scheme ? didYouMean(scheme, SCHEMES) : undefined;
    ctx.error(
      'trust-glob-scheme',
      pointer,
      `source glob ${quote(text)} must start with file://, https:// or oci://`,
      hint ?? 'sources are matched as URIs, e.g. `oci://ghcr.io/acme/**` or `file:///srv/tools/**`',
    );
    return false;
  }
  return true;
}

function readRule(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
  index: number,
): SourceRuleSpec | undefined {
  const map = ctx.readMap(value, pointer, 'a trust rule', RULE_KEYS);
  if (!map) return undefined;
  let ok = true;
  const name =
    map.name !== undefined
      ? ctx.readString(map.name, joinPointer(pointer, 'name'), '`name`')
      : undefined;
  if (map.match === undefined) {
    ctx.error(
      'trust-rule-match',
      pointer,
      'a trust rule needs `match`: the source URIs it applies to',
      'e.g. `match: ["oci://ghcr.io/acme/**"]`',
    );
    return undefined;
  }
  const match = ctx.readStrings(map.match, joinPointer(pointer, 'match'), '`match`') ?? [];
  const matchPtr = joinPointer(pointer, 'match');
  match.forEach((g, i) => {
    if (!readSourceGlob(ctx, g, Array.isArray(map.match) ? joinPointer(matchPtr, i) : matchPtr))
      ok = false;
  });
  const signers: SignerSpec[] = [];
  const list = ctx.readList(map.signers, joinPointer(pointer, 'signers'), '`signers`') ?? [];
  list.forEach((s, i) => {
    const signer = readSigner(ctx, s, joinPointer(pointer, 'signers', i), i);
    if (signer) signers.push(signer);
    else ok = false;
  });
  const digestPin =
    map.digest_pin !== undefined
      ? (ctx.readBoolean(map.digest_pin, joinPointer(pointer, 'digest_pin'), '`digest_pin`') ??
        false)
      : false;
  const deny =
    map.deny !== undefined
      ? (ctx.readBoolean(map.deny, joinPointer(pointer, 'deny'), '`deny`') ?? false)
      : false;
  if (deny && (list.length > 0 || digestPin)) {
    ctx.error(
      'trust-rule-deny',
      joinPointer(pointer, 'deny'),
      'a `deny: true` rule refuses its sources; it takes no `signers` or `digest_pin`',
    );
    return undefined;
  }
  if (!deny && list.length === 0 && !digestPin && ok) {
    ctx.error(
      'trust-rule-empty',
      pointer,
      'a trust rule must require something: `signers`, `digest_pin: true`, or `deny: true`',
      'there is no "trust anything" rule; name the signers you trust',
    );
    return undefined;
  }
  if (!ok) return undefined;
  return {
    name: name ?? `trust.sources[${index}]`,
    pointer,
    at: ctx.ref(pointer),
    match,
    signers,
    digestPin,
    deny,
  };
}

function readCidr(ctx: SectionContext, value: unknown, pointer: string): string | undefined {
  const text = ctx.readString(value, pointer, '`cidr`');
  if (text === undefined) return undefined;
  const [addr, bits, extra] = text.split('/');
  const family = isIP(addr ?? '');
  const max = family === 6 ? 128 : 32;
  const n = bits === undefined ? max : Number(bits);
  if (family === 0 || extra !== undefined || !Number.isInteger(n) || n < 0 || n > max) {
    ctx.error(
      'trust-cidr-invalid',
      pointer,
      `${quote(text)} is not an address range`,
      'write e.g. `127.0.0.0/8`, `10.1.2.3/32` or `::1/128`',
    );
    return undefined;
  }
  return `${addr}/${n}`;
}

function readFetch(ctx: SectionContext, value: unknown, pointer: string): TrustSection['fetch'] {
  const map = ctx.readMap(value, pointer, '`fetch`', FETCH_KEYS);
  const out: {
    maxBytes?: number;
    timeoutMs?: number;
    caFile?: string;
    network: Array<{ cidr: string }>;
  } = { network: [] };
  if (!map) return out;
  if (map.max_bytes !== undefined) {
    const p = parseBytes(map.max_bytes);
    if (p.ok && p.value > 0) out.maxBytes = p.value;
    else
      ctx.error(
        'invalid-bytes',
        joinPointer(pointer, 'max_bytes'),
        `\`max_bytes\` ${p.ok ? 'must be more than 0' : p.message}`,
        'write e.g. `64Mi`',
      );
  }
  if (map.timeout !== undefined) {
    const p = parseDuration(map.timeout);
    if (p.ok) out.timeoutMs = p.value;
    else
      ctx.error(
        'invalid-duration',
        joinPointer(pointer, 'timeout'),
        `\`timeout\` ${p.message}`,
        p.help ?? 'write e.g. `60s`',
      );
  }
  if (map.ca_file !== undefined) {
    const path = readPath(ctx, map.ca_file, joinPointer(pointer, 'ca_file'), '`ca_file`');
    if (path !== undefined) out.caFile = path;
  }
  const net = ctx.readList(map.network, joinPointer(pointer, 'network'), '`network`') ?? [];
  net.forEach((n, i) => {
    const p = joinPointer(pointer, 'network', i);
    const m = ctx.readMap(n, p, 'a network rule', NETWORK_KEYS);
    if (!m) return;
    if ((m.cidr === undefined) === (m.host === undefined)) {
      ctx.error('trust-network-rule', p, 'a network rule has either `cidr` or `host`');
      return;
    }
    if (m.cidr !== undefined) {
      const c = readCidr(ctx, m.cidr, joinPointer(p, 'cidr'));
      if (c) out.network.push({ cidr: c });
    } else {
      // A name lets nothing through here: the fetcher checks the address a
      // name resolves to, and a name can be made to resolve anywhere.
      ctx.error(
        'trust-host-rule',
        joinPointer(p, 'host'),
        'a source host at a loopback, private or metadata address is let through by its address, not its name',
        'write the address it resolves to, e.g. `cidr: 10.1.2.3/32`',
      );
    }
  });
  return out;
}

export function parseTrust(
  value: unknown,
  pointer: string,
  ctx: SectionContext,
): TrustSection | undefined {
  const map = ctx.readMap(value, pointer, 'the `trust` section', TRUST_KEYS);
  if (!map) return undefined;
  const sources: SourceRuleSpec[] = [];
  const rules = ctx.readList(map.sources, joinPointer(pointer, 'sources'), '`sources`') ?? [];
  rules.forEach((r, i) => {
    const rule = readRule(ctx, r, joinPointer(pointer, 'sources', i), i);
    if (rule) sources.push(rule);
  });
  const allowDirs: string[] = [];
  const dirsPtr = joinPointer(pointer, 'allow_dirs');
  const dirs =
    map.allow_dirs !== undefined
      ? (ctx.readStrings(map.allow_dirs, dirsPtr, '`allow_dirs`') ?? [])
      : [];
  dirs.forEach((d, i) => {
    const path = readPath(
      ctx,
      d,
      Array.isArray(map.allow_dirs) ? joinPointer(dirsPtr, i) : dirsPtr,
      'an allowed directory',
    );
    if (path !== undefined) allowDirs.push(path);
  });
  const fetch =
    map.fetch !== undefined
      ? readFetch(ctx, map.fetch, joinPointer(pointer, 'fetch'))
      : { network: [] };
  return { sources, allowDirs, fetch };
}
