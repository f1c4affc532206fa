import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { example, tempDir } from '../testing.js';
import { BlobCache } from './blob-cache.js';
import { sha256Digest } from './digest.js';
import { fetchSettings } from './fetch-settings.js';
import { fetchOci } from './oci-fetch.js';
import { pushArtifact } from './oci-push.js';
import { RegistryClient } from './registry-client.js';
import { dockerCredential, RegistryCredential } from './registry-credentials.js';
import type { SourceContext } from './source-context.js';
import type { SourceError } from './source-error.js';
import { SourceHttp } from './source-http.js';
import { type OciSource, parseSource } from './source-ref.js';
import {
  cosignKeyPair,
  cosignSign,
  startRegistry,
  startTokenServer,
  type TestRegistry,
} from './testing-registry.js';

const wasm = readFileSync(example('echo'));
const tools = readFileSync(join(example('echo'), '..', 'echo.tools.json'), 'utf8');
const policy = 'version: "1.0"\ndescription: echo\n';
let open: TestRegistry;
let locked: TestRegistry;

const http = new SourceHttp(fetchSettings({ allowCidrs: ['127.0.0.0/8'] }));

function ctx(extra: Partial<SourceContext> = {}): SourceContext {
  return { http, cache: new BlobCache(tempDir('mcpkit-cache-')), operator: false, ...extra };
}

function oci(text: string): OciSource {
  const r = parseSource(text);
  assert.equal(r.value?.kind, 'oci', JSON.stringify(r.diagnostics));
  return r.value as OciSource;
}

before(async () => {
  open = await startRegistry();
  locked = await startRegistry({ user: 'alice', password: 's3cret-pass' });
});
after(async () => {
  await open?.stop();
  await locked?.stop();
});

test('a pushed artifact comes back: wasm, policy and tool manifest, digests verified', async () => {
  const client = new RegistryClient({ http, registry: open.host, repository: 'tools/echo' });
  const pushed = await pushArtifact(client, '1', { wasm, policyText: policy, manifestText: tools });
  const got = await fetchOci(oci(`oci://${open.host}/tools/echo:1`), ctx());
  assert.deepEqual(Buffer.from(got.bytes), wasm);
  assert.equal(got.policyText, policy);
  assert.equal(got.manifestText, tools);
  assert.equal(got.evidence.digest, sha256Digest(wasm));
  assert.equal(got.evidence.manifestDigest, pushed.digest);
  assert.equal(got.evidence.source, `oci://${open.host}/tools/echo@${pushed.digest}`);
  assert.equal(got.evidence.pinned, false);
  assert.deepEqual(got.evidence.evidence, []);
  const pinned = await fetchOci(oci(`oci://${open.host}/tools/echo@${pushed.digest}`), ctx());
  assert.equal(pinned.evidence.pinned, true);
});

test('the blob cache serves a second fetch and is keyed by digest', async () => {
  const client = new RegistryClient({ http, registry: open.host, repository: 'tools/cached' });
  await pushArtifact(client, '1', { wasm });
  const c = ctx();
  await fetchOci(oci(`oci://${open.host}/tools/cached:1`), c);
  const cached = await c.cache.get(sha256Digest(wasm));
  assert.deepEqual(Buffer.from(cached ?? []), wasm);
});

test('an unknown tag is not-found, naming the repository', async () => {
  await assert.rejects(
    fetchOci(oci(`oci://${open.host}/tools/nothing:1`), ctx()),
    (e: SourceError) => {
      assert.equal(e.code, 'not-found');
      assert.match(e.message, /tools\/nothing/);
      return true;
    },
  );
});

test('a loopback registry is refused without a fetch network rule for it', async () => {
  const strict = new SourceHttp(fetchSettings({}));
  await assert.rejects(
    fetchOci(oci(`oci://${open.host}/tools/echo:1`), ctx({ http: strict })),
    (e: SourceError) => {
      assert.equal(e.code, 'denied');
      assert.match(e.help ?? '', /trust\.fetch\.network/);
      return true;
    },
  );
});

