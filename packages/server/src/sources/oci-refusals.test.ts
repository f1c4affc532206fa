// Registries that lie: every refusal here happens before a byte is parsed
// as wasm, and each is its own test. A real registry holds the artifacts; a
// programmable server in front of it changes what it answers.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { example, tempDir } from '../testing.js';
import { BlobCache } from './blob-cache.js';
import { digestHex, sha256Digest } from './digest.js';
import { fetchSettings } from './fetch-settings.js';
import { fetchOci } from './oci-fetch.js';
import { OCI_INDEX, OCI_MANIFEST, WASM_CONFIG, WASM_LAYER } from './oci-manifest.js';
import { pushArtifact } from './oci-push.js';
import { RegistryClient } from './registry-client.js';
import type { SourceError } from './source-error.js';
import { SourceHttp } from './source-http.js';
import { type OciSource, parseSource } from './source-ref.js';
import {
  type Intercept,
  startProxy,
  startRegistry,
  type TestRegistry,
} from './testing-registry.js';

const wasm = readFileSync(example('echo'));
const http = new SourceHttp(fetchSettings({ allowCidrs: ['127.0.0.0/8'] }));
const GiB = 1024 ** 3;
let registry: TestRegistry;
let proxy: Awaited<ReturnType<typeof startProxy>>;
const intercept: { current: Intercept | undefined } = { current: undefined };
let pushed: { digest: string };
let seen: string[] = [];

before(async () => {
  registry = await startRegistry();
  proxy = await startProxy(registry.host, intercept);
  pushed = await pushArtifact(
    new RegistryClient({ http, registry: registry.host, repository: 'tools/echo' }),
    '1',
    { wasm },
  );
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
});

function load(ref: string) {
  const r = parseSource(ref).value as OciSource;
  return fetchOci(r, { http, cache: new BlobCache(tempDir('mcpkit-cache-')), operator: false });
}

function serve(
  routes: Record<
    string,
    { type?: string; body: Buffer | string; status?: number; headers?: Record<string, string> }
  >,
): void {
  seen = [];
  intercept.current = (req: IncomingMessage) => {
    seen.push(`${req.method} ${req.url}`);
    const r = routes[req.url ?? ''];
    if (!r) return undefined;
    return {
      status: r.status ?? 200,
      headers: { ...(r.type ? { 'content-type': r.type } : {}), ...(r.headers ?? {}) },
      body: r.body,
    };
  };
}

function code(expected: string, pattern?: RegExp) {
  return (e: SourceError) => {
    assert.equal(e.code, expected, e.message);
    if (pattern) assert.match(`${e.message} ${e.help ?? ''}`, pattern);
    return true;
  };
}

const manifestOf = (layers: unknown[]) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: WASM_CONFIG, digest: sha256Digest(Buffer.from('{}')), size: 2 },
    layers,
  });

test('a layer changed in the registry after it was pushed is refused by its digest', async () => {
  const hex = digestHex(sha256Digest(wasm));
  const client = new RegistryClient({ http, registry: registry.host, repository: 'tools/changed' });
  await pushArtifact(client, '1', { wasm });
  const file = join(
    registry.dir,
    'data',
    'docker',
    'registry',
    'v2',
    'blobs',
    'sha256',
    hex.slice(0, 2),
    hex,
    'data',
  );
  const original = readFileSync(file);
  const changed = Buffer.from(original);
  changed[changed.length - 10] = (changed[changed.length - 10]! + 1) & 0xff;
  writeFileSync(file, changed);
  try {
    await assert.rejects(
      load(`oci://${registry.host}/tools/changed:1`),
      code('digest-mismatch', /not what the manifest names/),
    );
  } finally {
    writeFileSync(file, original);
  }
});

test('a manifest whose digest is not the pin is refused', async () => {
  const other = Buffer.from(
    manifestOf([{ mediaType: WASM_LAYER, digest: sha256Digest(wasm), size: wasm.length }]),
  );
  serve({ [`/v2/tools/echo/manifests/${pushed.digest}`]: { type: OCI_MANIFEST, body: other } });
  await assert.rejects(
    load(`oci://${proxy.host}/tools/echo@${pushed.digest}`),
    code('digest-mismatch', /has digest sha256:/),
  );
  assert.ok(!seen.some((s) => s.includes('/blobs/')), 'no blob was fetched');
});

