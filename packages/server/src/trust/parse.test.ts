// The `trust:` section as an operator writes it: what is read, and a precise
// diagnostic (code, pointer, line, help) for each mistake.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readPolicy } from '@mcpkit/wasm-policy';
import { serverRegistry } from '../policies.js';
import { trustExtension } from './extension.js';
import type { TrustSection } from './section.js';
import { serverTrust } from './server-trust.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpkit-trust-parse-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pem = (type: 'ec' | 'ed25519' | 'rsa', opts: object = {}) =>
  generateKeyPairSync(type as 'ec', opts as { namedCurve: string }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
writeFileSync(join(dir, 'cosign.pub'), pem('ec', { namedCurve: 'P-256' }));
writeFileSync(join(dir, 'p384.pub'), pem('ec', { namedCurve: 'P-384' }));
writeFileSync(join(dir, 'rsa.pub'), pem('rsa', { modulusLength: 2048 }));
writeFileSync(join(dir, 'garbage.pub'), 'not a key');
writeFileSync(
  join(dir, 'empty-root.json'),
  JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }),
);

const registry = serverRegistry();
const read = (text: string) =>
  readPolicy(`version: "1.0"\n${text}`, { registry, file: 'server.yaml', baseDir: dir });
const errors = (text: string) =>
  read(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.code} ${d.pointer} ${d.message}`);

describe('the trust section', () => {
  it('reads rules, signers, directories and fetch settings, paths against the policy directory', () => {
    const r = read(`trust:
  allow_dirs: [./components, /srv/tools]
  sources:
    - name: acme
      match: ["oci://ghcr.io/acme/**", "https://tools.acme.example/**"]
      signers:
        - id: release
          key: ./cosign.pub
      digest_pin: true
    - match: "oci://127.0.0.1:*/**"
      digest_pin: true
    - match: ["https://evil.example/**"]
      deny: true
  fetch:
    max_bytes: 64Mi
    timeout: 30s
    ca_file: ./ca.pem
    network:
      - cidr: 127.0.0.0/8
      - cidr: 10.1.2.3/32
`);
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const t = r.document!.extensions.trust as TrustSection;
    assert.deepEqual(t.allowDirs, [join(dir, 'components'), '/srv/tools']);
    assert.equal(t.sources.length, 3);
    assert.equal(t.sources[0]?.name, 'acme');
    assert.equal(t.sources[0]?.signers[0]?.id, 'release');
    assert.equal(t.sources[1]?.name, 'trust.sources[1]');
    assert.deepEqual(t.sources[1]?.match, ['oci://127.0.0.1:*/**']);
    assert.equal(t.sources[2]?.deny, true);
    assert.deepEqual(t.fetch, {
      maxBytes: 64 * 1024 * 1024,
      timeoutMs: 30_000,
      caFile: join(dir, 'ca.pem'),
      network: [{ cidr: '127.0.0.0/8' }, { cidr: '10.1.2.3/32' }],
    });
    const compiled = serverTrust(r.document, registry);
    assert.equal(compiled.sources[0]?.signers[0]?.kind, 'key');
    assert.equal(compiled.fetch.maxBytes, 64 * 1024 * 1024);
  });

  it('reads an inline PEM key, named key-N without an id', () => {
    const inline = pem('ed25519').trim().replace(/\n/g, '\n        ');
    const r = read(`trust:
  sources:
    - match: ["oci://ghcr.io/**"]
      signers:
        - key: |
            ${inline.replace(/\n {8}/g, '\n            ')}
`);
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const t = r.document!.extensions.trust as TrustSection;
    assert.equal(t.sources[0]?.signers[0]?.id, 'key-1');
    assert.equal(serverTrust(r.document, registry).sources[0]?.signers[0]?.kind, 'key');
  });

  it('has no rules without a trust section', () => {
    const r = read('description: x\n');
    assert.deepEqual(serverTrust(r.document, registry).sources, []);
  });

  it('refuses a keyless signer without identity or issuer: never any identity', () => {
    assert.deepEqual(
      errors(`trust:
  sources:
    - match: ["oci://ghcr.io/**"]
      signers:
        - issuer: https://token.actions.githubusercontent.com
          trusted_root: ./root.json
`),
      [
        'trust-any-identity /trust/sources/0/signers/0 a keyless signer without `identity` would accept any identity',
      ],
    );
    assert.match(
      errors(`trust:
  sources:
    - match: ["oci://ghcr.io/**"]
      signers: [{ identity: "*", issuer: "**", trusted_root: ./empty-root.json }]
