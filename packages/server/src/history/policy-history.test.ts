import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../testing.js';
import { HISTORY_ERROR_CODES, HistoryError } from './errors.js';
import { PolicyHistory } from './policy-history.js';

const alice = { id: 'alice', role: 'admin', via: 'oauth' } as const;
const bob = { id: 'bob', role: 'dev', via: 'token' } as const;
const G1 = 'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///data/**"\n      access: [read]\n';
const G2 = `${G1}    - uri: "fs:///tmp/**"\n      access: [read, write]\n`;

describe('PolicyHistory', () => {
  it('keeps each change as a version: who, when, what, and the texts before and after', async () => {
    const dataDir = tempDir();
    const h = new PolicyHistory(dataDir);
    assert.deepEqual(
      await h.record({
        component: 'fs-tool',
        kind: 'grants',
        by: alice,
        action: 'grant',
        after: G1,
      }),
      { version: 1 },
    );
    assert.deepEqual(
      await h.record({
        component: 'fs-tool',
        kind: 'grants',
        by: bob,
        action: 'grant',
        before: G1,
        after: G2,
      }),
      { version: 2 },
    );
    await h.record({
      component: 'fs-tool',
      kind: 'grants',
      by: alice,
      action: 'reset',
      before: G2,
    });
    await h.record({
      component: 'echo',
      kind: 'policy',
      by: alice,
      action: 'approve',
      after: 'version: "1.0"\n',
    });
    const list = await h.list('fs-tool');
    assert.deepEqual(
      list.map((e) => [e.version, e.by.id, e.action, !!e.before, !!e.after]),
      [
        [1, 'alice', 'grant', false, true],
        [2, 'bob', 'grant', true, true],
        [3, 'alice', 'reset', true, false],
      ],
    );
    assert.match(list[1]!.before!, /^sha256:[0-9a-f]{64}$/);
    assert.equal(list[1]!.before, list[0]!.after, 'the same text has the same digest');
    assert.ok(!Number.isNaN(Date.parse(list[0]!.time)));
    const v2 = await h.get('fs-tool', 2);
    assert.equal(v2.before, G1);
    assert.equal(v2.after, G2);
    assert.deepEqual(
      (await h.list()).map((e) => `${e.component}@${e.version}`),
      ['fs-tool@1', 'fs-tool@2', 'fs-tool@3', 'echo@1'],
    );
    assert.deepEqual(await h.components(), ['echo', 'fs-tool']);
    // Each text is kept once.
    assert.equal(readdirSync(join(dataDir, 'history', 'blobs')).length, 3);
    assert.equal((await h.verify()).ok, true);
  });

  it('gives consecutive versions to changes recorded at once', async () => {
    const h = new PolicyHistory(tempDir());
    const versions = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.record({ component: 'c', kind: 'grants', by: alice, action: 'grant', after: `g${i}` }),
      ),
    );
    assert.deepEqual(
      versions.map((v) => v.version),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal((await h.verify()).ok, true);
  });

  it('says which versions there are when one is missing', async () => {
    const h = new PolicyHistory(tempDir());
    await h.record({ component: 'c', kind: 'grants', by: alice, action: 'grant', after: 'x' });
    await assert.rejects(
      h.get('c', 7),
      (e: HistoryError) =>
        e.code === 'history-not-found' && /no version 7 .* versions 1–1/.test(e.message),
    );
    await assert.rejects(h.get('d', 1), /it has no history/);
  });

  it('refuses a change it cannot keep, with a typed error', async () => {
    const h = new PolicyHistory(tempDir());
    for (const bad of [
      { component: '../etc', kind: 'grants', by: alice, action: 'grant' },
      { component: 'c', kind: 'secrets', by: alice, action: 'grant' },
      { component: 'c', kind: 'grants', by: { id: 'x' }, action: 'grant' },
      { component: 'c', kind: 'grants', by: alice, action: '' },
    ])
      await assert.rejects(
        h.record(bad as never),
        (e: HistoryError) => e instanceof HistoryError && e.code === 'history-invalid',
      );
    const dir = join(tempDir(), 'file');
    writeFileSync(dir, 'not a directory');
    await assert.rejects(
      new PolicyHistory(dir).record({ component: 'c', kind: 'grants', by: alice, action: 'grant' }),
      (e: HistoryError) => e.code === 'history-unavailable',
    );
  });

  it('drops a torn last line at the next change', async () => {
    const dataDir = tempDir();
    const h = new PolicyHistory(dataDir);
    await h.record({ component: 'c', kind: 'grants', by: alice, action: 'grant', after: 'a' });
    const file = h.fileOf('c');
    writeFileSync(file, '{"version":2,"time":"20', { flag: 'a' });
    const torn = await h.verify();
    assert.equal(torn.ok, true);
    assert.deepEqual(
      torn.notes.map((n) => n.kind),
      ['torn-line'],
    );
    assert.deepEqual(
      await h.record({ component: 'c', kind: 'grants', by: alice, action: 'reset', before: 'a' }),
      { version: 2 },
    );
    assert.equal(readFileSync(file, 'utf8').split('\n').length, 3);
    const after = await h.verify();
    assert.equal(after.ok, true);
    assert.deepEqual(after.notes, []);
  });

  it('pins its error codes', () => {
    assert.deepEqual(
      [...HISTORY_ERROR_CODES],
      ['history-invalid', 'history-not-found', 'history-corrupt', 'history-unavailable'],
    );
  });
});
