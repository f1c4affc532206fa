// Components from an OCI registry over MCP, end to end: the real CLI serving
// stdio to the SDK's Client, Debian's docker-registry on 127.0.0.1, a
// signature made by the real cosign CLI, the trust section of the server
// policy. Every refusal is its own test and the server serves after each.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { digestHex, sha256Digest } from '../sources/digest.js';
import { fetchSettings } from '../sources/fetch-settings.js';
import { pushArtifact } from '../sources/oci-push.js';
import { RegistryClient } from '../sources/registry-client.js';
import { SourceHttp } from '../sources/source-http.js';
import {
  cosignKeyPair,
  cosignSign,
  startRegistry,
  type TestRegistry,
} from '../sources/testing-registry.js';
import { type Connected, EXAMPLES, example, stdioClient, tempDir, text } from '../testing.js';

const time = readFileSync(join(EXAMPLES, 'components', 'time-js', 'time-js.wasm'));
const timePolicy = readFileSync(join(EXAMPLES, 'components', 'time-js', 'policy.yaml'), 'utf8');
const echo = readFileSync(example('echo'));
const echoTools = readFileSync(join(example('echo'), '..', 'echo.tools.json'), 'utf8');
const http = new SourceHttp(fetchSettings({ allowCidrs: ['127.0.0.0/8'] }));

describe('components from an OCI registry over MCP', () => {
  let signed: TestRegistry;
  let unsigned: TestRegistry;
  let conn: Connected;
  const dir = tempDir('mcpkit-sources-e2e-');
  const allowed = join(dir, 'allowed');

  async function load(path: string) {
    return (await conn.client.callTool({ name: 'load-component', arguments: { path } })) as {
      isError?: boolean;
      content: Array<{ type: string; text?: string }>;
    };
  }

  async function alive() {
    const r = await conn.client.callTool({ name: 'list-components', arguments: {} });
    assert.ok(!r.isError, 'the server still serves');
  }

  before(async () => {
    signed = await startRegistry();
    unsigned = await startRegistry();
    const keys = cosignKeyPair(dir);
    const t = await pushArtifact(
      new RegistryClient({ http, registry: signed.host, repository: 'tools/time' }),
      '1',
      {
        wasm: time,
        policyText: timePolicy,
      },
    );
    await pushArtifact(
      new RegistryClient({ http, registry: unsigned.host, repository: 'tools/time' }),
      '1',
      {
        wasm: time,
        policyText: timePolicy,
      },
    );
    const e = await pushArtifact(
      new RegistryClient({ http, registry: signed.host, repository: 'tools/echo' }),
      '1',
      {
        wasm: echo,
        manifestText: echoTools,
      },
    );
    for (const [repo, digest] of [
      ['tools/time', t.digest],
      ['tools/echo', e.digest],
    ])
      cosignSign(keys.key, `${signed.host}/${repo}@${digest}`, dir);
    const policy = join(dir, 'server.yaml');
    writeFileSync(
      policy,
      [
        'version: "1.0"',
        'trust:',
        '  sources:',
        '    - name: local-registries',
        `      match: ["oci://${signed.host}/tools/**", "oci://${unsigned.host}/tools/**"]`,
        '      signers:',
        `        - key: ${keys.pub}`,
        '  fetch:',
        '    network:',
        '      - cidr: 127.0.0.0/8',
        '',
      ].join('\n'),
    );
    conn = await stdioClient([
      '--data-dir',
      join(dir, 'data'),
      '--policy',
      policy,
      '--allow-dir',
      allowed,
    ]);
  });
  after(async () => {
    await conn?.close();
    await signed?.stop();
    await unsigned?.stop();
  });

  it('loads a signed component from oci://, with progress notifications, and calls its tool', async () => {
    const progress: number[] = [];
    const r = await conn.client.callTool(
      { name: 'load-component', arguments: { path: `oci://${signed.host}/tools/time:1` } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p.progress), timeout: 120_000 },
    );
    assert.ok(!r.isError, text(r as never));
    const loaded = JSON.parse(text(r as never));
    assert.equal(loaded.status, 'component loaded');
    assert.ok(progress.length > 0, 'progress was reported');
    assert.equal(progress.at(-1), time.byteLength);
    const call = await conn.client.callTool({ name: 'get-current-time', arguments: {} });
    assert.ok(!call.isError, text(call as never));
    assert.match(text(call as never), /\d{4}-\d\d-\d\d|\d\d:\d\d/);
  });

  it('refuses the same component unsigned, naming the rule and its signers', async () => {
    const r = await load(`oci://${unsigned.host}/tools/time:1`);
    assert.ok(r.isError);
    assert.match(text(r as never), /local-registries/);
    await alive();
  });

  it('refuses a signed artifact whose layer was changed in the registry after signing', async () => {
    const hex = digestHex(sha256Digest(echo));
    const file = join(
      signed.dir,
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
    changed[100] = (changed[100]! + 1) & 0xff;
    writeFileSync(file, changed);
    try {
      const r = await load(`oci://${signed.host}/tools/echo:1`);
      assert.ok(r.isError);
      assert.match(text(r as never), /digest/);
    } finally {
      writeFileSync(file, original);
    }
    await alive();
  });

  it('refuses a manifest digest that is not the pin', async () => {
    const r = await load(`oci://${signed.host}/tools/time@sha256:${'0'.repeat(64)}`);
    assert.ok(r.isError);
    assert.match(text(r as never), /no manifest `sha256:0000/);
    await alive();
  });

  it('refuses a local path outside the allowed directories', async () => {
    const r = await load(example('echo'));
    assert.ok(r.isError);
    assert.match(text(r as never), /outside the allowed directories/);
    await alive();
  });

  it('refuses /etc/passwd without echoing it', async () => {
    const r = await load('/etc/passwd');
    assert.ok(r.isError);
    assert.doesNotMatch(text(r as never), /root:/);
    await alive();
  });
});