`).join('\n'),
      /trust-any-identity \/trust\/sources\/0\/signers\/0\/identity `identity` `\*` would accept anyone/,
    );
  });

  it('refuses a trusted root that is missing or names no authorities', () => {
    const e = errors(`trust:
  sources:
    - match: ["oci://ghcr.io/**"]
      signers:
        - { identity: a@example.com, issuer: https://i.example, trusted_root: ./missing.json }
        - { identity: a@example.com, issuer: https://i.example, trusted_root: ./empty-root.json }
`);
    assert.equal(e.length, 2);
    assert.match(
      e[0]!,
      /^trust-root-invalid \/trust\/sources\/0\/signers\/0\/trusted_root .*ENOENT/,
    );
    assert.match(
      e[1]!,
      /^trust-root-incomplete .*0 certificate authorities and 0 transparency logs/,
    );
  });

  it('refuses keys of other types, unreadable key files and mixed signers', () => {
    const e = errors(`trust:
  sources:
    - match: ["oci://ghcr.io/**"]
      signers:
        - key: ./p384.pub
        - key: ./rsa.pub
        - key: ./garbage.pub
        - key: ./nowhere.pub
        - { key: ./cosign.pub, identity: a@example.com }
        - {}
`);
    assert.deepEqual(
      e.map((x) => x.split(' ').slice(0, 2).join(' ')),
      [
        'trust-key-invalid /trust/sources/0/signers/0/key',
        'trust-key-invalid /trust/sources/0/signers/1/key',
        'trust-key-invalid /trust/sources/0/signers/2/key',
        'trust-key-unreadable /trust/sources/0/signers/3/key',
        'trust-signer-mixed /trust/sources/0/signers/4/identity',
        'trust-signer-empty /trust/sources/0/signers/5',
      ],
    );
    assert.match(e[0]!, /an EC key on secp384r1; only ECDSA P-256 and Ed25519/);
    assert.match(e[1]!, /a rsa key/);
  });

  it('refuses a rule that requires nothing, a rule without match, and bad schemes', () => {
    assert.deepEqual(
      errors(`trust:
  sources:
    - match: ["oci://ghcr.io/**"]
    - digest_pin: true
    - match: ["ocl://ghcr.io/**"]
      digest_pin: true
    - match: ["https://x/**"]
      deny: true
      digest_pin: true
`).map((x) => x.split(' ').slice(0, 2).join(' ')),
      [
        'trust-rule-empty /trust/sources/0',
        'trust-rule-match /trust/sources/1',
        'trust-glob-scheme /trust/sources/2/match/0',
        'trust-rule-deny /trust/sources/3/deny',
      ],
    );
    const d = read(`trust:
  sources:
    - match: ["ocl://ghcr.io/**"]
      digest_pin: true
`).diagnostics.find((x) => x.code === 'trust-glob-scheme');
    assert.match(d?.help ?? '', /did you mean `oci:`/);
    assert.equal(d?.line, 4);
  });

  it('reports unknown keys with a suggestion, and bad fetch values', () => {
    const r = read(`trust:
  sorces: []
  fetch:
    max_bytes: lots
    timeout: forever
    network:
      - cidr: 10.0.0.0/33
      - host: "bad host"
      - { cidr: 10.0.0.0/8, host: x }
`);
    const e = r.diagnostics.filter((d) => d.severity === 'error');
    const unknown = e.find((d) => d.pointer === '/trust/sorces');
    assert.ok(unknown, JSON.stringify(e));
    assert.match(`${unknown.message} ${unknown.help}`, /sources/);
    assert.deepEqual(
      e.filter((d) => d !== unknown).map((d) => `${d.code} ${d.pointer}`),
      [
        'invalid-bytes /trust/fetch/max_bytes',
        'invalid-duration /trust/fetch/timeout',
        'trust-cidr-invalid /trust/fetch/network/0/cidr',
        'trust-host-rule /trust/fetch/network/1/host',
        'trust-network-rule /trust/fetch/network/2',
      ],
    );
  });

  it("merges: the extending policy's rules come first, directories add up", () => {
    const base = read(`trust:
  allow_dirs: [/a]
  sources: [{ name: base, match: ["oci://x/**"], digest_pin: true }]
`).document!.extensions.trust as TrustSection;
    const child = read(`trust:
  allow_dirs: [/b]
  sources: [{ name: child, match: ["oci://x/y/**"], digest_pin: true }]
`).document!.extensions.trust as TrustSection;
    const m = trustExtension.merge(base, child);
    assert.deepEqual(
      m.sources.map((r) => r.name),
      ['child', 'base'],
    );
    assert.deepEqual(m.allowDirs, ['/a', '/b']);
  });
});