test('a 1 GiB layer is refused by its declared size without being downloaded', async () => {
  const m = manifestOf([
    { mediaType: WASM_LAYER, digest: sha256Digest(Buffer.from('x')), size: GiB },
  ]);
  serve({ '/v2/tools/echo/manifests/huge': { type: OCI_MANIFEST, body: m } });
  await assert.rejects(
    load(`oci://${proxy.host}/tools/echo:huge`),
    code('too-large', /1073741824 bytes.*not downloaded/),
  );
  assert.ok(!seen.some((s) => s.includes('/blobs/')), 'no blob was requested');
});

test('a blob response declaring 1 GiB is refused before its body is read', async () => {
  const m = manifestOf([{ mediaType: WASM_LAYER, digest: sha256Digest(wasm), size: wasm.length }]);
  serve({
    '/v2/tools/echo/manifests/liar': { type: OCI_MANIFEST, body: m },
    [`/v2/tools/echo/blobs/${sha256Digest(wasm)}`]: {
      body: '',
      headers: { 'content-length': String(GiB) },
    },
  });
  await assert.rejects(load(`oci://${proxy.host}/tools/echo:liar`), code('too-large'));
});

test('a manifest with thousands of layers is refused', async () => {
  const layers = Array.from({ length: 5000 }, (_, i) => ({
    mediaType: WASM_LAYER,
    digest: sha256Digest(Buffer.from(String(i))),
    size: 1,
  }));
  serve({ '/v2/tools/echo/manifests/bomb': { type: OCI_MANIFEST, body: manifestOf(layers) } });
  await assert.rejects(
    load(`oci://${proxy.host}/tools/echo:bomb`),
    code('limit-exceeded', /5000 layers; the limit is 16/),
  );
});

test('indexes nested deeper than the limit are refused', async () => {
  const routes: Record<string, { type: string; body: string }> = {};
  let next = pushed.digest;
  let top = '';
  for (let i = 0; i < 6; i++) {
    top = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_INDEX, digest: next, size: 1 }],
    });
    next = sha256Digest(Buffer.from(top));
    routes[`/v2/tools/echo/manifests/${next}`] = { type: OCI_INDEX, body: top };
  }
  routes['/v2/tools/echo/manifests/nested'] = { type: OCI_INDEX, body: top };
  serve(routes);
  await assert.rejects(
    load(`oci://${proxy.host}/tools/echo:nested`),
    code('limit-exceeded', /nests indexes more than 2 deep/),
  );
});

test('an index of thousands of manifests is refused', async () => {
  const manifests = Array.from({ length: 3000 }, () => ({
    mediaType: OCI_MANIFEST,
    digest: pushed.digest,
    size: 1,
  }));
  serve({
    '/v2/tools/echo/manifests/wide': {
      type: OCI_INDEX,
      body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }),
    },
  });
  await assert.rejects(
    load(`oci://${proxy.host}/tools/echo:wide`),
    code('limit-exceeded', /3000 manifests/),
  );
});

test('a blob redirect to the metadata address is refused', async () => {
  serve({
    [`/v2/tools/echo/blobs/${sha256Digest(wasm)}`]: {
      status: 307,
      body: '',
      headers: { location: 'http://169.254.169.254/latest/meta-data/' },
    },
  });
  await assert.rejects(
    load(`oci://${proxy.host}/tools/echo:1`),
    code('denied', /169\.254\.169\.254/),
  );
});

test('an index picks the wasm platform manifest', async () => {
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: OCI_MANIFEST,
        digest: sha256Digest(Buffer.from('amd64')),
        size: 5,
        platform: { os: 'linux', architecture: 'amd64' },
      },
      {
        mediaType: OCI_MANIFEST,
        digest: pushed.digest,
        size: 1,
        platform: { os: 'wasip1', architecture: 'wasm' },
      },
    ],
  });
  serve({ '/v2/tools/echo/manifests/multi': { type: OCI_INDEX, body: index } });
  const got = await load(`oci://${proxy.host}/tools/echo:multi`);
  assert.deepEqual(Buffer.from(got.bytes), wasm);
  assert.equal(got.evidence.manifestDigest, sha256Digest(Buffer.from(index)));
});
