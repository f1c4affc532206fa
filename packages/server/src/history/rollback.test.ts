import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ComponentStore } from '../store.js';
import { example, tempDir } from '../testing.js';
import { PolicyHistory } from './policy-history.js';
import { rollbackGrants } from './rollback.js';

const alice = { id: 'alice', role: 'admin', via: 'oauth' } as const;
const operator = { id: 'root', role: 'operator', via: 'stdio' } as const;
const G1 = 'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///data/**"\n      access: [read]\n';
const G2 = `${G1}    - uri: "fs:///home/**"\n      access: [read, write]\n`;

/** A stored component whose grants went G1, G2, (policy change), none, through the history. */
async function setup() {
  const dataDir = tempDir();
  const store = new ComponentStore(dataDir);
  await store.init();
  await store.put({
    id: 'echo',
    source: example('echo'),
    kind: 'module',
    bytes: readFileSync(example('echo')),
  });
  const history = new PolicyHistory(dataDir);
  const change = async (before: string | undefined, after: string | undefined, action: string) => {
    await store.writeGrants('echo', after);
    await history.record({
      component: 'echo',
      kind: 'grants',
      by: alice,
      action,
      ...(before ? { before } : {}),
      ...(after ? { after } : {}),
    });
  };
  await change(undefined, G1, 'grant');
  await change(G1, G2, 'grant');
  await history.record({
    component: 'echo',
    kind: 'policy',
    by: alice,
    action: 'approve',
    after: 'version: "1.0"\n',
  });
  await change(G2, undefined, 'reset');
  return { dataDir, store, history };
}

describe('rolling grants back', () => {
  it('restores the grants of a version into the store and records the rollback', async () => {
    const { store, history } = await setup();
    const r = await rollbackGrants({ store, history, component: 'echo', version: 2, by: operator });
    assert.deepEqual(r, { component: 'echo', to: 2, version: 5, changed: true, grants: G2 });
    assert.equal((await store.read('echo')).grantsText, G2);
    const v5 = await history.get('echo', 5);
    assert.equal(v5.action, 'rollback');
    assert.equal(v5.reason, 'to version 2');
    assert.deepEqual(v5.by, operator);
    assert.equal(v5.before, undefined, 'there were no grants before');
    assert.equal(v5.after, G2);
    assert.equal((await history.verify()).ok, true);
  });

  it('takes a policy version as the point in time: the grants in force then', async () => {
    const { store, history } = await setup();
    await rollbackGrants({ store, history, component: 'echo', version: 3, by: operator });
    assert.equal((await store.read('echo')).grantsText, G2);
    await rollbackGrants({ store, history, component: 'echo', version: 4, by: operator });
    assert.equal((await store.read('echo')).grantsText, undefined, 'version 4 reset them');
    const again = await rollbackGrants({
      store,
      history,
      component: 'echo',
      version: 4,
      by: operator,
    });
    assert.equal(again.changed, false);
    assert.equal(
      (await history.list('echo')).length,
      6,
      'a rollback that changes nothing is not recorded',
    );
  });

  it('refuses to restore from a tampered history, and restores nothing', async () => {
    const { store, history } = await setup();
    const file = history.fileOf('echo');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"alice"', '"mallory"'));
    await assert.rejects(
      rollbackGrants({ store, history, component: 'echo', version: 2, by: operator }),
      (e: { code: string; message: string }) =>
        e.code === 'history-corrupt' &&
        /fails verification .*:1: changed after it was written/.test(e.message),
    );
    assert.equal((await store.read('echo')).grantsText, undefined);
  });

  it('refuses an unknown component or version', async () => {
    const { store, history } = await setup();
    await assert.rejects(
      rollbackGrants({ store, history, component: 'nope', version: 1, by: operator }),
      (e: { code: string }) => e.code === 'history-not-found',
    );
    await assert.rejects(
      rollbackGrants({ store, history, component: 'echo', version: 9, by: operator }),
      /no version 9 .*versions 1–4/,
    );
  });
});
