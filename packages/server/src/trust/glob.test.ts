// Identity and source globs: a table of what must and must not match, and a
// property check against a slow reference matcher.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globMatches } from './glob.js';

const identityTable: Array<[string, string, boolean]> = [
  ['release@example.com', 'release@example.com', true],
  ['release@example.com', 'Release@example.com', false],
  ['release@example.com', 'release@example.com.attacker', false],
  ['*@example.com', 'alice@example.com', true],
  ['*@example.com', 'evil@example.com.attacker', false],
  ['*@example.com', 'evil@attacker.com@example.com', false],
  ['*@example.com', 'a/b@example.com', false],
  ['*@*.example.com', 'a@build.example.com', true],
  ['*@*.example.com', 'a@build.example.com.attacker', false],
  ['*@*.example.com', 'a@example.com', false],
  ['release.*@example.com', 'release.x@example.com', true],
  [
    'https://github.com/acme/*/.github/workflows/release.yml@refs/heads/main',
    'https://github.com/acme/tools/.github/workflows/release.yml@refs/heads/main',
    true,
  ],
  [
    'https://github.com/acme/*/.github/workflows/release.yml@refs/heads/main',
    'https://github.com/acme/tools/x/.github/workflows/release.yml@refs/heads/main',
    false,
  ],
  [
    'https://github.com/acme/**',
    'https://github.com/acme/a/b/.github/workflows/x.yml@refs/heads/main',
    false,
  ],
  [
    'https://github.com/acme/**@refs/tags/*',
    'https://github.com/acme/a/b/w.yml@refs/tags/v1',
    true,
  ],
  ['https://github.com/acme/**', 'https://github.com/acme-evil/x', false],
  [
    'https://token.actions.githubusercontent.com',
    'https://token.actions.githubusercontent.com',
    true,
  ],
  [
    'https://token.actions.githubusercontent.com',
    'https://token.actions.githubusercontentXcom',
    false,
  ],
  ['https://accounts.example.?om', 'https://accounts.example.com', true],
  ['\\*@example.com', '*@example.com', true],
  ['\\*@example.com', 'a@example.com', false],
];

const sourceTable: Array<[string, string, boolean]> = [
  ['oci://ghcr.io/acme/**', 'oci://ghcr.io/acme/time@sha256:ab', true],
  ['oci://ghcr.io/acme/**', 'oci://ghcr.io/acme-evil/time', false],
  ['oci://ghcr.io/acme/*', 'oci://ghcr.io/acme/a/b', false],
  ['oci://127.0.0.1:*/tools/*', 'oci://127.0.0.1:5000/tools/time:1', true],
  ['oci://127.0.0.1:*/tools/*', 'oci://127.0.0.1.evil:5000/tools/time', false],
  ['https://tools.example.com/**', 'https://tools.example.com.evil/x', false],
  ['file:///srv/tools/**', 'file:///srv/tools/a/b.wasm', true],
  ['file:///srv/tools/**', 'file:///srv/toolsx/b.wasm', false],
];

describe('identity globs', () => {
  for (const [g, t, want] of identityTable) {
    it(`${g} ${want ? 'matches' : 'does not match'} ${t}`, () => {
      assert.equal(globMatches(g, t, 'identity'), want);
    });
  }
});

describe('source globs', () => {
  for (const [g, t, want] of sourceTable) {
    it(`${g} ${want ? 'matches' : 'does not match'} ${t}`, () => {
      assert.equal(globMatches(g, t, 'source'), want);
    });
  }
});

// A slow reference: backtracking over the pattern, written from the rules.
function reference(p: string, t: string, stop: string, manyStop = '@'): boolean {
  if (p.length === 0) return t.length === 0;
  if (p.startsWith('**')) {
    const rest = p.replace(/^\*+/, '');
    for (let i = 0; i <= t.length; i++) {
      if (reference(rest, t.slice(i), stop, manyStop)) return true;
      if (i < t.length && manyStop.includes(t[i] as string)) return false;
    }
    return false;
  }
  if (p[0] === '*') {
    for (let i = 0; i <= t.length; i++) {
      if (reference(p.slice(1), t.slice(i), stop, manyStop)) return true;
      if (i < t.length && stop.includes(t[i] as string)) return false;
    }
    return false;
  }
  if (t.length === 0) return false;
  if (p[0] === '?')
    return !stop.includes(t[0] as string) && reference(p.slice(1), t.slice(1), stop, manyStop);
  return p[0] === t[0] && reference(p.slice(1), t.slice(1), stop, manyStop);
}

describe('globs against a reference matcher', () => {
  it('agree on random patterns and texts over a small alphabet', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alpha = ['a', 'b', '.', '@', '/'];
    const palpha = [...alpha, '*', '**', '?'];
    for (let k = 0; k < 3000; k++) {
      const p = Array.from({ length: 1 + rnd(6) }, () => palpha[rnd(palpha.length)]).join('');
      const t = Array.from({ length: rnd(8) }, () => alpha[rnd(alpha.length)]).join('');
      assert.equal(globMatches(p, t, 'identity'), reference(p, t, '/@'), `${p} ~ ${t}`);
      assert.equal(globMatches(p, t, 'source'), reference(p, t, '/', ''), `source ${p} ~ ${t}`);
    }
  });
});
