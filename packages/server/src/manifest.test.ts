import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EMPTY_CATALOG } from './catalog.js';
import {
  embedManifest,
  MANIFEST_SECTION,
  type Manifest,
  manifestFromSections,
} from './manifest.js';
import { example } from './testing.js';

const manifest = (description: string): Manifest => ({
  tools: [{ name: 'echo', description, inputSchema: { type: 'object' } }],
  catalog: EMPTY_CATALOG,
});

describe('tool manifests embedded in a module', () => {
  it('embeds a manifest, replaces it on a second embed, and leaves the code as it was', () => {
    const original = readFileSync(example('echo'));
    const once = embedManifest(original, manifest('first'));
    const twice = embedManifest(once, manifest('second'));
    const m = new WebAssembly.Module(twice as Uint8Array<ArrayBuffer>);
    const sections = WebAssembly.Module.customSections(m, MANIFEST_SECTION);
    assert.equal(sections.length, 1);
    assert.deepEqual(manifestFromSections(sections), { ok: true, manifest: manifest('second') });
    const before = new WebAssembly.Module(original);
    assert.deepEqual(WebAssembly.Module.exports(m), WebAssembly.Module.exports(before));
    assert.deepEqual(WebAssembly.Module.imports(m), WebAssembly.Module.imports(before));
  });

  it('refuses a module whose sections run past its end', () => {
    const original = readFileSync(example('echo'));
    assert.throws(
      () => embedManifest(original.subarray(0, original.length - 10), manifest('x')),
      /past the end/,
    );
  });
});
