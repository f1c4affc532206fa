// HTTPS sources against a real TLS server whose CA the test makes.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { example, tempDir } from '../testing.js';
import { BlobCache } from './blob-cache.js';
import { sha256Digest } from './digest.js';
import { type FetchSettings, fetchSettings } from './fetch-settings.js';
import { fetchHttps } from './https-fetch.js';
import type { SourceError } from './source-error.js';
import { SourceHttp } from './source-http.js';
import { type HttpsSource, parseSource } from './source-ref.js';
import { testCa } from './testing-registry.js';

const wasm = readFileSync(example('echo'));
const bundle = { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', note: 'shape only' };
let server: Server;
let base = '';
let tls: ReturnType<typeof testCa>;

before(async () => {
  tls = testCa(tempDir('mcpkit-ca-'));
  server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    if (req.url === '/echo.wasm') return res.end(wasm);
    if (req.url === '/echo.wasm.sigstore.json') return res.end(JSON.stringify(bundle));
    if (req.url === '/plain.wasm') return res.end(wasm);
    if (req.url === '/meta.wasm') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return res.end();
    }
    if (req.url === '/hang.wasm') return; // never answers
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function get(url: string, settings: Partial<FetchSettings> = {}) {
  const ref = parseSource(url).value as HttpsSource;
  const http = new SourceHttp(
    fetchSettings({ allowCidrs: ['127.0.0.1/32'], ca: tls.ca, ...settings }),
  );
  return fetchHttps(ref, { http, cache: new BlobCache(tempDir('mcpkit-cache-')), operator: false });
}

const code = (expected: string, pattern?: RegExp) => (e: SourceError) => {
  assert.equal(e.code, expected, e.message);
  if (pattern) assert.match(`${e.message} ${e.help ?? ''}`, pattern);
  return true;
};

test('fetched over TLS with the CA from the settings, the bundle beside it found', async () => {
  const got = await get(`${base}/echo.wasm#sha256=${sha256Digest(wasm).slice(7)}`);
  assert.deepEqual(Buffer.from(got.bytes), wasm);
  assert.equal(got.evidence.pinned, true);
  assert.equal(got.evidence.digest, sha256Digest(wasm));
  assert.deepEqual(got.evidence.evidence, [
    { kind: 'sigstore-bundle', bundle, origin: `${base}/echo.wasm.sigstore.json` },
  ]);
  const plain = await get(`${base}/plain.wasm`);
  assert.deepEqual(plain.evidence.evidence, []);
});

test('a certificate from an unknown CA is refused', async () => {
  const { ca: _ca, ...rest } = fetchSettings({ allowCidrs: ['127.0.0.1/32'] });
  const ref = parseSource(`${base}/echo.wasm`).value as HttpsSource;
  const http = new SourceHttp(rest as FetchSettings);
  await assert.rejects(
    fetchHttps(ref, { http, cache: new BlobCache(tempDir('mcpkit-cache-')), operator: false }),
    code('fetch-failed', /certificate|connect/i),
  );
});

test('a pin that does not match is refused', async () => {
  await assert.rejects(
    get(`${base}/echo.wasm#sha256=${'0'.repeat(64)}`),
    code('digest-mismatch', /not the pinned sha256:0000/),
  );
});

test('a body over the size cap is refused', async () => {
  await assert.rejects(
    get(`${base}/echo.wasm`, { maxBytes: 1000 }),
    code('too-large', /1000 byte limit/),
  );
});

test('a loopback host without a fetch network rule is refused', async () => {
  await assert.rejects(
    get(`${base}/echo.wasm`, { allowCidrs: [] }),
    code('denied', /trust\.fetch\.network/),
  );
});

test('a redirect to the metadata address is refused', async () => {
  await assert.rejects(get(`${base}/meta.wasm`), code('denied', /169\.254\.169\.254/));
});

test('a server that never answers runs into the time cap', async () => {
  await assert.rejects(
    get(`${base}/hang.wasm`, { timeoutMs: 300 }),
    code('timeout', /trust\.fetch\.timeout/),
  );
});

test('a missing file is not-found', async () => {
  await assert.rejects(get(`${base}/none.wasm`), code('not-found'));
});
