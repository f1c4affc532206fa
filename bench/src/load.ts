// `npm run bench -- load`: loading a component from a registry on 127.0.0.1
// (Debian's docker-registry, started here): cold (nothing cached: manifest,
// signature lookup, the wasm blob downloaded through the egress checks and
// its digest verified) and cached (manifest and signature lookup, the blob
// from the content-addressed cache, its digest checked again), next to a
// plain `fetch` of the same manifest and blob without any checks.

import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobCache as BlobCacheClass } from '../../packages/server/src/sources/blob-cache.js';
import type { fetchSettings as fetchSettingsFn } from '../../packages/server/src/sources/fetch-settings.js';
import type { fetchOci as fetchOciFn } from '../../packages/server/src/sources/oci-fetch.js';
import type { pushArtifact as pushFn } from '../../packages/server/src/sources/oci-push.js';
import type { RegistryClient as RegistryClientClass } from '../../packages/server/src/sources/registry-client.js';
import type { SourceHttp as SourceHttpClass } from '../../packages/server/src/sources/source-http.js';
import type {
  OciSource,
  parseSource as parseFn,
} from '../../packages/server/src/sources/source-ref.js';
import type {
  cosignSign as cosignSignFn,
  cosignKeyPair as keyPairFn,
  startRegistry as startFn,
} from '../../packages/server/src/sources/testing-registry.js';
import type { compileTrust as compileTrustFn } from '../../packages/server/src/trust/extension.js';
import type { decideTrust as decideTrustFn } from '../../packages/server/src/trust/verify.js';
import { measureAsync, printTable, type Report, type Row, wantsJson } from './harness.js';
import { verifyKeylessCase } from './verify.js';

const src = (path: string) =>
  new URL(`../../packages/server/dist/sources/${path}`, import.meta.url).href;
const { BlobCache } = (await import(src('blob-cache.js'))) as { BlobCache: typeof BlobCacheClass };
const { fetchSettings } = (await import(src('fetch-settings.js'))) as {
  fetchSettings: typeof fetchSettingsFn;
};
const { fetchOci } = (await import(src('oci-fetch.js'))) as { fetchOci: typeof fetchOciFn };
const { pushArtifact } = (await import(src('oci-push.js'))) as { pushArtifact: typeof pushFn };
const { RegistryClient } = (await import(src('registry-client.js'))) as {
  RegistryClient: typeof RegistryClientClass;
};
const { SourceHttp } = (await import(src('source-http.js'))) as {
  SourceHttp: typeof SourceHttpClass;
};
const { parseSource } = (await import(src('source-ref.js'))) as { parseSource: typeof parseFn };
const { startRegistry } = (await import(src('testing-registry.js'))) as {
  startRegistry: typeof startFn;
};

const trustMod = (path: string) =>
  new URL(`../../packages/server/dist/trust/${path}`, import.meta.url).href;
const { compileTrust } = (await import(trustMod('extension.js'))) as {
  compileTrust: typeof compileTrustFn;
};
const { decideTrust } = (await import(trustMod('verify.js'))) as {
  decideTrust: typeof decideTrustFn;
};
const { cosignSign, cosignKeyPair } = (await import(src('testing-registry.js'))) as {
  cosignSign: typeof cosignSignFn;
  cosignKeyPair: typeof keyPairFn;
};

const WASM = new URL('../../examples/components/time-js/time-js.wasm', import.meta.url);

