import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../app.js';
import { silentLogger } from '../logging.js';
import { example, tempDir } from '../testing.js';
import { BlobCache } from './blob-cache.js';
import { sha256Digest } from './digest.js';
import { fetchSettings } from './fetch-settings.js';
import { fetchFile } from './file-fetch.js';
import type { SourceError } from './source-error.js';
import { SourceHttp } from './source-http.js';
import { type FileSource, parseSource } from './source-ref.js';

const wasm = readFileSync(example('echo'));
const ctx = {
  http: new SourceHttp(fetchSettings()),
  cache: new BlobCache(tempDir()),
  operator: false,
};
const ref = (text: string) => parseSource(text).value as FileSource;

test('a file: its real path, digest, and the bundle beside it', async () => {
  const dir = tempDir();
  copyFileSync(example('echo'), join(dir, 'echo.wasm'));
  writeFileSync(join(dir, 'echo.wasm.sigstore.json'), '{"mediaType":"x"}');
  symlinkSync(join(dir, 'echo.wasm'), join(dir, 'link.wasm'));
  const got = await fetchFile(ref(join(dir, 'link.wasm')), ctx);
  assert.equal(got.evidence.localPath, join(dir, 'echo.wasm'));
  assert.equal(got.evidence.source, `file://${join(dir, 'echo.wasm')}`);
  assert.equal(got.evidence.digest, sha256Digest(wasm));
  assert.deepEqual(got.evidence.evidence, [
    {
      kind: 'sigstore-bundle',
      bundle: { mediaType: 'x' },
      origin: `file://${join(dir, 'echo.wasm.sigstore.json')}`,
    },
  ]);
});

test('a file:// pin is checked', async () => {
  await assert.rejects(
    fetchFile(ref(`file://${example('echo')}#sha256=${'1'.repeat(64)}`), ctx),
    (e: SourceError) => e.code === 'digest-mismatch',
  );
  const ok = await fetchFile(
    ref(`file://${example('echo')}#sha256=${sha256Digest(wasm).slice(7)}`),
    ctx,
  );
  assert.equal(ok.evidence.pinned, true);
});

test('a missing file and a directory are refused with their path', async () => {
  await assert.rejects(
    fetchFile(ref('/nonexistent/x.wasm'), ctx),
    /there is no file at `\/nonexistent\/x.wasm`/,
  );
  await assert.rejects(fetchFile(ref(tempDir()), ctx), /is not a file/);
});

test('/etc/passwd as a component: refused, its content never echoed', async () => {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const app = await createApp({ logger: silentLogger(), dataDir: tempDir() });
  try {
    await assert.rejects(app.manager.load('/etc/passwd', { operator: true }), (e: Error) => {
      assert.match(e.message, /`\/etc\/passwd` is not a WebAssembly file/);
      for (const line of passwd.split('\n').filter((l) => l.length > 3))
        assert.ok(!e.message.includes(line));
      assert.doesNotMatch(e.message, /root:/);
      return true;
    });
    assert.equal(app.manager.list().length, 0);
  } finally {
    await app.close();
  }
});
