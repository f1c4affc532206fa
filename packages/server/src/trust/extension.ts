// The `trust:` extension of the server policy: which sources may be loaded,
// who must have signed them, and how they are fetched.

import { defineExtension, formatBytes, formatDuration, type JsonSchema } from '@mcpkit/wasm-policy';
import type { CompiledTrust, Signer } from './model.js';
import { acceptedKey, parseTrust, TRUST_KEYS } from './parse.js';
import type { TrustSection } from './section.js';

const signerSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'A public key, or a keyless identity + issuer checked against a trusted root.',
  properties: {
    id: { type: 'string' },
    key: { type: 'string', description: 'PEM public key file or PEM text (ECDSA P-256, Ed25519).' },
    identity: { type: 'string', description: 'Certificate SAN (email or URI), exact or glob.' },
    issuer: { type: 'string', description: 'OIDC issuer, exact or glob.' },
    trusted_root: { type: 'string', description: 'Sigstore trusted_root.json file.' },
  },
};

const trustSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Which component sources may be loaded and who must have signed them.',
  properties: {
    sources: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['match'],
        properties: {
          name: { type: 'string' },
          match: {
            type: ['string', 'array'],
            items: { type: 'string' },
            description: 'Source URI globs (file://, https://, oci://).',
          },
          signers: { type: 'array', items: signerSchema },
          digest_pin: { type: 'boolean', description: 'A matching digest pin suffices.' },
          deny: { type: 'boolean' },
        },
      },
    },
    allow_dirs: {
      type: ['string', 'array'],
      items: { type: 'string' },
      description: 'Directories a client may load local components from.',
    },
    fetch: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_bytes: { type: ['string', 'number'] },
        timeout: { type: ['string', 'number'] },
        ca_file: { type: 'string' },
        network: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: { cidr: { type: 'string' }, host: { type: 'string' } },
          },
        },
      },
    },
  },
};

export function compileTrust(s: TrustSection): CompiledTrust {
  return Object.freeze({
    sources: Object.freeze(
      s.sources.map((r) =>
        Object.freeze({
          ...r,
          signers: Object.freeze(
            r.signers.map((sg): Signer => {
              if (sg.kind === 'keyless') return sg;
              const k = acceptedKey(sg.pem);
              if ('message' in k) throw new Error(`trust signer ${sg.id}: key ${k.message}`);
              return { ...sg, key: k.key };
            }),
          ),
        }),
      ),
    ),
    allowDirs: Object.freeze([...s.allowDirs]),
    fetch: Object.freeze({ ...s.fetch, network: Object.freeze([...s.fetch.network]) }),
  });
}

function serializeTrust(s: TrustSection): Record<string, unknown> {
  const f = s.fetch;
  const fetch = {
    ...(f.maxBytes !== undefined ? { max_bytes: formatBytes(f.maxBytes) } : {}),
    ...(f.timeoutMs !== undefined ? { timeout: formatDuration(f.timeoutMs) } : {}),
    ...(f.caFile !== undefined ? { ca_file: f.caFile } : {}),
    ...(f.network.length > 0 ? { network: f.network.map((n) => ({ ...n })) } : {}),
  };
  return {
    ...(s.sources.length > 0
      ? {
          sources: s.sources.map((r) => ({
            ...(r.name.startsWith('trust.sources[') ? {} : { name: r.name }),
            match: [...r.match],
            ...(r.signers.length > 0
              ? {
                  signers: r.signers.map((sg) =>
                    sg.kind === 'key'
                      ? { id: sg.id, key: sg.from === 'inline' ? sg.pem : sg.from }
                      : {
                          id: sg.id,
                          identity: sg.identity,
                          issuer: sg.issuer,
                          trusted_root: sg.trustedRoot,
                        },
                  ),
                }
              : {}),
            ...(r.digestPin ? { digest_pin: true } : {}),
            ...(r.deny ? { deny: true } : {}),
          })),
        }
      : {}),
    ...(s.allowDirs.length > 0 ? { allow_dirs: [...s.allowDirs] } : {}),
    ...(Object.keys(fetch).length > 0 ? { fetch } : {}),
  };
}

export const trustExtension = defineExtension<TrustSection, CompiledTrust>({
  id: 'trust',
  description: 'server policy: trusted component sources, signers, local directories, fetching',
  schema: trustSchema,
  parse: parseTrust,
  compile: compileTrust,
  // A child's rules come first (the first match decides); directories add up.
  merge: (base, child) => ({
    sources: [...child.sources, ...base.sources],
    allowDirs: [...new Set([...base.allowDirs, ...child.allowDirs])],
    fetch: {
      ...base.fetch,
      ...child.fetch,
      network: [...base.fetch.network, ...child.fetch.network],
    },
  }),
  serialize: serializeTrust,
});

export { TRUST_KEYS };
