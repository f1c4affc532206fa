// `mcpkit policy explain --source`: the trust rule that applies to a source
// and what it requires, from a real policy file, through the CLI.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { explainPolicy } from '../commands/policy.js';
import { ROOT, tempDir } from '../testing.js';
import { makeCa, makeLog, trustedRootJson } from './testing-keyless.js';

const BIN = join(ROOT, 'packages', 'server', 'bin', 'mcpkit.js');
const dir = tempDir('mcpkit-trust-explain-');
const policy = join(dir, 'server.yaml');
const PIN = `sha256:${'a'.repeat(64)}`;

before(async () => {
  writeFileSync(
    join(dir, 'release.pub'),
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }),
  );
  writeFileSync(join(dir, 'trusted_root.json'), trustedRootJson([await makeCa()], [makeLog()]));
  mkdirSync(join(dir, 'tools'));
  writeFileSync(join(dir, 'tools', 't.wasm'), 'x');
  writeFileSync(
    policy,
    `version: "1.0"
trust:
  allow_dirs: [./tools]
  sources:
    - name: evil
      match: ["https://evil.example/**"]
      deny: true
    - name: acme
      match: ["oci://ghcr.io/acme/**"]
      signers:
        - id: release
          key: ./release.pub
        - id: ci
          identity: "https://github.com/acme/*/.github/workflows/release.yml@refs/heads/main"
          issuer: https://token.actions.githubusercontent.com
          trusted_root: ./trusted_root.json
    - name: local-registry
      match: ["oci://127.0.0.1:*/**"]
      digest_pin: true
`,
  );
});

const explain = (source: string, more: object = {}) =>
  explainPolicy(policy, { kind: 'trust', source, ...more });

describe('policy explain for trust', () => {
  it('names the rule, its line and what it requires', async () => {
    const r = await explain('oci://ghcr.io/acme/time:1');
    assert.equal(r.decision.allowed, false);
    assert.equal(r.decision.rule?.pointer, '/trust/sources/1');
    assert.equal(r.decision.rule?.line, 8);
    assert.match(r.decision.reason, /acme requires a signature by the key release/);
    assert.equal(r.requires?.length, 2);
    assert.match(r.requires?.[1] ?? '', /keyless signature by https:\/\/github\.com\/acme\/\*/);
  });

  it('checks a keyless identity and issuer against the rule, globs included', async () => {
    const wf = 'https://github.com/acme/tools/.github/workflows/release.yml@refs/heads/main';
    const ok = await explain('oci://ghcr.io/acme/time:1', {
      identity: wf,
      issuer: 'https://token.actions.githubusercontent.com',
    });
    assert.equal(ok.decision.allowed, true, ok.decision.reason);
    const wrongIssuer = await explain('oci://ghcr.io/acme/time:1', {
      identity: wf,
      issuer: 'https://evil.example',
    });
    assert.equal(wrongIssuer.decision.allowed, false);
    const fork = await explain('oci://ghcr.io/acme/time:1', {
      identity: 'https://github.com/acme/tools/x/.github/workflows/release.yml@refs/heads/main',
    });
    assert.equal(fork.decision.allowed, false);
  });

  it('checks a key id', async () => {
    assert.equal(
      (await explain('oci://ghcr.io/acme/time:1', { key: 'release' })).decision.allowed,
      true,
    );
    assert.equal(
      (await explain('oci://ghcr.io/acme/time:1', { key: 'other' })).decision.allowed,
      false,
    );
  });

  it('accepts a pinned source under a digest-pin rule', async () => {
    const r = await explain(`oci://127.0.0.1:5000/tools/time@${PIN}`);
    assert.equal(r.decision.allowed, true);
    assert.equal(r.decision.rule?.pointer, '/trust/sources/2');
  });

  it('refuses a denied source and an unmatched one, showing the rule to add', async () => {
    assert.equal((await explain('https://evil.example/x.wasm')).decision.code, 'denied');
    const r = await explain('https://other.example/x.wasm');
    assert.equal(r.decision.allowed, false);
    assert.match(r.decision.reason, /match: \["https:\/\/other\.example\/\*\*"\]/);
  });

  it('checks local paths against allowed directories; operator loads are trusted', async () => {
    assert.equal((await explain(join(dir, 'tools', 't.wasm'))).decision.allowed, true);
    const out = await explain('/etc/passwd');
    assert.equal(out.decision.allowed, false);
    assert.match(out.decision.reason, /--allow-dir/);
    assert.equal((await explain('/etc/passwd', { allowDirs: ['/etc'] })).decision.allowed, true);
    assert.equal((await explain('/etc/passwd', { operator: true })).decision.allowed, true);
  });

  it('is on the command line', () => {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'policy',
        'explain',
        policy,
        '--source',
        'oci://ghcr.io/acme/time:1',
        '--key',
        'release',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, MCPKIT_DATA_DIR: tempDir('mcpkit-explain-data-') },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^allowed: acme requires/);
    assert.match(r.stdout, /rule: .*server\.yaml:8:\d+ \/trust\/sources\/1/);
    assert.match(r.stdout, /requires: a signature by the key release/);
    const j = spawnSync(
      process.execPath,
      [BIN, 'policy', 'explain', policy, '--source', 'https://x.example/a.wasm', '--json'],
      {
        encoding: 'utf8',
        env: { ...process.env, MCPKIT_DATA_DIR: tempDir('mcpkit-explain-data-') },
      },
    );
    assert.notEqual(j.status, 0);
    assert.equal(JSON.parse(j.stdout).decision.allowed, false);
  });
});
