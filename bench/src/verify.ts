// `npm run bench -- verify`: time to verify one artifact's signature, keyed
// (a cosign key pair and `cosign sign-blob --new-bundle-format`) and keyless
// (a test Fulcio-style CA, log key and trusted_root.json). Impls in one run:
// decideTrust (the whole trust decision: rule match, bundle parse, digest
// check, @sigstore/verify, identity globs), @sigstore/verify alone on the
// same bundle, and the cosign CLI's verify-blob as a subprocess (offline,
// against the trusted root file).

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import type * as Trust from '../../packages/server/src/trust/index.js';
import type * as Cosign from '../../packages/server/src/trust/testing-cosign.js';
import type * as Keyless from '../../packages/server/src/trust/testing-keyless.js';
import { measureAsync, median, printTable, type Report, type Row, wantsJson } from './harness.js';

const server = (path: string) =>
  new URL(`../../packages/server/dist/trust/${path}`, import.meta.url).href;
const trust = (await import(server('index.js'))) as typeof Trust;
const cosign = (await import(server('testing-cosign.js'))) as typeof Cosign;
const keyless = (await import(server('testing-keyless.js'))) as typeof Keyless;

const ARTIFACT_BYTES = 256 * 1024;
const SOURCE = 'https://tools.example.com/tool.wasm';

interface Case {
  rows: Row[];
}

function timeCli(fn: () => void, n: number): number {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  return median(samples);
}

