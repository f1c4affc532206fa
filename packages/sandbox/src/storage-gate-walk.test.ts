// The storage gate's path walk against a plain interpreter of the same rules
// (component arrays, one lstat per component, symlink targets spliced in
// front of what is left), on a tree of directories, files and symlinks of
// every kind: relative, absolute, chains, loops, to `.`, to `/`, through `..`.

import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdirSync,
  readlinkSync,
  type Stats,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compilePolicy } from '@mcpkit/wasm-policy';
import fc from 'fast-check';
import { type ResolveResult, type Root, StorageGate } from './storage-gate.js';
import { storagePolicy, tempDir } from './testing.js';

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function join1(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** The walk as specified, written for clarity rather than speed. */
function oracle(
  gate: StorageGate,
  start: string,
  root: Root,
  guestPath: string,
  follow: boolean,
  statFinal: boolean,
): ResolveResult {
  if (guestPath.length === 0) return { ok: false, failure: 'not-found' };
  if (guestPath.length > 4096) return { ok: false, failure: 'too-long' };
  if (guestPath.includes('\0')) return { ok: false, failure: 'invalid' };
  if (guestPath.startsWith('/')) return { ok: false, failure: 'outside' };
  const pending = guestPath.split('/').filter((c) => c !== '' && c !== '.');
  const wantsDir = guestPath.endsWith('/');
  let current = start;
  let confined = true;
  let links = 0;
  let stat: Stats | undefined;
  const quiet = { throwIfNoEntry: false } as const;
  if (pending.length === 0) {
    stat = lstatSync(current, quiet);
    if (!stat) return { ok: false, failure: 'not-found' };
    return { ok: true, value: { real: current, policyPath: gate.policyPath(current), stat } };
  }
  while (pending.length > 0) {
    const name = pending.shift()!;
    const last = pending.length === 0;
    if (name === '..') {
      if (confined && current === root.real) return { ok: false, failure: 'outside' };
      current = parentOf(current);
      if (last) stat = lstatSync(current, quiet);
      continue;
    }
    if (Buffer.byteLength(name) > 255) return { ok: false, failure: 'too-long' };
    const next = join1(current, name);
    if (last && !statFinal && !wantsDir) {
      return {
        ok: true,
        value: { real: next, policyPath: gate.policyPath(next), stat: undefined, unchecked: true },
      };
    }
    const st = lstatSync(next, quiet);
    if (st === undefined) {
      if (!last) return { ok: false, failure: 'not-found' };
      current = next;
      stat = undefined;
      break;
    }
    if (st.isSymbolicLink() && (!last || follow || wantsDir)) {
      if (++links > 40) return { ok: false, failure: 'loop' };
      const target = readlinkSync(next);
      confined = false;
      if (target.startsWith('/')) current = '/';
      pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
      if (pending.length === 0) stat = lstatSync(current, quiet);
      continue;
    }
    if (!last && !st.isDirectory()) return { ok: false, failure: 'not-directory' };
    current = next;
    stat = st;
  }
  if (wantsDir && stat !== undefined && !stat.isDirectory())
    return { ok: false, failure: 'not-directory' };
  return { ok: true, value: { real: current, policyPath: gate.policyPath(current), stat } };
}

/** What a caller can see of a result: which file, under which name, and whether it was looked at. */
function shape(r: ResolveResult): unknown {
  if (!r.ok) return r.failure;
  const { real, policyPath, stat, unchecked } = r.value;
  return { real, policyPath, ino: stat?.ino, unchecked: unchecked === true };
}

describe('the storage gate walk', () => {
  it('resolves every path as the plain interpreter does', () => {
    const t = tempDir();
    const ws = join(t, 'ws');
    mkdirSync(join(ws, 'sub', 'deep'), { recursive: true });
    mkdirSync(join(t, 'outside'));
    writeFileSync(join(ws, 'f.txt'), 'f');
    writeFileSync(join(ws, 'sub', 'g.txt'), 'g');
    writeFileSync(join(t, 'outside', 'secret'), 's');
    symlinkSync('sub', join(ws, 'rel'));
    symlinkSync(join(ws, 'sub'), join(ws, 'abs'));
    symlinkSync('../outside/secret', join(ws, 'up'));
    symlinkSync('rel/deep', join(ws, 'chain'));
    symlinkSync('loopb', join(ws, 'loopa'));
    symlinkSync('loopa', join(ws, 'loopb'));
    symlinkSync('.', join(ws, 'self'));
    symlinkSync('/', join(ws, 'slash'));
    symlinkSync('f.txt', join(ws, 'tofile'));
    symlinkSync('missing', join(ws, 'dangling'));
    symlinkSync('sub/../f.txt', join(ws, 'dotdot'));
    symlinkSync('./sub//deep/', join(ws, 'dotted'));
    const gate = new StorageGate({
      policy: compilePolicy(storagePolicy([[`${ws}/**`, ['read']]])),
      component: 'walk',
    });
    const root = gate.roots.find((r) => r.real === ws)!;
    const component = fc.constantFrom(
      'f.txt',
      'sub',
      'deep',
      'g.txt',
      'rel',
      'abs',
      'up',
      'chain',
      'loopa',
      'self',
      'slash',
      'tofile',
      'dangling',
      'dotdot',
      'dotted',
      'missing',
      'tmp',
      '.',
      '..',
      '',
      'x'.repeat(256),
    );
    const guestPath = fc
      .tuple(fc.array(component, { minLength: 1, maxLength: 6 }), fc.boolean())
      .map(([parts, slash]) => `${parts.join('/')}${slash ? '/' : ''}`);
    fc.assert(
      fc.property(
        guestPath,
        fc.constantFrom(ws, join(ws, 'sub')),
        fc.boolean(),
        fc.boolean(),
        (path, start, follow, statFinal) => {
          assert.deepEqual(
            shape(gate.resolve(start, root, path, follow, statFinal)),
            shape(oracle(gate, start, root, path, follow, statFinal)),
            `${path} from ${start} (follow ${follow}, statFinal ${statFinal})`,
          );
        },
      ),
      { numRuns: 3000 },
    );
    // The refusals before any walk.
    for (const path of ['', '/etc/passwd', 'a\0b', 'a'.repeat(4097)])
      assert.deepEqual(
        shape(gate.resolve(ws, root, path, false)),
        shape(oracle(gate, ws, root, path, false, true)),
      );
  });
});
