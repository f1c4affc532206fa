// Runtime grants stay under the server's ceiling after it is narrowed: a
// restart with a smaller --allow-dir (or another server policy) suspends the
// stored grants it no longer covers, without deleting them.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createApp } from '../app.js';
import { examplesDataDir } from '../examples.js';
import { silentLogger } from '../logging.js';
import { serverPolicyFrom } from '../policies.js';
import { defaultDataDir } from '../store.js';
import { type Connected, call, example, stdioClient, tempDir, text } from '../testing.js';

describe('narrowing the ceiling across a restart', () => {
  const data = tempDir();
  const ws = tempDir('mcpkit-ws-');
  const ws2 = tempDir('mcpkit-ws2-');
  writeFileSync(join(ws, 'a.txt'), 'secret of ws');
  writeFileSync(join(ws2, 'b.txt'), 'in ws2');
  let conn: Connected | undefined;
  const start = async (...dirs: string[]) => {
    await conn?.close();
    conn = await stdioClient([
      '--data-dir',
      data,
      '--component',
      example('fs-tool'),
      ...dirs.flatMap((d) => ['--allow-dir', d]),
    ]);
    return conn;
  };
  after(() => conn?.close());
  const readA = () => call(conn!, 'read_file', { path: join(ws, 'a.txt') });

  it('a grant made under the wide ceiling is in force', async () => {
    await start(ws);
    const g = await call(conn!, 'grant-storage-permission', {
      component_id: 'fs-tool',
      details: { uri: `fs://${ws}`, access: ['read'] },
    });
    assert.notEqual(g.isError, true, text(g));
    const r = await readA();
    assert.notEqual(r.isError, true, text(r));
    assert.match(text(r), /secret of ws/);
  });

  it('after a restart with only another directory allowed, the grant is suspended', async () => {
    await start(ws2);
    const r = await readA();
    assert.equal(r.isError, true, text(r));
    assert.doesNotMatch(text(r), /secret of ws/);
    const p = await call(conn!, 'get-policy', { component_id: 'fs-tool' });
    const policy = p.structuredContent as {
      suspended_grants: { section: string; reason: string }[];
      effective: string;
    };
    assert.equal(policy.suspended_grants.length, 1, text(p));
    assert.equal(policy.suspended_grants[0]!.section, 'storage');
    assert.ok(policy.suspended_grants[0]!.reason.includes(ws), policy.suspended_grants[0]!.reason);
    assert.ok(!policy.effective.includes(ws), policy.effective);
    const list = await call(conn!, 'list-components', {});
    const fs = (
      list.structuredContent as { components: { id: string; suspended_grants: number }[] }
    ).components.find((c) => c.id === 'fs-tool')!;
    assert.equal(fs.suspended_grants, 1);
    assert.match(conn!.stderr(), /runtime grants suspended/);
    // Suspended, not deleted: the grant is still in the store.
    assert.ok(
      readFileSync(join(data, 'components', 'fs-tool', 'grants.yaml'), 'utf8').includes(ws),
    );
  });

  it('a suspended grant does not count as a grant that reaches inside the new ceiling', async () => {
    const r = await call(conn!, 'read_file', { path: join(ws2, 'b.txt') });
    assert.equal(r.isError, true, 'nothing was granted inside ws2');
  });

  it('once the ceiling covers it again, the grant is back in force', async () => {
    await start(ws, ws2);
    const r = await readA();
    assert.notEqual(r.isError, true, text(r));
    const p = await call(conn!, 'get-policy', { component_id: 'fs-tool' });
    assert.deepEqual((p.structuredContent as { suspended_grants: unknown[] }).suspended_grants, []);
  });

  it('reset-permission removes a suspended grant too', async () => {
    await start(ws2);
    const r = await call(conn!, 'reset-permission', { component_id: 'fs-tool' });
    assert.notEqual(r.isError, true, text(r));
    await start(ws);
    assert.equal((await readA()).isError, true, 'the reset grant does not come back');
  });
});

describe('changing the server policy while serving', () => {
  it('re-checks every grant: only the accesses the new ceiling covers stay in force', async () => {
    const data = tempDir();
    const ws = tempDir('mcpkit-ws-');
    writeFileSync(join(ws, 'a.txt'), 'the text');
    const app = await createApp({ logger: silentLogger(), dataDir: data, allowDirs: [ws] });
    try {
      await app.manager.load(example('fs-tool'), { operator: true });
      await app.manager.grant('fs-tool', {
        storage: { allow: [{ uri: `fs://${ws}`, access: ['read', 'write'] }] },
      });
      const read = () =>
        app.server.callTool('read_file', { path: join(ws, 'a.txt') }, {}).then(text);
      assert.match(await read(), /the text/);

      const readOnly = serverPolicyFrom({
        text: `version: "1.0"\nstorage:\n  allow:\n    - uri: "fs://${ws}"\n      access: [read]\n`,
        registry: app.registry,
      });
      await app.manager.setServerPolicy(readOnly);
      const c = app.manager.get('fs-tool')!;
      assert.deepEqual(
        c.suspended.map((v) => v.section),
        ['storage'],
      );
      assert.match(c.suspended[0]!.message, /^write access/);
      assert.match(await read(), /the text/, 'read is still covered');
      assert.ok(
        c.effective.storage.allow.every((r) => !r.access.includes('write')),
        'write is not in force',
      );

      await app.manager.setServerPolicy(serverPolicyFrom({ registry: app.registry }));
      assert.equal(app.manager.get('fs-tool')!.suspended.length, 1);
      assert.doesNotMatch(await read(), /the text/, 'an empty ceiling leaves nothing in force');
    } finally {
      await app.close();
    }
  });
});

describe('the examples store', () => {
  it('is one per checkout, inside the data directory', () => {
    const a = tempDir('mcpkit-checkout-');
    const b = tempDir('mcpkit-checkout-');
    assert.notEqual(examplesDataDir(a), examplesDataDir(b));
    assert.equal(examplesDataDir(a), examplesDataDir(a));
    assert.ok(examplesDataDir(a).startsWith(join(defaultDataDir(), 'examples')));
  });
});
