// Local paths and the defaults: a client's path must lie in an allowed
// directory after symlinks are resolved; the operator's loads are trusted; a
// digest pin satisfies a rule that accepts one.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ArtifactEvidence } from './evidence.js';
import { compileTrust } from './extension.js';
import { EMPTY_TRUST } from './model.js';
import { decideTrust } from './verify.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'mcpkit-trust-local-')));
after(() => rmSync(root, { recursive: true, force: true }));
const allowed = join(root, 'allowed');
const outside = join(root, 'outside');
mkdirSync(allowed);
mkdirSync(outside);
writeFileSync(join(allowed, 'ok.wasm'), 'x');
writeFileSync(join(outside, 'secret.wasm'), 'y');
symlinkSync(join(outside, 'secret.wasm'), join(allowed, 'link.wasm'));
symlinkSync(outside, join(allowed, 'linkdir'));
mkdirSync(join(root, 'allowed-sibling'));
writeFileSync(join(root, 'allowed-sibling', 'x.wasm'), 'z');

const local = (path: string, over: Partial<ArtifactEvidence> = {}): ArtifactEvidence => ({
  source: pathToFileURL(path).href,
  digest: `sha256:${'0'.repeat(64)}`,
  pinned: false,
  operator: false,
  localPath: path,
  evidence: [],
  ...over,
});

describe('local paths', () => {
  it('accepts a file inside an --allow-dir directory', async () => {
    const d = await decideTrust(local(join(allowed, 'ok.wasm')), EMPTY_TRUST, [allowed]);
    assert.equal(d.allowed, true);
    assert.ok(d.allowed);
    assert.equal(d.signer?.kind, 'local');
  });

  it('accepts a file inside a trust allow_dirs directory', async () => {
    const t = compileTrust({ sources: [], allowDirs: [allowed], fetch: { network: [] } });
    assert.equal((await decideTrust(local(join(allowed, 'ok.wasm')), t, [])).allowed, true);
  });

  it('refuses a path outside the allowed directories, naming them and the fix', async () => {
    const d = await decideTrust(local(join(outside, 'secret.wasm')), EMPTY_TRUST, [allowed]);
    assert.ok(!d.allowed);
    assert.equal(d.rule, 'allow-dir');
    assert.match(d.reason, /outside the allowed directories/);
    assert.match(d.help, /--allow-dir/);
    assert.match(d.help, /allow_dirs/);
  });

  it('refuses any client path when no directory is allowed', async () => {
    const d = await decideTrust(local(join(allowed, 'ok.wasm')), EMPTY_TRUST, []);
    assert.ok(!d.allowed);
    assert.match(d.reason, /no directory is allowed/);
  });

  it('refuses a symlink in an allowed directory that points out of it', async () => {
    for (const p of [join(allowed, 'link.wasm'), join(allowed, 'linkdir', 'secret.wasm')]) {
      const d = await decideTrust(local(p), EMPTY_TRUST, [allowed]);
      assert.ok(!d.allowed, p);
      assert.match(d.reason, new RegExp(`${outside}/secret\\.wasm \\(after symlinks\\)`));
    }
  });

  it('refuses `..` out of the directory and a sibling with the same prefix', async () => {
    for (const p of [
      join(allowed, '..', 'outside', 'secret.wasm'),
      join(root, 'allowed-sibling', 'x.wasm'),
    ]) {
      assert.equal((await decideTrust(local(p), EMPTY_TRUST, [allowed])).allowed, false, p);
    }
  });

  it('refuses /etc/passwd without echoing its content', async () => {
    const d = await decideTrust(local('/etc/passwd'), EMPTY_TRUST, [allowed]);
    assert.ok(!d.allowed);
    assert.doesNotMatch(`${d.reason}${d.help}`, /root:/);
  });

  it('refuses a path that does not exist', async () => {
    const d = await decideTrust(local(join(allowed, 'nope.wasm')), EMPTY_TRUST, [allowed]);
    assert.ok(!d.allowed);
    assert.match(d.reason, /cannot be resolved/);
  });

  it('trusts the operator, wherever the file is', async () => {
    const d = await decideTrust(
      local(join(outside, 'secret.wasm'), { operator: true }),
      EMPTY_TRUST,
      [],
    );
    assert.ok(d.allowed);
    assert.equal(d.signer?.kind, 'operator');
  });

  it('applies a matching rule on top of the directory check', async () => {
    const t = compileTrust({
      sources: [
        {
          name: 'signed-local',
          pointer: '/trust/sources/0',
          match: [`file://${allowed}/**`],
          signers: [],
          digestPin: true,
          deny: false,
        },
      ],
      allowDirs: [allowed],
      fetch: { network: [] },
    });
    const p = join(allowed, 'ok.wasm');
    assert.equal((await decideTrust(local(p), t, [])).allowed, false);
    const pinned = await decideTrust(local(p, { pinned: true }), t, []);
    assert.ok(pinned.allowed);
    assert.equal(pinned.signer?.kind, 'digest');
  });
});

describe('remote defaults', () => {
  const remote = (source: string, pinned = false): ArtifactEvidence => ({
    source,
    digest: `sha256:${'1'.repeat(64)}`,
    pinned,
    operator: false,
    evidence: [],
  });

  it('refuses every remote source without a trust section, even pinned', async () => {
    for (const s of ['https://x.example/t.wasm', `oci://ghcr.io/a/b@sha256:${'1'.repeat(64)}`]) {
      const d = await decideTrust(remote(s, true), EMPTY_TRUST, []);
      assert.ok(!d.allowed);
      assert.match(d.help, /trust:\n {2}sources:/);
    }
  });

  it('accepts a pinned source under a digest_pin rule, refuses it unpinned', async () => {
    const t = compileTrust({
      sources: [
        {
          name: 'pins',
          pointer: '/trust/sources/0',
          match: ['oci://127.0.0.1:*/**'],
          signers: [],
          digestPin: true,
          deny: false,
        },
      ],
      allowDirs: [],
      fetch: { network: [] },
    });
    const ok = await decideTrust(
      remote(`oci://127.0.0.1:5000/tools/time@sha256:${'1'.repeat(64)}`, true),
      t,
      [],
    );
    assert.ok(ok.allowed);
    const no = await decideTrust(remote('oci://127.0.0.1:5000/tools/time:1'), t, []);
    assert.ok(!no.allowed);
    assert.match(no.reason, /names no digest pin/);
    const host = await decideTrust(
      remote(`oci://127.0.0.1.evil.example:5000/x@sha256:${'1'.repeat(64)}`, true),
      t,
      [],
    );
    assert.equal(host.allowed, false);
  });

  it('refuses a source a deny rule names, before anything else', async () => {
    const t = compileTrust({
      sources: [
        {
          name: 'no-evil',
          pointer: '/trust/sources/0',
          match: ['https://evil.example/**'],
          signers: [],
          digestPin: false,
          deny: true,
        },
      ],
      allowDirs: [],
      fetch: { network: [] },
    });
    const d = await decideTrust(
      { ...remote('https://evil.example/t.wasm', true), operator: false },
      t,
      [],
    );
    assert.ok(!d.allowed);
    assert.equal(d.rule, 'no-evil');
  });
});
