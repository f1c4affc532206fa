import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compilePolicy } from '@mcpkit/wasm-policy';
import { StorageGate } from './storage-gate.js';
import { guest, run, sandboxFor, storagePolicy, tempDir } from './testing.js';

describe('the storage gate', () => {
  it('preopens the rules that exist, and / last', () => {
    const t = tempDir();
    mkdirSync(join(t, 'a'));
    writeFileSync(join(t, 'a', 'f.txt'), 'x');
    const p = compilePolicy(
      storagePolicy([
        [`${t}/a/**`, ['read']],
        [`${t}/a/f.txt`, ['read']],
        [`${t}/missing/**`, ['read']],
      ]),
    );
    const roots = StorageGate.rootsOf(p).map((r) => r.guestPath);
    assert.deepEqual(roots, [join(t, 'a'), '/']);
  });

  it('maps real paths back to the paths the policy names', () => {
    const t = tempDir();
    mkdirSync(join(t, 'real'));
    symlinkSync(join(t, 'real'), join(t, 'named'));
    const gate = new StorageGate({
      policy: compilePolicy(storagePolicy([[`${join(t, 'named')}/**`, ['read']]])),
      component: 'c',
    });
    assert.equal(gate.policyPath(join(t, 'real', 'x.txt')), join(t, 'named', 'x.txt'));
    assert.equal(gate.policyPath('/etc/passwd'), '/etc/passwd');
    assert.equal(gate.policyPath(join(t, 'realx')), join(t, 'realx'));
  });

  it('a policy that names a directory through a host symlink works through it', async () => {
    const t = tempDir();
    mkdirSync(join(t, 'real'));
    writeFileSync(join(t, 'real', 'note.txt'), 'through the link');
    symlinkSync(join(t, 'real'), join(t, 'named'));
    const box = await sandboxFor(
      guest('fsops-c'),
      storagePolicy([[`${join(t, 'named')}/**`, ['read']]]),
    );
    const r = await run(box, ['cat', join(t, 'named', 'note.txt')]);
    assert.equal(r.out, 'through the link');
    // The same directory by its real name is the directory the policy granted.
    assert.equal((await run(box, ['cat', join(t, 'real', 'note.txt')])).out, 'through the link');
    writeFileSync(join(t, 'other.txt'), 'not granted');
    assert.notEqual((await run(box, ['cat', join(t, 'other.txt')])).code, 0);
  });
});
