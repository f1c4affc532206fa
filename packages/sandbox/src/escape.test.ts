// The escape corpus: each case is a hostile guest trying to reach a file its
// policy does not grant. A case fails if the guest gets through.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ESCAPE_SECRET, escapeTree } from './escape-corpus.js';
import type { Sandbox } from './sandbox.js';
import { guest, run, sandboxFor, storagePolicy } from './testing.js';
import type { Violation } from './violation.js';

const SECRET = ESCAPE_SECRET;

/** The shared escape tree, plus a directory no rule names and a symlink that stays inside. */
function tree() {
  const c = escapeTree();
  mkdirSync(join(c.root, 'database'));
  writeFileSync(join(c.root, 'database', 'x'), SECRET);
  symlinkSync('a.txt', join(c.sandbox, 'inside-link'));
  return { t: c.root, sb: c.sandbox, out: c.outside, ro: c.readonly };
}

for (const name of ['fsops-c', 'fsops-go'] as const) {
  describe(`escape corpus (${name})`, () => {
    let t: ReturnType<typeof tree>;
    let box: Sandbox;
    const violations: Violation[] = [];

    before(async () => {
      t = tree();
      box = await sandboxFor(
        guest(name),
        storagePolicy([
          [`${t.sb}/**`, ['read', 'write']],
          [`${t.ro}/**`, ['read']],
          [`${t.t}/data/**`, ['read']],
        ]),
        { onViolation: (v) => violations.push(v) },
      );
    });

    /** The guest must fail and must not have seen the secret. */
    async function refused(args: string[]) {
      const r = await run(box, args);
      assert.notEqual(
        r.code,
        0,
        `the guest got through: ${args.join(' ')} -> ${JSON.stringify(r.out)}`,
      );
      assert.ok(!r.out.includes(SECRET) && !r.err.includes(SECRET), 'the secret leaked');
      assert.match(r.err, /^error: /);
      return r;
    }

    const p = (...parts: string[]) => join(...parts);

    it('`..` chains out of the preopen', async () => {
      await refused(['cat', `${t.sb}/../outside/secret.txt`]);
      await refused(['cat', `${t.sb}/sub/../../outside/secret.txt`]);
      await refused(['cat', `${t.sb}/sub/../sub/../../outside/secret.txt`]);
      await refused(['cat', `${t.sb}/../../../../../../../../etc/passwd`]);
      await refused(['ls', `${t.sb}/..`]);
      await refused(['write', `${t.sb}/../outside/new.txt`, 'x']);
      assert.equal(existsSync(p(t.out, 'new.txt')), false);
    });

    it('absolute paths outside every preopen', async () => {
      await refused(['cat', p(t.out, 'secret.txt')]);
      await refused(['cat', '/etc/passwd']);
      await refused(['cat', '/proc/self/environ']);
      await refused(['stat', p(t.out, 'secret.txt')]);
      await refused(['ls', '/']);
      await refused(['cat', p(t.t, 'database', 'x')]);
    });

    it('symlinks: absolute, relative, chained, to directories, loops, to /etc', async () => {
      await refused(['cat', p(t.sb, 'abs-link')]);
      await refused(['cat', p(t.sb, 'rel-link')]);
      await refused(['cat', p(t.sb, 'chain1', 'secret.txt')]);
      await refused(['cat', p(t.sb, 'dir-link', 'secret.txt')]);
      await refused(['ls', p(t.sb, 'dir-link')]);
      await refused(['cat', p(t.sb, 'dotdot-link')]);
      await refused(['cat', p(t.sb, 'etc-link', 'passwd')]);
      const loop = await refused(['cat', p(t.sb, 'loop1')]);
      assert.match(loop.err, /ELOOP|ENOENT|EACCES/);
      await refused(['write', p(t.sb, 'abs-link'), 'overwrite']);
      assert.equal(readFileSync(p(t.out, 'secret.txt'), 'utf8'), SECRET);
    });

    it('a symlink that stays inside works', async () => {
      const r = await run(box, ['cat', p(t.sb, 'inside-link')]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, 'inside');
    });

    it('a symlink into a read-only grant reads but does not write', async () => {
      const r = await run(box, ['cat', p(t.sb, 'ro-link')]);
      assert.equal(r.out, 'read only');
      await refused(['write', p(t.sb, 'ro-link'), 'changed']);
      assert.equal(readFileSync(p(t.ro, 'ro.txt'), 'utf8'), 'read only');
    });

    it('symlinks created by the guest cannot point out', async () => {
      await refused(['symlink', p(t.out, 'secret.txt'), p(t.sb, 'planted')]);
      await refused(['symlink', '../outside/secret.txt', p(t.sb, 'planted2')]);
      await refused(['symlink', '/etc/passwd', p(t.sb, 'planted3')]);
      for (const f of ['planted', 'planted2', 'planted3'])
        assert.equal(existsSync(p(t.sb, f)), false);
      const ok = await run(box, ['symlink', 'a.txt', p(t.sb, 'own-link')]);
      assert.equal(ok.code, 0, ok.err);
      assert.equal((await run(box, ['cat', p(t.sb, 'own-link')])).out, 'inside');
    });

    it('hard links cannot bring a file in', async () => {
      await refused(['link', p(t.out, 'secret.txt'), p(t.sb, 'hl')]);
      await refused(['link', '/etc/passwd', p(t.sb, 'hl2')]);
      await refused(['link', p(t.ro, 'ro.txt'), p(t.sb, 'hl3')]);
      await refused(['link', p(t.sb, 'abs-link'), p(t.sb, 'hl4')]);
      for (const f of ['hl', 'hl2', 'hl3']) assert.equal(existsSync(p(t.sb, f)), false);
    });

    it('rename out of and into the sandbox', async () => {
      await refused(['mv', p(t.sb, 'a.txt'), p(t.out, 'stolen.txt')]);
      assert.equal(existsSync(p(t.sb, 'a.txt')), true);
      await refused(['mv', p(t.out, 'secret.txt'), p(t.sb, 'got.txt')]);
      await refused(['mv', p(t.sb, 'a.txt'), p(t.ro, 'moved.txt')]);
      await refused(['mv', p(t.ro, 'ro.txt'), p(t.sb, 'moved.txt')]);
      assert.equal(existsSync(p(t.out, 'secret.txt')), true);
      assert.equal(existsSync(p(t.ro, 'ro.txt')), true);
    });

    it('changes outside: mkdir, rm, rmdir, truncate, write to a read-only grant', async () => {
      await refused(['mkdir', p(t.out, 'd')]);
      await refused(['rm', p(t.out, 'secret.txt')]);
      await refused(['rmdir', t.out]);
      await refused(['truncate', p(t.out, 'secret.txt'), '0']);
      await refused(['write', p(t.ro, 'ro.txt'), 'x']);
      await refused(['rm', p(t.ro, 'ro.txt')]);
      assert.equal(readFileSync(p(t.out, 'secret.txt'), 'utf8'), SECRET);
      assert.equal(readFileSync(p(t.ro, 'ro.txt'), 'utf8'), 'read only');
    });

    it('dotfiles stay hidden from `**`, also in listings', async () => {
      await refused(['cat', p(t.sb, '.env')]);
      const ls = await run(box, ['ls', t.sb]);
      assert.equal(ls.code, 0);
      assert.doesNotMatch(ls.out, /\.env/);
    });

    it('a descriptor never opened, and writing through a read-only one', async () => {
      const r = await run(box, ['fdwrite', '99', 'x']);
      assert.notEqual(r.code, 0);
      assert.match(r.err, /EBADF/);
      const ro = await run(box, ['rofd-write', p(t.sb, 'a.txt')]);
      assert.match(ro.out, /write-refused/);
      const tr = await run(box, ['rofd-truncate', p(t.sb, 'a.txt')]);
      assert.match(tr.out + tr.err, /truncate-refused|EACCES|EBADF/);
      assert.equal(readFileSync(p(t.sb, 'a.txt'), 'utf8'), 'inside');
    });

    it('very long paths are refused without harm', async () => {
      await refused(['cat', `${t.sb}/${'a/'.repeat(3000)}x`]);
      await refused(['cat', `${t.sb}/${'x'.repeat(300)}`]);
    });

    it('reports violations for denied attempts', () => {
      const storage = violations.filter((v) => v.capability === 'storage');
      assert.ok(storage.length > 10);
      for (const v of storage) {
        assert.equal(v.component, 'test');
        assert.ok(v.target.length > 0 && v.reason.length > 0 && v.time.length > 0);
      }
      assert.ok(storage.some((v) => v.target.includes('secret.txt')));
    });

    after(() => {
      assert.equal(readFileSync(p(t.out, 'secret.txt'), 'utf8'), SECRET, 'the secret is untouched');
    });
  });
}

describe('pseudo file systems', () => {
  it('a policy granting all of / still does not reach /proc/self/environ', async () => {
    const box = await sandboxFor(guest('fsops-c'), storagePolicy([['/**', ['read']]]));
    const r = await run(box, ['cat', '/proc/self/environ']);
    assert.notEqual(r.code, 0);
    assert.equal(r.out, '');
    const mem = await run(box, ['cat', '/proc/self/mem']);
    assert.notEqual(mem.code, 0);
  });
});
