// Loading components from a real registry into the component manager: the
// store records the source and resolved digest, a moved tag does not swap
// the code, a restart serves from the store without the registry.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createApp } from '../app.js';
import { silentLogger } from '../logging.js';
import { example, tempDir } from '../testing.js';
import { sha256Digest } from './digest.js';
import { fetchSettings } from './fetch-settings.js';
import { pushArtifact } from './oci-push.js';
import { RegistryClient } from './registry-client.js';
import { SourceHttp } from './source-http.js';
import { startRegistry, type TestRegistry } from './testing-registry.js';

const echo = readFileSync(example('echo'));
const echoTools = readFileSync(join(example('echo'), '..', 'echo.tools.json'), 'utf8');
const hash = readFileSync(example('hash'));
const hashTools = readFileSync(join(example('hash'), '..', 'hash.tools.json'), 'utf8');
const fetch = { allowCidrs: ['127.0.0.0/8'] };
const http = new SourceHttp(fetchSettings(fetch));
let registry: TestRegistry;

before(async () => {
  registry = await startRegistry();
});
after(async () => {
  await registry?.stop();
});

const app = (dataDir: string) => createApp({ logger: silentLogger(), dataDir, sources: { fetch } });

test('load from oci://, tag moved (the stored digest wins), restart without the registry', async () => {
  const client = new RegistryClient({ http, registry: registry.host, repository: 'tools/echo' });
  const first = await pushArtifact(client, '1', { wasm: echo, manifestText: echoTools });
  const data = tempDir('mcpkit-data-');
  const source = `oci://${registry.host}/tools/echo:1`;
  let a = await app(data);
  try {
    const c = await a.manager.load(source, { operator: true });
    assert.equal(c.meta.id, 'echo');
    assert.equal(c.meta.source, source);
    assert.equal(c.meta.manifestDigest, first.digest);
    assert.equal(c.meta.resolved, `oci://${registry.host}/tools/echo@${first.digest}`);
    assert.equal(`sha256:${c.meta.digest}`, sha256Digest(echo));
    assert.equal(c.meta.trust?.rule, 'operator');
    assert.deepEqual(
      c.guest.tools.map((t) => t.name),
      ['echo'],
    );
    // The tag now names other code; loading the same source again keeps the digest it resolved to.
    const moved = await pushArtifact(client, '1', { wasm: hash, manifestText: hashTools });
    assert.notEqual(moved.digest, first.digest);
    const again = await a.manager.load(source, { operator: true });
    assert.equal(again.meta.manifestDigest, first.digest);
    assert.equal(`sha256:${again.meta.digest}`, sha256Digest(echo));
  } finally {
    await a.close();
  }
  await registry.stop();
  a = await app(data);
  try {
    assert.deepEqual(a.problems, []);
    const c = a.manager.get('echo');
    assert.ok(c, 'restored from the store without the registry');
    assert.equal(c.meta.manifestDigest, first.digest);
    assert.deepEqual(
      c.guest.tools.map((t) => t.name),
      ['echo'],
    );
  } finally {
    await a.close();
  }
  registry = await startRegistry();
});

test("a client's remote load is refused without a trust policy; the operator's is not", async () => {
  const client = new RegistryClient({ http, registry: registry.host, repository: 'tools/echo' });
  await pushArtifact(client, '2', { wasm: echo, manifestText: echoTools });
  const a = await app(tempDir('mcpkit-data-'));
  try {
    await assert.rejects(
      a.manager.load(`oci://${registry.host}/tools/echo:2`),
      /may not be loaded by a client/,
    );
    assert.equal(a.manager.list().length, 0);
    await a.manager.load(`oci://${registry.host}/tools/echo:2`, { operator: true });
    assert.equal(a.manager.list().length, 1);
  } finally {
    await a.close();
  }
});
