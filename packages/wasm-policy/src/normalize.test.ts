import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isHostError, normalizeHost } from './host.js';
import { canonicalIp, parseCidr } from './ip.js';
import { normalizePath } from './path.js';

function viaUrl(host: string): string | undefined {
  try {
    const h = new URL(`http://${host}/`).hostname;
    const bare = h.startsWith('[') ? h.slice(1, -1) : h;
    return bare.endsWith('.') ? bare.slice(0, -1) : bare;
  } catch {
    return undefined;
  }
}

describe('host normalisation agrees with the WHATWG URL parser', () => {
  const char = fc.constantFrom(
    'a',
    'B',
    'x',
    'X',
    '0',
    '1',
    '7',
    '9',
    'f',
    '.',
    '-',
    '_',
    '%2e',
    '%41',
    '．',
    '。',
    'ü',
    'Ａ',
    '0x',
    '255',
    '256',
  );
  it('for random names and numbers', () => {
    fc.assert(
      fc.property(
        fc.array(char, { minLength: 1, maxLength: 12 }).map((p) => p.join('')),
        (host) => {
          const ours = normalizeHost(host);
          const theirs = viaUrl(host);
          if (theirs === undefined || theirs === '')
            assert.ok(isHostError(ours), `${host}: URL refuses, we gave ${JSON.stringify(ours)}`);
          else if (!isHostError(ours)) assert.equal(ours, theirs, host);
          else assert.fail(`${host}: URL reads ${theirs}, we refused`);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('for every IPv4 spelling of random addresses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(8, 10, 16),
        (value, parts, radix) => {
          const bytes = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
          const head = bytes.slice(0, parts - 1);
          const tail = bytes.slice(parts - 1).reduce((acc, b) => acc * 256 + b, 0);
          const spell = (n: number) =>
            radix === 16 ? `0x${n.toString(16)}` : radix === 8 ? `0${n.toString(8)}` : String(n);
          const text = [...head, tail].map(spell).join('.');
          assert.equal(normalizeHost(text), viaUrl(text), text);
          assert.equal(canonicalIp(text), viaUrl(text), text);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('path normalisation', () => {
  it('resolves like a careful shell would', () => {
    const cases: Array<[string, string | null]> = [
      ['/', '/'],
      ['/a/b/', '/a/b'],
      ['/a//b', '/a/b'],
      ['/a/./b', '/a/b'],
      ['/a/../b', '/b'],
      ['/a/b/..', '/a'],
      ['/..', null],
      ['/a/../../b', null],
      ['a/b', null],
      ['/a\0', null],
      ['/%2e%2e/x', '/%2e%2e/x'],
      ['/a\\..\\b', '/a\\..\\b'],
      ['/e\u0301', '/\u00e9'],
      [`/${'a'.repeat(5000)}`, null],
    ];
    for (const [input, want] of cases) {
      const got = normalizePath(input);
      if (want === null) assert.equal(typeof got, 'object', input);
      else assert.equal(got, want, input);
    }
  });

  it('is idempotent and never climbs', () => {
    const seg = fc.constantFrom('a', 'b', '.', '..', '', '.a', 'ü', 'e\u0301');
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 8 }), (segs) => {
        const p = normalizePath(`/${segs.join('/')}`);
        if (typeof p !== 'string') return;
        assert.equal(normalizePath(p), p);
        assert.ok(!p.split('/').includes('..') && !p.split('/').includes('.'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('CIDR parsing', () => {
  it('canonicalises and maps IPv4-mapped IPv6 ranges to IPv4', () => {
    const c = parseCidr('::ffff:10.0.0.0/104');
    assert.ok(c.ok && c.cidr.version === 4 && c.cidr.prefix === 8);
    assert.equal(canonicalIp('::FFFF:7F00:1'), '127.0.0.1');
    assert.equal(canonicalIp('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  });
});
