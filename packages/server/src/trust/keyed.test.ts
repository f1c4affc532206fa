// Keyed signatures made by the real cosign CLI, checked by decideTrust: a
// Sigstore bundle (--new-bundle-format), cosign's own blob bundle, and a
// cosign simple-signing payload as cosign stores it in an OCI registry.

import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ArtifactEvidence } from './evidence.js';
import { compileTrust } from './extension.js';
import type { CompiledTrust } from './model.js';
import { cosign, cosignKeyPair, cosignSignBlob } from './testing-cosign.js';
import { decideTrust } from './verify.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpkit-trust-keyed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const digestOf = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const wasm = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.from('tool')]);
const other = Buffer.concat([wasm, Buffer.from('changed')]);
const SOURCE = 'https://tools.example.com/time.wasm';

function trustFor(pub: string, id = 'release'): CompiledTrust {
  return compileTrust({
    sources: [
      {
        name: 'release-tools',
        pointer: '/trust/sources/0',
        match: ['https://tools.example.com/**', 'oci://registry.example.com/tools/**'],
        signers: [{ kind: 'key', id, pem: readFileSync(pub, 'utf8'), from: pub }],
        digestPin: false,
        deny: false,
      },
    ],
    allowDirs: [],
    fetch: { network: [] },
  });
}

function artifact(
  bytes: Buffer,
  evidence: ArtifactEvidence['evidence'],
  over: Partial<ArtifactEvidence> = {},
): ArtifactEvidence {
  return {
    source: SOURCE,
    digest: digestOf(bytes),
    bytes,
    pinned: false,
    operator: false,
    evidence,
    ...over,
  };
}

let keys: { key: string; pub: string };
let untrusted: { key: string; pub: string };
let newBundle: unknown;
let oldBundle: unknown;

before(() => {
  keys = cosignKeyPair(dir, 'release');
  untrusted = cosignKeyPair(dir, 'stranger');
  writeFileSync(join(dir, 'tool.wasm'), wasm);
  cosignSignBlob(dir, keys.key, 'tool.wasm', join(dir, 'new.json'), true);
  cosignSignBlob(dir, keys.key, 'tool.wasm', join(dir, 'old.json'), false);
  newBundle = JSON.parse(readFileSync(join(dir, 'new.json'), 'utf8'));
  oldBundle = JSON.parse(readFileSync(join(dir, 'old.json'), 'utf8'));
});

describe('keyed signatures made by cosign', () => {
  it('accepts a Sigstore bundle from `cosign sign-blob --new-bundle-format` by the trusted key', async () => {
    const d = await decideTrust(
      artifact(wasm, [
        { kind: 'sigstore-bundle', bundle: newBundle, origin: 'tool.wasm.sigstore.json' },
      ]),
      trustFor(keys.pub),
      [],
    );
    assert.equal(d.allowed, true, JSON.stringify(d));
    assert.ok(d.allowed);
    assert.equal(d.rule, 'release-tools');
    assert.deepEqual(d.signer, { kind: 'key', id: 'release' });
  });

  it("accepts cosign's own blob bundle (no --new-bundle-format) by the trusted key", async () => {
    const d = await decideTrust(
      artifact(wasm, [{ kind: 'sigstore-bundle', bundle: oldBundle, origin: 'old.json' }]),
      trustFor(keys.pub),
      [],
    );
    assert.equal(d.allowed, true, JSON.stringify(d));
  });

  it('refuses an unsigned artifact, naming the rule and its signers', async () => {
    const d = await decideTrust(artifact(wasm, []), trustFor(keys.pub), []);
    assert.equal(d.allowed, false);
    assert.ok(!d.allowed);
    assert.equal(d.rule, 'release-tools');
    assert.match(d.reason, /no signature or bundle was found/);
    assert.match(d.help, /release/);
    assert.match(d.help, /signers:/);
  });

  it('refuses a remote source no rule covers, with the rule to add', async () => {
    const d = await decideTrust(
      artifact(wasm, [{ kind: 'sigstore-bundle', bundle: newBundle, origin: 'b' }], {
        source: 'https://elsewhere.example.org/x.wasm',
      }),
      trustFor(keys.pub),
      [],
    );
    assert.ok(!d.allowed);
    assert.match(d.reason, /no trust rule matches/);
    assert.match(d.help, /match: \["https:\/\/elsewhere\.example\.org\/\*\*"\]/);
  });

  it('refuses a signature by an untrusted key (both bundle forms)', async () => {
    for (const bundle of [newBundle, oldBundle]) {
      const d = await decideTrust(
        artifact(wasm, [{ kind: 'sigstore-bundle', bundle, origin: 'b' }]),
        trustFor(untrusted.pub, 'stranger'),
        [],
      );
      assert.ok(!d.allowed, JSON.stringify(d));
      assert.match(d.reason, /does not verify with this key/);
    }
  });

  it("refuses the right key's bundle for another artifact", async () => {
    for (const bundle of [newBundle, oldBundle]) {
      const d = await decideTrust(
        artifact(other, [{ kind: 'sigstore-bundle', bundle, origin: 'b' }]),
        trustFor(keys.pub),
        [],
      );
      assert.ok(!d.allowed, JSON.stringify(d));
      assert.match(d.reason, /not this artifact|does not verify/);
    }
  });

  it('refuses bytes that do not have the stated digest', async () => {
    const d = await decideTrust(
      artifact(wasm, [{ kind: 'sigstore-bundle', bundle: newBundle, origin: 'b' }], {
        bytes: other,
      }),
      trustFor(keys.pub),
      [],
    );
    assert.ok(!d.allowed);
    assert.match(d.reason, /do not have the digest/);
  });

  it('refuses a bundle that is not a bundle', async () => {
    const d = await decideTrust(
      artifact(wasm, [{ kind: 'sigstore-bundle', bundle: { mediaType: 'x' }, origin: 'b' }]),
      trustFor(keys.pub),
      [],
    );
    assert.ok(!d.allowed);
    assert.match(d.reason, /not a valid Sigstore bundle/);
  });
});