function artifact(dir: string) {
  const bytes = Buffer.concat([
    Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    randomBytes(ARTIFACT_BYTES),
  ]);
  const file = join(dir, 'tool.wasm');
  writeFileSync(file, bytes);
  return { bytes, file, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

async function testRoot(dir: string) {
  const ca = await keyless.makeCa();
  const log = keyless.makeLog();
  const rootPath = join(dir, 'trusted_root.json');
  writeFileSync(rootPath, keyless.trustedRootJson([ca], [log]));
  return { ca, log, rootPath };
}

/** Keyed: a cosign key pair and a Sigstore bundle made by cosign. */
export async function verifyKeyedCase(argv: readonly string[] = []): Promise<Case> {
  const quick = argv.includes('--quick');
  const dir = mkdtempSync(join(tmpdir(), 'mcpkit-bench-verify-keyed-'));
  try {
    const a = artifact(dir);
    const { rootPath } = await testRoot(dir);
    const keys = cosign.cosignKeyPair(dir, 'release');
    const bundlePath = cosign.cosignSignBlob(
      dir,
      keys.key,
      a.file,
      join(dir, 'tool.wasm.sigstore.json'),
      true,
    );
    const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
    const pem = readFileSync(keys.pub, 'utf8');
    const compiled = trust.compileTrust({
      sources: [
        {
          name: 'release',
          pointer: '/trust/sources/0',
          match: ['https://tools.example.com/**'],
          signers: [{ kind: 'key', id: 'release', pem, from: keys.pub }],
          digestPin: false,
          deny: false,
        },
      ],
      allowDirs: [],
      fetch: { network: [] },
    });
    const evidence: Trust.ArtifactEvidence = {
      source: SOURCE,
      digest: a.digest,
      bytes: a.bytes,
      pinned: false,
      operator: false,
      evidence: [{ kind: 'sigstore-bundle', bundle, origin: bundlePath }],
    };
    const first = await trust.decideTrust(evidence, compiled, []);
    if (!first.allowed) throw new Error(`the keyed bench artifact is refused: ${first.reason}`);
    const signer = compiled.sources[0]!.signers[0]! as Trust.Signer & {
      key: import('node:crypto').KeyObject;
    };
    const material = {
      certificateAuthorities: [],
      timestampAuthorities: [],
      tlogs: [],
      ctlogs: [],
      publicKey: () => ({ publicKey: signer.key, validFor: () => true }),
    };
    const raw = () => {
      const b = bundleFromJSON(bundle);
      new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(
        toSignedEntity(b, a.bytes),
      );
    };
    const n = quick ? 50 : 300;
    const opts = { iterations: n, warmup: Math.ceil(n / 10) };
    const mk = await measureAsync(() => trust.decideTrust(evidence, compiled, []), opts);
    const sg = await measureAsync(async () => raw(), opts);
    const cli = timeCli(
      () =>
        cosign.cosignVerifyKeyed(dir, {
          key: keys.pub,
          bundle: bundlePath,
          file: a.file,
          trustedRoot: rootPath,
        }),
      quick ? 3 : 10,
    );
    return {
      rows: [
        { case: 'verify-keyed', impl: 'mcpkit decideTrust', median_ns: mk.median, p99_ns: mk.p99 },
        { case: 'verify-keyed', impl: '@sigstore/verify', median_ns: sg.median, p99_ns: sg.p99 },
        { case: 'verify-keyed', impl: 'cosign verify-blob', median_ns: cli, p99_ns: Number.NaN },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Keyless: a certificate from the test CA, an entry timestamp from the test log. */
export async function verifyKeylessCase(argv: readonly string[] = []): Promise<Case> {
  const quick = argv.includes('--quick');
  const dir = mkdtempSync(join(tmpdir(), 'mcpkit-bench-verify-keyless-'));
  try {
    const a = artifact(dir);
    const { ca, log, rootPath } = await testRoot(dir);
    const t = Math.floor(Date.now() / 1000);
    const identity = 'https://github.com/acme/tools/.github/workflows/release.yml@refs/heads/main';
    const issuer = 'https://token.actions.githubusercontent.com';
    const bundle = await keyless.keylessBundle(a.bytes, {
      ca,
      log,
      identity,
      issuer,
      notBefore: new Date((t - 60) * 1000),
      notAfter: new Date((t + 540) * 1000),
      integratedTime: t,
    });
    const bundlePath = join(dir, 'tool.wasm.sigstore.json');
    writeFileSync(bundlePath, JSON.stringify(bundle));
    const compiled = trust.compileTrust({
      sources: [
        {
          name: 'ci',
          pointer: '/trust/sources/0',
          match: ['https://tools.example.com/**'],
          signers: [
            {
              kind: 'keyless',
              id: 'ci',
              identity: 'https://github.com/acme/*/.github/workflows/release.yml@refs/heads/main',
              issuer,
              trustedRoot: rootPath,
            },
          ],
          digestPin: false,
          deny: false,
        },
      ],
      allowDirs: [],
      fetch: { network: [] },
    });
    const evidence: Trust.ArtifactEvidence = {
      source: SOURCE,
      digest: a.digest,
      bytes: a.bytes,
      pinned: false,
      operator: false,
      evidence: [{ kind: 'sigstore-bundle', bundle, origin: bundlePath }],
    };
    const first = await trust.decideTrust(evidence, compiled, []);
    if (!first.allowed) throw new Error(`the keyless bench artifact is refused: ${first.reason}`);
    const material = toTrustMaterial(
      TrustedRoot.fromJSON(JSON.parse(readFileSync(rootPath, 'utf8'))),
    );
    const raw = () =>
      new Verifier(material, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 }).verify(
        toSignedEntity(bundleFromJSON(bundle), a.bytes),
        { subjectAlternativeName: identity, extensions: { issuer } },
      );
    const n = quick ? 50 : 300;
    const opts = { iterations: n, warmup: Math.ceil(n / 10) };
    const mk = await measureAsync(() => trust.decideTrust(evidence, compiled, []), opts);
    const sg = await measureAsync(async () => raw(), opts);
    const cli = timeCli(
      () =>
        cosign.cosignVerifyKeyless(dir, {
          bundle: bundlePath,
          file: a.file,
          trustedRoot: rootPath,
          identity,
          issuer,
        }),
      quick ? 3 : 10,
    );
    return {
      rows: [
        {
          case: 'verify-keyless',
          impl: 'mcpkit decideTrust',
          median_ns: mk.median,
          p99_ns: mk.p99,
        },
        { case: 'verify-keyless', impl: '@sigstore/verify', median_ns: sg.median, p99_ns: sg.p99 },
        { case: 'verify-keyless', impl: 'cosign verify-blob', median_ns: cli, p99_ns: Number.NaN },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runVerifyBench(argv: readonly string[]): Promise<Report> {
  const rows = [...(await verifyKeyedCase(argv)).rows, ...(await verifyKeylessCase(argv)).rows];
  const report: Report = { rows, artifact_bytes: ARTIFACT_BYTES };
  if (!wantsJson(argv)) {
    printTable(
      `verify: time per artifact (${ARTIFACT_BYTES / 1024} KiB)`,
      report,
      '@sigstore/verify',
      ['p99_ns'],
    );
    process.stdout.write(
      '\ndecideTrust includes matching the trust rule, parsing the bundle, hashing the bytes to check the digest, the\n' +
        'identity glob; @sigstore/verify is the library alone on the same bundle; cosign verify-blob is a\n' +
        'process per artifact (offline, --trusted-root), so its figure includes its start-up.\n',
    );
  }
  return report;
}