test('htpasswd registry: anonymous is refused, credentials from DOCKER_CONFIG work and never appear in errors', async () => {
  const home = tempDir('mcpkit-docker-');
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({
      auths: { [locked.host]: { auth: Buffer.from('alice:s3cret-pass').toString('base64') } },
    }),
  );
  const credential = await dockerCredential(locked.host, { DOCKER_CONFIG: home });
  assert.ok(credential);
  assert.equal(
    JSON.stringify({ credential }),
    `{"credential":"[credential for ${join(home, 'config.json')}]"}`,
  );
  const client = new RegistryClient({
    http,
    registry: locked.host,
    repository: 'tools/echo',
    credential,
  });
  await pushArtifact(client, '1', { wasm });
  await assert.rejects(
    fetchOci(oci(`oci://${locked.host}/tools/echo:1`), ctx()),
    (e: SourceError) => {
      assert.equal(e.code, 'auth-failed');
      assert.match(e.help ?? '', /docker login/);
      return true;
    },
  );
  const got = await fetchOci(
    oci(`oci://${locked.host}/tools/echo:1`),
    ctx({ credential: async () => credential }),
  );
  assert.deepEqual(Buffer.from(got.bytes), wasm);
  const wrong = await dockerCredential(locked.host, { DOCKER_CONFIG: home });
  const bad = new (
    wrong!.constructor as typeof import('./registry-credentials.js').RegistryCredential
  )('alice', 'wrong-pass-123', 'the test');
  await assert.rejects(
    fetchOci(oci(`oci://${locked.host}/tools/echo:1`), ctx({ credential: async () => bad })),
    (e: Error) => {
      assert.doesNotMatch(
        `${e.message} ${(e as SourceError).help}`,
        /wrong-pass-123|s3cret-pass|YWxpY2U/,
      );
      return true;
    },
  );
});

test('a cosign signature is found under the sha256-<hex>.sig tag, payload and annotation intact', async () => {
  const client = new RegistryClient({ http, registry: open.host, repository: 'tools/signed' });
  const pushed = await pushArtifact(client, '1', { wasm, manifestText: tools });
  const dir = tempDir('mcpkit-cosign-');
  const keys = cosignKeyPair(dir);
  cosignSign(keys.key, `${open.host}/tools/signed@${pushed.digest}`, dir);
  const got = await fetchOci(oci(`oci://${open.host}/tools/signed:1`), ctx());
  assert.equal(got.evidence.evidence.length, 1);
  const sig = got.evidence.evidence[0]!;
  assert.equal(sig.kind, 'cosign-signature');
  if (sig.kind !== 'cosign-signature') return;
  assert.equal(sig.origin, `oci://${open.host}/tools/signed:sha256-${pushed.digest.slice(7)}.sig`);
  const payload = JSON.parse(Buffer.from(sig.payload).toString('utf8'));
  assert.equal(payload.critical.image['docker-manifest-digest'], pushed.digest);
  // What was collected is what cosign signed: the key verifies it.
  assert.ok(
    verify(
      'sha256',
      sig.payload,
      readFileSync(keys.pub, 'utf8'),
      Buffer.from(sig.signature, 'base64'),
    ),
  );
});

test('Bearer token flow: the realm is asked for a token with Basic credentials, then the registry accepts it', async () => {
  const tokens = await startTokenServer('bob', 'token-pass-9');
  const reg = await startRegistry({ token: tokens.auth });
  try {
    const credential = new RegistryCredential('bob', 'token-pass-9', 'the test');
    const client = new RegistryClient({
      http,
      registry: reg.host,
      repository: 'tools/echo',
      credential,
    });
    await pushArtifact(client, '1', { wasm });
    const before = tokens.issued();
    const got = await fetchOci(
      oci(`oci://${reg.host}/tools/echo:1`),
      ctx({ credential: async () => credential }),
    );
    assert.deepEqual(Buffer.from(got.bytes), wasm);
    assert.ok(tokens.issued() > before, 'a token was issued for the pull');
    await assert.rejects(
      fetchOci(oci(`oci://${reg.host}/tools/echo:1`), ctx()),
      (e: SourceError) => {
        assert.equal(e.code, 'auth-failed');
        return true;
      },
    );
    const wrong = new RegistryCredential('bob', 'nope-nope-77', 'the test');
    await assert.rejects(
      fetchOci(oci(`oci://${reg.host}/tools/echo:1`), ctx({ credential: async () => wrong })),
      (e: SourceError) => {
        assert.equal(e.code, 'auth-failed');
        assert.doesNotMatch(`${e.message} ${e.help}`, /nope-nope-77|token-pass-9/);
        return true;
      },
    );
  } finally {
    await reg.stop();
    await tokens.stop();
  }
});