describe('cosign image signatures (simple signing)', () => {
  const manifestDigest = `sha256:${'ab'.repeat(32)}`;
  const payloadFor = (m: string) =>
    Buffer.from(
      JSON.stringify({
        critical: {
          identity: { 'docker-reference': 'registry.example.com/tools/time' },
          image: { 'docker-manifest-digest': m },
          type: 'cosign container image signature',
        },
        optional: null,
      }),
    );
  const signPayload = (key: string, payload: Buffer, name: string) => {
    writeFileSync(join(dir, name), payload);
    return cosign(['sign-blob', '--key', key, '--tlog-upload=false', name], dir).trim();
  };
  const oci = (payload: Buffer, signature: string, m = manifestDigest): ArtifactEvidence => ({
    source: `oci://registry.example.com/tools/time@${m}`,
    digest: digestOf(wasm),
    manifestDigest: m,
    pinned: true,
    operator: false,
    evidence: [{ kind: 'cosign-signature', payload, signature, origin: 'sha256-ab.sig' }],
  });

  it('accepts the payload signed by the trusted key', async () => {
    const p = payloadFor(manifestDigest);
    const d = await decideTrust(
      oci(p, signPayload(keys.key, p, 'p1.json')),
      trustFor(keys.pub),
      [],
    );
    assert.equal(d.allowed, true, JSON.stringify(d));
  });

  it('refuses a payload naming another manifest', async () => {
    const p = payloadFor(`sha256:${'cd'.repeat(32)}`);
    const d = await decideTrust(
      oci(p, signPayload(keys.key, p, 'p2.json')),
      trustFor(keys.pub),
      [],
    );
    assert.ok(!d.allowed);
    assert.match(d.reason, /is for manifest sha256:cdcd/);
  });

  it('refuses a payload changed after signing', async () => {
    const p = payloadFor(manifestDigest);
    const sig = signPayload(keys.key, p, 'p3.json');
    const changed = Buffer.from(
      p.toString('utf8').replace('cosign container', 'cosign  container'),
    );
    const d = await decideTrust(oci(changed, sig), trustFor(keys.pub), []);
    assert.ok(!d.allowed);
    assert.match(d.reason, /does not verify/);
  });

  it('refuses a signature by an untrusted key', async () => {
    const p = payloadFor(manifestDigest);
    const d = await decideTrust(
      oci(p, signPayload(untrusted.key, p, 'p4.json')),
      trustFor(keys.pub),
      [],
    );
    assert.ok(!d.allowed);
  });
});

describe('Ed25519 keys', () => {
  it('verify a Sigstore message-signature bundle', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = join(dir, 'ed.pub');
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    const sig = sign(null, wasm, privateKey);
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'ed' } },
      messageSignature: {
        messageDigest: {
          algorithm: 'SHA2_256',
          digest: createHash('sha256').update(wasm).digest('base64'),
        },
        signature: sig.toString('base64'),
      },
    };
    const ok = await decideTrust(
      artifact(wasm, [{ kind: 'sigstore-bundle', bundle, origin: 'b' }]),
      trustFor(pub, 'ed'),
      [],
    );
    assert.equal(ok.allowed, true, JSON.stringify(ok));
    const bad = await decideTrust(
      artifact(wasm, [{ kind: 'sigstore-bundle', bundle, origin: 'b' }]),
      trustFor(keys.pub),
      [],
    );
    assert.equal(bad.allowed, false);
  });
});

describe('DSSE bundles (in-toto attestations)', () => {
  const pae = (type: string, body: Buffer) =>
    Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `), body]);
  const TYPE = 'application/vnd.in-toto+json';
  const dsse = (subjectDigest: string, key: import('node:crypto').KeyObject) => {
    const statement = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'tool.wasm', digest: { sha256: subjectDigest } }],
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: {},
      }),
    );
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'k' } },
      dsseEnvelope: {
        payload: statement.toString('base64'),
        payloadType: TYPE,
        signatures: [
          { sig: sign('sha256', pae(TYPE, statement), key).toString('base64'), keyid: '' },
        ],
      },
    };
  };
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = join(dir, 'dsse.pub');
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  const hex = createHash('sha256').update(wasm).digest('hex');

  it('accepts an attestation whose subject is the artifact, signed by the trusted key', async () => {
    const d = await decideTrust(
      artifact(wasm, [{ kind: 'sigstore-bundle', bundle: dsse(hex, privateKey), origin: 'att' }]),
      trustFor(pub, 'dsse'),
      [],
    );
    assert.equal(d.allowed, true, JSON.stringify(d));
  });

  it('refuses an attestation about another artifact, and one by another key', async () => {
    const other = createHash('sha256').update('other').digest('hex');
    const wrongSubject = await decideTrust(
      artifact(wasm, [{ kind: 'sigstore-bundle', bundle: dsse(other, privateKey), origin: 'att' }]),
      trustFor(pub, 'dsse'),
      [],
    );
    assert.ok(!wrongSubject.allowed);
    assert.match(wrongSubject.reason, /subjects \(sha256:[0-9a-f]+\) do not include/);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const wrongKey = await decideTrust(
      artifact(wasm, [{ kind: 'sigstore-bundle', bundle: dsse(hex, stranger), origin: 'att' }]),
      trustFor(pub, 'dsse'),
      [],
    );
    assert.ok(!wrongKey.allowed);
    assert.match(wrongKey.reason, /does not verify with this key/);
  });
});
