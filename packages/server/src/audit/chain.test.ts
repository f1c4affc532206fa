import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GENESIS, isLineProblem, LineMac, openLine, sealLine, sha256 } from './chain.js';

describe('LineMac', () => {
  it('is HMAC-SHA256 of the hash bytes, for short, block-sized and long keys', () => {
    for (const size of [16, 32, 64, 65, 200]) {
      const key = randomBytes(size);
      const mac = new LineMac(key);
      for (let i = 0; i < 20; i++) {
        const h = sha256(`record ${i}`);
        const want = createHmac('sha256', key).update(Buffer.from(h, 'hex')).digest('hex');
        assert.equal(mac.of(h), want, `key of ${size} bytes`);
        assert.ok(mac.matches(h, want));
        assert.ok(
          !mac.matches(
            h,
            want.replace(/^./, (c) => (c === '0' ? '1' : '0')),
          ),
        );
      }
    }
  });
});

describe('sealed lines', () => {
  it('read back intact with their links', () => {
    const mac = new LineMac(randomBytes(32));
    const { line, hash, hmac } = sealLine({ seq: 1, action: 'start' }, GENESIS, mac);
    const r = openLine(line);
    assert.ok(!isLineProblem(r));
    assert.equal(r.intact, true);
    assert.equal(r.hash, hash);
    assert.equal(r.hmac, hmac);
    assert.equal(r.prev, GENESIS);
    assert.deepEqual(r.fields.action, 'start');
  });

  it('show any change to their text, even one JSON does not see', () => {
    const { line } = sealLine({ seq: 7, target: 'a' }, GENESIS);
    const spaced = line.replace('"seq":7', '"seq": 7');
    const r = openLine(spaced);
    assert.ok(!isLineProblem(r) && r.intact === false);
    const moved = openLine(
      line.replace(`,"prev":"${GENESIS}"`, '').replace('{', `{"prev":"${GENESIS}",`),
    );
    assert.ok(isLineProblem(moved) || moved.intact === false);
  });

  it('tell text that is not a record from a changed record', () => {
    assert.equal((openLine('{"seq":1') as { kind: string }).kind, 'not-json');
    assert.equal((openLine('[1,2]') as { kind: string }).kind, 'not-record');
    assert.equal((openLine('{"seq":1}') as { kind: string }).kind, 'not-record');
  });

  it('round-trip any fields, and any one changed character breaks them', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue(), { minKeys: 1 }),
        fc.nat(),
        fc.integer({ min: 32, max: 126 }),
        (fields, at, code) => {
          const { line, hash } = sealLine(fields, GENESIS);
          const r = openLine(line);
          assert.ok(!isLineProblem(r) && r.intact && r.hash === hash);
          const i = at % line.length;
          if (line.charCodeAt(i) === code) return;
          const changed = line.slice(0, i) + String.fromCharCode(code) + line.slice(i + 1);
          const c = openLine(changed);
          assert.ok(isLineProblem(c) || !c.intact || c.hash !== hash);
        },
      ),
      { numRuns: 300 },
    );
  });
});