export async function runLoadBench(argv: readonly string[]): Promise<Report> {
  const quick = argv.includes('--quick');
  const iterations = quick ? 5 : 20;
  const wasm = readFileSync(WASM);
  const registry = await startRegistry();
  const dir = mkdtempSync(join(tmpdir(), 'mcpkit-bench-load-'));
  const rows: Row[] = [];
  try {
    const http = new SourceHttp(fetchSettings({ allowCidrs: ['127.0.0.0/8'] }));
    const client = new RegistryClient({ http, registry: registry.host, repository: 'tools/time' });
    const pushed = await pushArtifact(client, '1', { wasm });
    const ref = parseSource(`oci://${registry.host}/tools/time:1`).value as OciSource;
    let n = 0;
    const cold = await measureAsync(
      () => fetchOci(ref, { http, cache: new BlobCache(join(dir, `cold-${n++}`)), operator: true }),
      { iterations, warmup: 2 },
    );
    const warm = new BlobCache(join(dir, 'warm'));
    const cached = await measureAsync(() => fetchOci(ref, { http, cache: warm, operator: true }), {
      iterations,
      warmup: 2,
    });
    const base = `http://${registry.host}/v2/tools/time`;
    const manifest = JSON.parse(
      await (
        await fetch(`${base}/manifests/${pushed.digest}`, {
          headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
        })
      ).text(),
    ) as { layers: Array<{ digest: string }> };
    const peer = await measureAsync(
      async () => {
        await (
          await fetch(`${base}/manifests/1`, {
            headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
          })
        ).arrayBuffer();
        await (await fetch(`${base}/blobs/${manifest.layers[0]!.digest}`)).arrayBuffer();
      },
      { iterations, warmup: 2 },
    );
    // verify-keyed: the trust decision on a cosign signature of the artifact
    // (made by the cosign CLI, found under the .sig tag), next to one
    // node:crypto verify of the same payload and signature.
    const keys = cosignKeyPair(dir);
    cosignSign(keys.key, `${registry.host}/tools/time@${pushed.digest}`, dir);
    const signedArtifact = await fetchOci(ref, { http, cache: warm, operator: false });
    const pem = readFileSync(keys.pub, 'utf8');
    const trust = compileTrust({
      sources: [
        {
          name: 'bench',
          pointer: '/trust/sources/0',
          match: [`oci://${registry.host}/tools/**`],
          signers: [{ kind: 'key', id: 'bench', pem, from: keys.pub }],
          digestPin: false,
          deny: false,
        },
      ],
      allowDirs: [],
      fetch: { network: [] },
    });
    const first = await decideTrust(signedArtifact.evidence, trust, []);
    if (!first.allowed) throw new Error(`the bench signature does not verify: ${first.reason}`);
    const sig = signedArtifact.evidence.evidence[0] as { payload: Uint8Array; signature: string };
    const keyed = await measureAsync(() => decideTrust(signedArtifact.evidence, trust, []), {
      iterations: iterations * 10,
      warmup: 20,
    });
    const publicKey = createPublicKey(pem);
    const raw = await measureAsync(
      async () => verify('sha256', sig.payload, publicKey, Buffer.from(sig.signature, 'base64')),
      {
        iterations: iterations * 10,
        warmup: 20,
      },
    );
    const verifyRows: Row[] = [];
    verifyRows.push({
      case: 'verify-keyed',
      impl: 'node:crypto',
      median_ns: raw.median,
      p99_ns: raw.p99,
    });
    verifyRows.push({
      case: 'verify-keyed',
      impl: 'mcpkit',
      median_ns: keyed.median,
      p99_ns: keyed.p99,
      ratio_to_crypto: keyed.median / raw.median,
    });
    const bytes = wasm.byteLength;
    for (const [c, m] of [
      ['load-oci-cold', cold],
      ['load-oci-cached', cached],
    ] as const) {
      rows.push({ case: c, impl: 'fetch', median_ns: peer.median, p99_ns: peer.p99, bytes });
      rows.push({
        case: c,
        impl: 'mcpkit',
        median_ns: m.median,
        p99_ns: m.p99,
        bytes,
        ratio_to_fetch: m.median / peer.median,
      });
    }
    rows.push(...verifyRows);
  } finally {
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // verify-keyless: a Sigstore bundle from a test Fulcio-style CA and log, the
  // same case `bench verify` runs, so one run gives every load figure.
  const keyless = (await verifyKeylessCase(argv)).rows;
  const library = keyless.find((r) => r.impl === '@sigstore/verify')?.median_ns;
  for (const r of keyless)
    rows.push(
      r.impl === 'mcpkit decideTrust' && library
        ? { ...r, impl: 'mcpkit', ratio_to_library: r.median_ns / library }
        : r,
    );
  const report: Report = { rows, wasm_bytes: readFileSync(WASM).byteLength };
  if (!wantsJson(argv)) {
    printTable(
      `load: one ${(readFileSync(WASM).byteLength / 1e6).toFixed(1)} MB component from a registry on 127.0.0.1`,
      report,
      'fetch',
      ['p99_ns'],
    );
    process.stdout.write(
      '\nmcpkit: tag -> manifest (digest computed), cosign .sig tag and referrers looked up, the wasm blob\n' +
        'through the egress service (policy per hop, pinned address, size cap) with its digest verified and\n' +
        'written to the cache (cold), or read from the cache and verified again (cached). fetch: the manifest\n' +
        'by tag and the blob, no checks, nothing written. verify-keyed: the trust decision on the cosign\n' +
        'signature (rule match, payload digest check, @sigstore/verify) vs one node:crypto verify (× fetch\n' +
        'does not apply to that row; see ratio_to_crypto in --json). verify-keyless: the trust decision on a\n' +
        'keyless bundle (chain to the trusted root, log entry, identity glob) vs @sigstore/verify alone and\n' +
        'cosign verify-blob (ratio_to_library in --json).\n',
    );
  }
  return report;
}
