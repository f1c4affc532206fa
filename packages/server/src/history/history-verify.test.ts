// A real history, tampered with: each change found with its file and line.

import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../testing.js';
import { digestOf } from './blobs.js';
import { PolicyHistory } from './policy-history.js';

const by = { id: 'alice', role: 'admin', via: 'oauth' } as const;

async function history(): Promise<{ h: PolicyHistory; file: string; dataDir: string }> {
  const dataDir = tempDir();
  const h = new PolicyHistory(dataDir);
  let before: string | undefined;
  for (let i = 1; i <= 8; i++) {
    const after = `grants ${i}\n`;
    await h.record({
      component: 'fs-tool',
      kind: 'grants',
      by,
      action: 'grant',
      ...(before ? { before } : {}),
      after,
    });
    before = after;
  }
  return { h, file: h.fileOf('fs-tool'), dataDir };
}

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').slice(0, -1);
const put = (f: string, ls: string[]) => writeFileSync(f, `${ls.join('\n')}\n`);
const found = async (h: PolicyHistory) => (await h.verify()).problems.map((p) => [p.line, p.kind]);

describe('verifying the policy history', () => {
  it('passes an untouched history', async () => {
    const { h } = await history();
    const r = await h.verify();
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.records, 8);
    assert.deepEqual(r.notes, []);
  });

  it('finds who-did-it rewritten', async () => {
    const { h, file } = await history();
    const ls = lines(file);
    ls[2] = ls[2]!.replace('"alice"', '"bob"');
    put(file, ls);
    assert.deepEqual(await found(h), [[3, 'changed']]);
  });

  it('finds a removed version, two swapped ones, and a cut end', async () => {
    const a = await history();
    const la = lines(a.file);
    la.splice(3, 1);
    put(a.file, la);
    assert.deepEqual(await found(a.h), [[4, 'removed']]);

    const b = await history();
    const lb = lines(b.file);
    [lb[5], lb[6]] = [lb[6]!, lb[5]!];
    put(b.file, lb);
    assert.deepEqual(await found(b.h), [[6, 'reordered']]);

    const c = await history();
    put(c.file, lines(c.file).slice(0, 6));
    assert.deepEqual(await found(c.h), [[7, 'truncated']]);

    const d = await history();
    put(d.file, lines(d.file).slice(2));
    assert.deepEqual(await found(d.h), [[1, 'removed']]);
  });

  it('finds a changed or missing text', async () => {
    const { h, dataDir } = await history();
    const blob = join(dataDir, 'history', 'blobs', digestOf('grants 3\n').slice(7));
    writeFileSync(blob, 'grants 3\n  - uri: "fs:///**"\n');
    assert.deepEqual(await found(h), [
      [3, 'blob'],
      [4, 'blob'],
    ]);
    await assert.rejects(
      h.get('fs-tool', 3),
      (e: { code: string }) => e.code === 'history-corrupt',
    );
    rmSync(blob);
    assert.match((await h.verify()).problems[0]!.message, /is missing/);
  });

  it("finds a component's record moved into another's history", async () => {
    const { h, dataDir } = await history();
    await h.record({ component: 'echo', kind: 'grants', by, action: 'grant', after: 'x' });
    put(join(dataDir, 'history', 'echo.jsonl'), lines(h.fileOf('fs-tool')).slice(0, 1));
    const r = await h.verify('echo');
    assert.deepEqual(
      r.problems.map((p) => p.kind),
      ['component', 'head'],
    );
  });

  it('notes a change made outside the history', async () => {
    const { h } = await history();
    await h.record({
      component: 'fs-tool',
      kind: 'grants',
      by,
      action: 'grant',
      before: 'edited by hand\n',
      after: 'grants 9\n',
    });
    const r = await h.verify();
    assert.equal(r.ok, true);
    assert.deepEqual(
      r.notes.map((n) => [n.line, n.kind]),
      [[9, 'untracked-change']],
    );
  });
});
