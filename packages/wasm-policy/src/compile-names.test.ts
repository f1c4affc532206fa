import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NameMatcher, nameGlobMatches } from './compile-names.js';

const at = { pointer: '', line: 0, column: 0 };
const rules = (names: string[]) => names.map((name) => ({ name, at }));

describe('name matcher', () => {
  it('decides exact names, globs, and deny over allow', () => {
    const m = new NameMatcher('mcp.tools', {
      allow: rules(['calculator/*', 'file_reader', '*_v2', 'a?c', 'x*y*z']),
      deny: rules(['system_*', 'calculator/danger']),
    });
    const allowed = (n: string) => m.decide(n).allowed;
    assert.equal(allowed('file_reader'), true);
    assert.equal(allowed('file_reader2'), false);
    assert.equal(allowed('calculator/add'), true);
    assert.equal(allowed('calculator/'), true);
    assert.equal(allowed('calculator/danger'), false);
    assert.equal(allowed('calculator'), false);
    assert.equal(allowed('tool_v2'), true);
    assert.equal(allowed('abc'), true);
    assert.equal(allowed('abbc'), false);
    assert.equal(allowed('x-y-z'), true);
    assert.equal(allowed('system_v2'), false, 'deny overrides allow');
    const d = m.decide('calculator/add');
    assert.equal(d.rule?.text, 'calculator/*');
    assert.match(m.decide('nope').reason, /mcp\.tools\.allow/);
  });

  it('treats regular-expression characters in names literally', () => {
    const m = new NameMatcher('t', { allow: rules(['a.b', 'c+*', '(x)?', 'lit\\*']), deny: [] });
    assert.equal(m.decide('a.b').allowed, true);
    assert.equal(m.decide('axb').allowed, false);
    assert.equal(m.decide('c+d').allowed, true);
    assert.equal(m.decide('(x)!').allowed, true);
    assert.equal(m.decide('lit*').allowed, true);
    assert.equal(m.decide('litx').allowed, false);
  });

  it('agrees with the plain interpreter', () => {
    const part = fc.constantFrom('a', 'b', 'ab', '_', '/', '.', '*', '?', 'calc');
    const glob = fc.array(part, { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
    const name = fc
      .array(fc.constantFrom('a', 'b', '_', '/', '.', 'calc', 'x'), { maxLength: 5 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(
        fc.array(glob, { maxLength: 8 }),
        fc.array(glob, { maxLength: 3 }),
        fc.array(name, { minLength: 1 }),
        (allow, deny, names) => {
          const m = new NameMatcher('t', { allow: rules(allow), deny: rules(deny) });
          for (const n of names) {
            const denied = deny.some((g) => nameGlobMatches(g, n));
            const want = !denied && allow.some((g) => nameGlobMatches(g, n));
            const got = m.decide(n);
            assert.equal(
              got.allowed,
              want,
              `${n} against allow ${JSON.stringify(allow)} deny ${JSON.stringify(deny)}`,
            );
            if (got.rule) assert.ok(nameGlobMatches(got.rule.text, n));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
