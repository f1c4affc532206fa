import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customSections, setCustomSection, withoutCustomSections } from './wasm-binary.js';

// The smallest module: magic and version, no sections.
const EMPTY = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
const bytes = (s: string) => new TextEncoder().encode(s);

describe('custom sections', () => {
  it('are found by name, and removed without touching the others', () => {
    const one = setCustomSection(EMPTY, 'package-docs', bytes('docs'));
    const two = setCustomSection(one, 'other', bytes('kept'));
    assert.deepEqual(
      customSections(two, 'package-docs').map((b) => new TextDecoder().decode(b)),
      ['docs'],
    );
    const stripped = withoutCustomSections(two, 'package-docs');
    assert.deepEqual(customSections(stripped, 'package-docs'), []);
    assert.deepEqual(
      customSections(stripped, 'other').map((b) => new TextDecoder().decode(b)),
      ['kept'],
    );
    assert.ok(WebAssembly.validate(stripped as Uint8Array<ArrayBuffer>));
    assert.equal(withoutCustomSections(EMPTY, 'package-docs'), EMPTY);
  });

  it('a section running past the end is an error, not a guess', () => {
    const cut = setCustomSection(EMPTY, 'x', bytes('abcdef')).subarray(0, 12);
    assert.throws(() => customSections(cut, 'x'), /past the end/);
  });
});
