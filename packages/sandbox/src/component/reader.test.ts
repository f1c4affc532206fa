import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ComponentFormatError, readComponentInterface } from './reader.js';
import { usesResource, type WitFunction, witTypeText } from './wit-types.js';

const example = (name: string) =>
  readFileSync(new URL(`../../../../examples/components/${name}/${name}.wasm`, import.meta.url));

const signature = (f: WitFunction) =>
  `${f.name}(${f.params.map((p) => `${p.name}: ${witTypeText(p.type)}`).join(', ')})${
    f.result ? ` -> ${witTypeText(f.result)}` : ''
  }`;

describe('reading a component interface', () => {
  it('reads every WIT type an interface can export', () => {
    const c = readComponentInterface(example('wit-types-js'));
    assert.deepEqual(c.functions, []);
    assert.equal(c.interfaces.length, 1);
    const types = c.interfaces[0]!;
    assert.equal(types.name, 'mcpkit-examples:wit-types/types@0.1.0');
    assert.deepEqual([...types.types.keys()], ['point', 'shape', 'color', 'perms', 'counter']);
    const sig = new Map(types.functions.map((f) => [f.name, signature(f)]));
    assert.equal(sig.get('echo-u64'), 'echo-u64(v: u64) -> u64');
    assert.equal(
      sig.get('echo-tuple'),
      'echo-tuple(v: tuple<string, u32, bool>) -> tuple<string, u32, bool>',
    );
    assert.equal(
      sig.get('echo-option-option-u8'),
      'echo-option-option-u8(v: option<option<u8>>) -> option<option<u8>>',
    );
    assert.equal(
      sig.get('echo-result-unit'),
      'echo-result-unit(v: result<_, string>) -> result<_, string>',
    );
    assert.equal(sig.get('describe'), 'describe(p: point, c: color) -> string');
    assert.equal(sig.get('ping'), 'ping()');

    const point = types.types.get('point')!;
    assert.deepEqual(point, {
      name: 'point',
      kind: 'record',
      fields: [
        { name: 'x', type: { kind: 's32' } },
        { name: 'y', type: { kind: 's32' } },
        { name: 'label', type: { kind: 'option', type: { kind: 'string' } } },
      ],
    });
    const shape = types.types.get('shape')!;
    assert.equal(shape.kind, 'variant');
    assert.deepEqual(
      shape.kind === 'variant' && shape.cases.map((x) => [x.name, x.type && witTypeText(x.type)]),
      [
        ['circle', 'f64'],
        ['rect', 'point'],
        ['none', undefined],
      ],
    );
    assert.deepEqual(types.types.get('color'), {
      name: 'color',
      kind: 'enum',
      names: ['red', 'green', 'blue'],
    });
    assert.deepEqual(types.types.get('perms'), {
      name: 'perms',
      kind: 'flags',
      names: ['read', 'write', 'exec'],
    });

    // Resources: constructors and methods are listed under their WIT names,
    // and any function that passes a handle is marked as such.
    const useCounter = types.functions.find((f) => f.name === 'use-counter')!;
    assert.ok(usesResource(useCounter.params[0]!.type));
    assert.ok(types.functions.some((f) => f.name === '[constructor]counter'));
    assert.ok(
      !usesResource(types.functions.find((f) => f.name === 'echo-points')!.params[0]!.type),
    );
  });

  it('reads functions a world exports directly, and what it imports', () => {
    const c = readComponentInterface(example('compose-js'));
    assert.deepEqual(c.functions.map(signature), [
      'sum-and-hash(text: string) -> result<string, string>',
      'call(name: string, args: string) -> result<string, string>',
    ]);
    assert.ok(
      c.imports.some((i) => i.startsWith('mcpkit:host/')),
      c.imports.join(', '),
    );
  });

  it('lists the WASI interfaces a component imports', () => {
    const c = readComponentInterface(example('files-js'));
    assert.ok(
      c.imports.some((i) => i.startsWith('wasi:filesystem/types@0.2')),
      c.imports.join(', '),
    );
    assert.deepEqual(
      c.interfaces.map((i) => i.name),
      ['mcpkit-examples:files/files@0.1.0'],
    );
  });

  it('rejects bytes that are not a well-formed component', () => {
    assert.throws(
      () => readComponentInterface(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])),
      ComponentFormatError,
    );
    const bytes = example('time-js');
    assert.throws(
      () => readComponentInterface(bytes.subarray(0, bytes.length >> 1)),
      ComponentFormatError,
    );
    const garbled = Uint8Array.from(bytes);
    // Garble the first section's contents after its id and size.
    garbled.fill(0xff, 10, 40);
    assert.throws(() => readComponentInterface(garbled), ComponentFormatError);
  });
});
