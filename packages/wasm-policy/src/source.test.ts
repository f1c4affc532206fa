import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseSource } from './source.js';
import { readPolicy } from './validate.js';

describe('parsing text', () => {
  it('refuses a "billion laughs" document quickly instead of expanding it', () => {
    let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 0; i < 9; i++) {
      const prev = i === 0 ? 'a' : `l${i - 1}`;
      text += `l${i}: &l${i} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    }
    const started = Date.now();
    const r = parseSource(text);
    assert.equal(r.tree, undefined);
    assert.equal(r.diagnostics[0]?.code, 'too-many-values');
    assert.ok(Date.now() - started < 2000, 'no exponential expansion');
  });

  it('refuses deep nesting, flow and block', () => {
    assert.equal(
      parseSource(`${'['.repeat(600_000)}${']'.repeat(600_000)}`).diagnostics[0]?.code,
      'document-too-large',
    );
    assert.equal(
      parseSource(`${'['.repeat(100_000)}${']'.repeat(100_000)}`).diagnostics[0]?.code,
      'too-deep',
    );
    const block = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    assert.equal(parseSource(block).diagnostics[0]?.code, 'too-deep');
  });

  it('refuses an alias that contains itself', () => {
    const r = parseSource('a: &x [1, *x]\n');
    assert.equal(r.tree, undefined);
  });

  it('bounds the document size', () => {
    const r = parseSource(`description: "${'x'.repeat(2 * 1024 * 1024)}"`);
    assert.equal(r.diagnostics[0]?.code, 'document-too-large');
    assert.equal(
      parseSource('a: 1', { limits: { maxBytes: 2 } }).diagnostics[0]?.code,
      'document-too-large',
    );
  });

  it('reports syntax errors and duplicate keys with positions', () => {
    const dup = parseSource('a: 1\nb: 2\na: 3\n', { file: 'x.yaml' });
    assert.equal(dup.diagnostics[0]?.code, 'duplicate-key');
    assert.equal(dup.diagnostics[0]?.line, 3);
    assert.equal(dup.diagnostics[0]?.file, 'x.yaml');
    const bad = parseSource('a: [1, 2\nb: }\n');
    assert.ok(bad.diagnostics.length > 0);
    assert.ok(bad.diagnostics.every((d) => d.code === 'syntax' && d.line > 0));
  });

  it('reads JSON with positions', () => {
    const r = readPolicy(
      '{\n  "version": "1.0",\n  "network": {\n    "allow": [{ "host": "a*b.com" }]\n  }\n}\n',
    );
    assert.equal(r.diagnostics[0]?.code, 'host-wildcard');
    assert.equal(r.diagnostics[0]?.line, 4);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        readPolicy(text);
      }),
      { numRuns: 500 },
    );
    const yamlish = fc.array(
      fc.constantFrom(
        'version: "1.0"\n',
        'storage:\n',
        '  allow:\n',
        '    - uri: ',
        '"fs:///a/**"',
        '[',
        ']',
        '{',
        '}',
        '&a ',
        '*a',
        ': ',
        '- ',
        '\n',
        '  ',
        'access: [read]',
        'network: ',
        'host: ',
        '"*.x"',
        '"::1"',
        'cidr: ',
        '%',
        '!!binary ',
        '---\n',
        '? ',
        '|\n',
        '"',
        "'",
        '\t',
        'null',
        '~',
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(yamlish, (parts) => {
        readPolicy(parts.join(''));
      }),
      { numRuns: 2000 },
    );
  });
});
