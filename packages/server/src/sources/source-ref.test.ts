import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SOURCE_ERROR_CODES } from './source-error.js';
import { parseSource } from './source-ref.js';

const HEX = 'a'.repeat(64);

test('local paths and file:// URLs', () => {
  assert.deepEqual(parseSource('tool.wasm', '/work').value, {
    kind: 'file',
    path: '/work/tool.wasm',
    uri: 'file:///work/tool.wasm',
  });
  assert.deepEqual(parseSource('/a/../b/t.wasm').value, {
    kind: 'file',
    path: '/b/t.wasm',
    uri: 'file:///b/t.wasm',
  });
  const f = parseSource(`file:///x/t.wasm#sha256=${HEX}`).value;
  assert.equal(f?.kind, 'file');
  assert.equal(f?.kind === 'file' && f.pin, `sha256:${HEX}`);
  assert.equal(parseSource('file://other-host/t.wasm').diagnostics[0]?.code, 'source-syntax');
});

test('https with and without a pin', () => {
  const v = parseSource(`https://example.com/t.wasm#sha256=${HEX}`).value;
  assert.deepEqual(v, {
    kind: 'https',
    url: 'https://example.com/t.wasm',
    pin: `sha256:${HEX}`,
    uri: `https://example.com/t.wasm#sha256=${HEX}`,
  });
  const bad = parseSource('https://example.com/t.wasm#sha256=XYZ').diagnostics[0];
  assert.equal(bad?.code, 'source-pin');
  assert.match(bad?.help ?? '', /64 lowercase hex/);
});

test('plain http, unknown schemes and credentials in URLs are refused with help', () => {
  assert.equal(parseSource('http://example.com/t.wasm').diagnostics[0]?.code, 'source-insecure');
  assert.equal(parseSource('ftp://example.com/t.wasm').diagnostics[0]?.code, 'source-scheme');
  const cred = parseSource('https://bob:hunter2@example.com/t.wasm').diagnostics[0];
  assert.equal(cred?.code, 'source-credentials');
  assert.doesNotMatch(cred?.message ?? '', /hunter2/);
});

test("oci references in Wassette's form", () => {
  assert.deepEqual(parseSource('oci://ghcr.io/microsoft/time-server-js:latest').value, {
    kind: 'oci',
    registry: 'ghcr.io',
    repository: 'microsoft/time-server-js',
    tag: 'latest',
    uri: 'oci://ghcr.io/microsoft/time-server-js:latest',
  });
  assert.equal(
    parseSource('oci://127.0.0.1:5000/tools/time').value?.uri,
    'oci://127.0.0.1:5000/tools/time:latest',
  );
  const d = parseSource(`oci://127.0.0.1:5000/tools/time@sha256:${HEX}`).value;
  assert.deepEqual(d, {
    kind: 'oci',
    registry: '127.0.0.1:5000',
    repository: 'tools/time',
    digest: `sha256:${HEX}`,
    uri: `oci://127.0.0.1:5000/tools/time@sha256:${HEX}`,
  });
  assert.equal(
    parseSource(`oci://r.io/t:1@sha256:${HEX}`).value?.uri,
    `oci://r.io/t@sha256:${HEX}`,
  );
});

test('malformed oci references get precise diagnostics', () => {
  const cases: Array<[string, RegExp]> = [
    ['oci://ghcr.io', /no repository/],
    ['oci://ghcr.io/Tools/Time:1', /did you mean `tools\/time`/],
    ['oci://ghcr.io/tools/time:-bad', /tag/],
    ['oci://ghcr.io/tools/time@sha256:abc', /digest/],
    ['oci://bad_host!/t:1', /registry/],
    ['oci://host:99999/t:1', /registry/],
  ];
  for (const [text, re] of cases) {
    const d = parseSource(text).diagnostics[0];
    assert.ok(d, text);
    assert.equal(d.severity, 'error');
    assert.match(`${d.message} ${d.help ?? ''}`, re, text);
  }
});

test('parsing never throws and yields a value or an error', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string().map((s) => `oci://${s}`),
        fc.string().map((s) => `https://${s}`),
      ),
      (s) => {
        const r = parseSource(s, '/');
        assert.ok((r.value !== undefined) !== r.diagnostics.length > 0);
      },
    ),
  );
});

test('source error codes are pinned', () => {
  assert.deepEqual(SOURCE_ERROR_CODES, [
    'invalid-source',
    'not-found',
    'unreadable',
    'digest-mismatch',
    'too-large',
    'denied',
    'timeout',
    'fetch-failed',
    'auth-failed',
    'bad-manifest',
    'no-wasm-layer',
    'limit-exceeded',
    'push-failed',
  ]);
});
