// `mcpkit component push` and `mcpkit component verify` as a user runs them,
// against a real registry on 127.0.0.1 and the real cosign CLI.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  cosignKeyPair,
  cosignSign,
  startRegistry,
  type TestRegistry,
} from '../sources/testing-registry.js';
import { CLI, example, tempDir } from '../testing.js';

let registry: TestRegistry;
const dir = tempDir('mcpkit-sources-cli-');
const policy = join(dir, 'server.yaml');
let keys: { key: string; pub: string };

const mcpkit = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: dir, MCPKIT_DATA_DIR: join(dir, 'data') },
    timeout: 120_000,
  });

before(async () => {
  registry = await startRegistry();
  keys = cosignKeyPair(dir);
  writeFileSync(
    policy,
    `version: "1.0"\ntrust:\n  sources:\n    - name: ours\n      match: ["oci://${registry.host}/tools/**"]\n      signers:\n        - key: ${keys.pub}\n  fetch:\n    network:\n      - cidr: 127.0.0.0/8\n`,
  );
});
after(() => registry?.stop());

test('push, verify (refused unsigned), cosign sign, verify (trusted)', () => {
  const push = mcpkit(
    'component',
    'push',
    example('echo'),
    `oci://${registry.host}/tools/echo:1`,
    '--policy-file',
    policy,
    '--json',
  );
  assert.equal(push.status, 0, push.stderr);
  const pushed = JSON.parse(push.stdout) as { reference: string; digest: string; layers: string[] };
  assert.equal(pushed.reference, `oci://${registry.host}/tools/echo@${pushed.digest}`);
  assert.equal(pushed.layers.length, 3, 'wasm, policy.yaml and echo.tools.json');
  const refused = mcpkit(
    'component',
    'verify',
    `oci://${registry.host}/tools/echo:1`,
    '--policy',
    policy,
  );
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stdout, /^refused: /);
  assert.match(refused.stdout, /help: /);
  cosignSign(keys.key, pushed.reference.slice('oci://'.length), dir);
  const trusted = mcpkit(
    'component',
    'verify',
    `oci://${registry.host}/tools/echo:1`,
    '--policy',
    policy,
    '--json',
  );
  assert.equal(trusted.status, 0, trusted.stderr);
  const r = JSON.parse(trusted.stdout);
  assert.equal(r.decision.allowed, true);
  assert.equal(r.decision.signer.kind, 'key');
  assert.equal(r.manifestDigest, pushed.digest);
  assert.equal(r.signatures, 1);
});

test('a loopback registry without a fetch network rule is refused with help', () => {
  const r = mcpkit('component', 'push', example('echo'), `oci://${registry.host}/tools/echo:2`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /trust\.fetch\.network/);
});

test('a malformed source is a precise error', () => {
  const r = mcpkit('component', 'verify', 'oci://ghcr.io/Tools/Time:1');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /did you mean `tools\/time`/);
});
