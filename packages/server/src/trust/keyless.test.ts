// Keyless signatures from a test Sigstore instance made here (Fulcio-style
// CA, Rekor-style log key, trusted_root.json on disk): what is accepted, and
// each way a keyless signature must be refused.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ArtifactEvidence } from './evidence.js';
import { compileTrust } from './extension.js';
import type { CompiledTrust } from './model.js';
import { cosignVerifyKeyless } from './testing-cosign.js';
import {
  type BundleOptions,
  keylessBundle,
  keylessCosignSignature,
  makeCa,
  makeLog,
  type TestCa,
  type TestLog,
  trustedRootJson,
} from './testing-keyless.js';
import { decideTrust } from './verify.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpkit-trust-keyless-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const wasm = Buffer.concat([
  Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
  Buffer.from('keyless'),
]);
const digest = `sha256:${createHash('sha256').update(wasm).digest('hex')}`;
const ID = 'release@example.com';
const ISSUER = 'https://accounts.example.com';
const SOURCE = 'https://tools.example.com/time.wasm';

let ca: TestCa;
let otherCa: TestCa;
let log: TestLog;
let otherLog: TestLog;
let rootPath: string;

before(async () => {
  ca = await makeCa();
  otherCa = await makeCa('Attacker Fulcio');
  log = makeLog();
  otherLog = makeLog();
  rootPath = join(dir, 'trusted_root.json');
  writeFileSync(rootPath, trustedRootJson([ca], [log]));
});

function trust(identity = ID, issuer = ISSUER): CompiledTrust {
  return compileTrust({
    sources: [
      {
        name: 'keyless-tools',
        pointer: '/trust/sources/0',
        match: ['https://tools.example.com/**', 'oci://registry.example.com/**'],
        signers: [{ kind: 'keyless', id: 'ci', identity, issuer, trustedRoot: rootPath }],
        digestPin: false,
        deny: false,
      },
    ],
    allowDirs: [],
    fetch: { network: [] },
  });
}

const now = () => Math.floor(Date.now() / 1000);
function opts(over: Partial<BundleOptions> = {}): BundleOptions {
  const t = now();
  return {
    ca,
    log,
    identity: ID,
    issuer: ISSUER,
    notBefore: new Date((t - 60) * 1000),
    notAfter: new Date((t + 540) * 1000),
    integratedTime: t,
    ...over,
  };
}

async function decide(over: Partial<BundleOptions> = {}, t = trust()) {
  const bundle = await keylessBundle(wasm, opts(over));
  const a: ArtifactEvidence = {
    source: SOURCE,
    digest,
    bytes: wasm,
    pinned: false,
    operator: false,
    evidence: [{ kind: 'sigstore-bundle', bundle, origin: 'time.wasm.sigstore.json' }],
  };
  return decideTrust(a, t, []);
}

