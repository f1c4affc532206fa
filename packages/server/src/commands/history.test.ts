// `mcpkit policy history` and `policy rollback` on a data directory.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PolicyHistory } from '../history/policy-history.js';
import { ComponentStore } from '../store.js';
import { CLI, example, tempDir } from '../testing.js';

function mcpkit(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const by = { id: 'alice', role: 'admin', via: 'oauth' } as const;
const G1 = 'version: "1.0"\nenvironment:\n  allow:\n    - key: "HOME"\n';

async function dataDir(): Promise<string> {
  const dir = tempDir();
  const store = new ComponentStore(dir);
  await store.init();
  await store.put({
    id: 'echo',
    source: example('echo'),
    kind: 'module',
    bytes: readFileSync(example('echo')),
  });
  const h = new PolicyHistory(dir);
  await store.writeGrants('echo', G1);
  await h.record({ component: 'echo', kind: 'grants', by, action: 'grant', after: G1 });
  await store.writeGrants('echo', undefined);
  await h.record({ component: 'echo', kind: 'grants', by, action: 'reset', before: G1 });
  return dir;
}

describe('mcpkit policy history and rollback', () => {
  it('lists the versions, shows one with its texts, and rolls back', async () => {
    const dir = await dataDir();
    const list = mcpkit(['policy', 'history', '--data-dir', dir]);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.trim().split('\n');
    assert.equal(rows.length, 2);
    assert.match(
      rows[0]!,
      /^echo {2}v1 {2}\S+ {2}grants {2}grant {2}by alice \(admin, oauth\) {2}none -> [0-9a-f]{12}$/,
    );
    assert.match(rows[1]!, /^echo {2}v2 .* reset .* [0-9a-f]{12} -> none$/);
    const one = mcpkit(['policy', 'history', 'echo', '1', '--data-dir', dir]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /--- before\n\(none\)\n--- after\nversion: "1.0"\nenvironment:/);

    const rb = mcpkit(['policy', 'rollback', 'echo', '1', '--data-dir', dir]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stdout, /restored echo's grants to version 1 \(recorded as version 3\)/);
    assert.equal((await new ComponentStore(dir).read('echo')).grantsText, G1);
    const json = JSON.parse(
      mcpkit(['policy', 'history', 'echo', '--data-dir', dir, '--json']).stdout,
    ) as {
      entries: { version: number; action: string; reason?: string; by: { role: string } }[];
      report: { ok: boolean };
    };
    assert.equal(json.report.ok, true);
    assert.deepEqual(
      json.entries.map((e) => [e.version, e.action]),
      [
        [1, 'grant'],
        [2, 'reset'],
        [3, 'rollback'],
      ],
    );
    assert.equal(json.entries[2]!.reason, 'to version 1');
    assert.equal(json.entries[2]!.by.role, 'operator');
  });

  it('reports a tampered history (exit 1) and refuses to roll back from it', async () => {
    const dir = await dataDir();
    const file = new PolicyHistory(dir).fileOf('echo');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"reset"', '"grant"'));
    const list = mcpkit(['policy', 'history', '--data-dir', dir]);
    assert.equal(list.code, 1);
    assert.match(list.stderr, /echo\.jsonl:2: changed: changed after it was written/);
    const rb = mcpkit(['policy', 'rollback', 'echo', '1', '--data-dir', dir]);
    assert.equal(rb.code, 1);
    assert.match(rb.stderr, /fails verification .* nothing was restored/);
    assert.equal((await new ComponentStore(dir).read('echo')).grantsText, undefined);
  });

  it('exits 2 for a version that is not a number', () => {
    assert.equal(mcpkit(['policy', 'rollback', 'echo', 'latest']).code, 2);
  });
});
