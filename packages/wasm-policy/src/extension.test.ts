import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy } from './compile.js';
import { DuplicateExtensionError, InvalidExtensionError, InvalidPolicyError } from './errors.js';
import { defineExtension, ExtensionRegistry } from './extension.js';
import { serializePolicy } from './serialize.js';
import { namesExtension } from './testing.js';
import { readPolicy } from './validate.js';

describe('policy extensions', () => {
  it('parse, validate with positions, and compile a registered section', () => {
    const registry = new ExtensionRegistry([namesExtension('graphql')]);
    const r = readPolicy(
      'version: "1.0"\ngraphql:\n  allow: [getUser, listUsers]\n  deny: [dropTable]\n',
      { registry },
    );
    assert.deepEqual(r.diagnostics, []);
    const policy = compilePolicy(r.document!, { registry });
    const allowed = policy.extension<(n: string) => boolean>('graphql')!;
    assert.equal(allowed('getUser'), true);
    assert.equal(allowed('dropTable'), false);
    assert.equal(allowed('other'), false);
  });

  it('reports problems inside an extension section through the same diagnostics', () => {
    const registry = new ExtensionRegistry([namesExtension('graphql')]);
    const r = readPolicy('version: "1.0"\ngraphql:\n  allow: [getUser]\n  alow: [x]\n  deny: 5\n', {
      registry,
      file: 'g.yaml',
    });
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.line, d.pointer]),
      [
        ['unknown-key', 4, '/graphql/alow'],
        ['type', 5, '/graphql/deny'],
      ],
    );
    assert.equal(r.diagnostics[0]!.help, 'did you mean `allow`?');
  });

  it('works in the Wassette form too', () => {
    const registry = new ExtensionRegistry([namesExtension('graphql')]);
    const r = readPolicy('version: "1.0"\npermissions:\n  graphql:\n    allow: [a]\n', {
      registry,
    });
    assert.deepEqual(r.document!.extensions, { graphql: { allow: ['a'], deny: [] } });
    assert.deepEqual(serializePolicy(r.document!, registry).graphql, { allow: ['a'], deny: [] });
  });

  it('refuses a duplicate id with a typed error', () => {
    const registry = new ExtensionRegistry([namesExtension('graphql')]);
    assert.throws(
      () => registry.register(namesExtension('graphql')),
      (e: unknown) =>
        e instanceof DuplicateExtensionError &&
        e.code === 'duplicate-extension' &&
        e.extensionId === 'graphql',
    );
  });

  it('refuses reserved and malformed ids and incomplete extensions', () => {
    const registry = new ExtensionRegistry();
    for (const id of ['storage', 'network', 'version', 'permissions', 'Bad', '', '1x']) {
      assert.throws(() => registry.register(namesExtension(id)), InvalidExtensionError, id);
    }
    const incomplete = { id: 'half', parse: () => ({}) } as unknown as Parameters<
      typeof registry.register
    >[0];
    assert.throws(() => registry.register(incomplete), /no `compile` function/);
  });

  it('an extension parser that throws becomes a diagnostic, not an exception', () => {
    const registry = new ExtensionRegistry([
      defineExtension({
        id: 'broken',
        parse: () => {
          throw new Error('boom');
        },
        compile: () => null,
        merge: (a) => a,
        serialize: (s) => s,
      }),
    ]);
    const r = readPolicy('version: "1.0"\nbroken: {}\n', { registry });
    assert.equal(r.document, undefined);
    assert.equal(r.diagnostics[0]?.code, 'internal');
  });

  it('compiling a section whose extension is not registered is refused', () => {
    const registry = new ExtensionRegistry([namesExtension('graphql')]);
    const doc = readPolicy('version: "1.0"\ngraphql:\n  allow: [a]\n', { registry }).document!;
    assert.throws(() => compilePolicy(doc), InvalidPolicyError);
  });
});