describe('keyless bundles', () => {
  it('accepts the trusted identity and issuer, chained to the trusted root, logged', async () => {
    const d = await decide();
    assert.equal(d.allowed, true, JSON.stringify(d));
    assert.ok(d.allowed);
    assert.deepEqual(d.signer, { kind: 'keyless', id: ID, issuer: ISSUER });
  });

  it("reads the issuer from Fulcio's first issuer extension (1.3.6.1.4.1.57264.1.1) too", async () => {
    const d = await decide({ issuerExtension: 'v1' });
    assert.equal(d.allowed, true, JSON.stringify(d));
  });

  it('accepts a URI identity matched by a glob', async () => {
    const wf = 'https://github.com/acme/tools/.github/workflows/release.yml@refs/heads/main';
    const d = await decide(
      { identity: wf, issuer: 'https://token.actions.githubusercontent.com' },
      trust(
        'https://github.com/acme/*/.github/workflows/release.yml@refs/heads/main',
        'https://token.actions.githubusercontent.com',
      ),
    );
    assert.equal(d.allowed, true, JSON.stringify(d));
  });

  it('refuses the wrong identity', async () => {
    const d = await decide({ identity: 'mallory@example.com' });
    assert.ok(!d.allowed);
    assert.match(d.reason, /identity mallory@example\.com does not match release@example\.com/);
    assert.match(d.help, /keyless-tools/);
    // the help shows the rule that would accept the signer actually found
    assert.match(
      d.help,
      /It is signed by mallory@example\.com \(issuer https:\/\/accounts\.example\.com\)/,
    );
    assert.match(
      d.help,
      /- identity: "mallory@example\.com"\n {10}issuer: "https:\/\/accounts\.example\.com"/,
    );
  });

  it('refuses an identity a glob must not stretch to: evil@example.com.attacker', async () => {
    const d = await decide({ identity: 'evil@example.com.attacker' }, trust('*@example.com'));
    assert.ok(!d.allowed);
    assert.match(d.reason, /does not match \*@example\.com/);
  });

  it('refuses the wrong issuer', async () => {
    const d = await decide({ issuer: 'https://evil-idp.example.com' });
    assert.ok(!d.allowed);
    assert.match(d.reason, /issuer https:\/\/evil-idp\.example\.com does not match/);
  });

  it('refuses a certificate chained to another CA', async () => {
    const d = await decide({ ca: otherCa });
    assert.ok(!d.allowed);
    assert.match(d.reason, /Failed to verify certificate chain/);
  });

  it('refuses a bundle without a transparency-log entry', async () => {
    const d = await decide({ noTlog: true });
    assert.ok(!d.allowed);
    assert.match(d.reason, /expected 1 timestamps, got 0/);
  });

  it('refuses a log entry whose body was changed after the log signed it', async () => {
    const d = await decide({ tamperBody: true });
    assert.ok(!d.allowed);
    assert.match(d.reason, /inclusion promise/);
  });

  it('refuses an entry timestamp signed by a log the trusted root does not name', async () => {
    const d = await decide({ signWith: otherLog });
    assert.ok(!d.allowed);
    assert.match(d.reason, /inclusion promise|TLOG/);
  });

  it('refuses a certificate expired at the integrated time', async () => {
    const t = now();
    const d = await decide({
      notBefore: new Date((t - 3600) * 1000),
      notAfter: new Date((t - 3000) * 1000),
      integratedTime: t,
    });
    assert.ok(!d.allowed);
    assert.match(d.reason, /not valid or expired at the specified date/);
  });

  it('accepts a certificate expired now but valid when it was logged', async () => {
    const t = now() - 7200;
    const d = await decide({
      notBefore: new Date((t - 60) * 1000),
      notAfter: new Date((t + 540) * 1000),
      integratedTime: t,
    });
    assert.equal(d.allowed, true, JSON.stringify(d));
  });

  it('refuses a keyless bundle for another artifact', async () => {
    const bundle = await keylessBundle(Buffer.from('other'), opts());
    const d = await decideTrust(
      {
        source: SOURCE,
        digest,
        bytes: wasm,
        pinned: false,
        operator: false,
        evidence: [{ kind: 'sigstore-bundle', bundle, origin: 'b' }],
      },
      trust(),
      [],
    );
    assert.ok(!d.allowed);
    assert.match(d.reason, /not this artifact/);
  });
});

describe('v0.3 bundles with an inclusion proof', () => {
  it('accepts an entry with a Merkle inclusion proof and a checkpoint signed by the log', async () => {
    const d = await decide({ inclusionProof: true });
    assert.equal(d.allowed, true, JSON.stringify(d));
  });

  it('refuses a checkpoint signed by a log the trusted root does not name', async () => {
    const d = await decide({ inclusionProof: true, checkpointLog: otherLog });
    assert.ok(!d.allowed);
    assert.match(d.reason, /invalid checkpoint signature/);
  });
});

describe('the test instance is one cosign accepts', () => {
  it('cosign verify-blob verifies a test keyless bundle against the test trusted root, and refuses another identity', async () => {
    const bundlePath = join(dir, 'cross.sigstore.json');
    const file = join(dir, 'cross.wasm');
    writeFileSync(file, wasm);
    writeFileSync(bundlePath, JSON.stringify(await keylessBundle(wasm, opts())));
    assert.doesNotThrow(() =>
      cosignVerifyKeyless(dir, {
        bundle: bundlePath,
        file,
        trustedRoot: rootPath,
        identity: ID,
        issuer: ISSUER,
      }),
    );
    assert.throws(() =>
      cosignVerifyKeyless(dir, {
        bundle: bundlePath,
        file,
        trustedRoot: rootPath,
        identity: 'mallory@example.com',
        issuer: ISSUER,
      }),
    );
  });
});

describe('keyless cosign image signatures', () => {
  const manifestDigest = `sha256:${'ab'.repeat(32)}`;
  const payload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': 'registry.example.com/tools/time' },
        image: { 'docker-manifest-digest': manifestDigest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const evidence = async (over: Partial<BundleOptions> = {}): Promise<ArtifactEvidence> => {
    const s = await keylessCosignSignature(payload, opts(over));
    return {
      source: `oci://registry.example.com/tools/time@${manifestDigest}`,
      digest,
      manifestDigest,
      pinned: true,
      operator: false,
      evidence: [{ kind: 'cosign-signature', payload, ...s, origin: 'sha256-abab.sig' }],
    };
  };

  it('accepts a signature with certificate and Rekor bundle annotations', async () => {
    const d = await decideTrust(await evidence(), trust(), []);
    assert.equal(d.allowed, true, JSON.stringify(d));
  });

  it('refuses a tampered Rekor bundle and a wrong identity', async () => {
    assert.equal(
      (await decideTrust(await evidence({ tamperBody: true }), trust(), [])).allowed,
      false,
    );
    assert.equal(
      (await decideTrust(await evidence({ identity: 'x@example.com' }), trust(), [])).allowed,
      false,
    );
  });
});
