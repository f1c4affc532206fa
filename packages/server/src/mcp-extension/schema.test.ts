import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policySchema } from '@mcpkit/wasm-policy';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { policyFixture, registry } from './testing.js';

describe('JSON Schema of the mcp section', () => {
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
    policySchema(registry()),
  );

  it('accepts the example policies', () => {
    for (const name of [
      'mcp-extensions.yaml',
      'design-canonical.yaml',
      'development.yaml',
      'production.yaml',
    ]) {
      assert.equal(
        validate(parse(policyFixture(name))),
        true,
        `${name}: ${JSON.stringify(validate.errors)}`,
      );
    }
  });

  it('accepts every form the parser reads', () => {
    const ok = {
      version: '1.0',
      mcp: {
        tools: {
          allow: [
            {
              name: 'f',
              max_calls_per_minute: 3,
              parameters: {
                path: { pattern: '/data/**' },
                mode: { enum: ['a', 1, true, null] },
                n: { minimum: 1, maximum: 2 },
                q: { max_length: 0 },
                dir: '/srv/*',
                path_pattern: '/x/**',
              },
            },
          ],
          deny: [{ name: 'x' }],
        },
        prompts: { allow: [{ name: 'p', max_length: 10 }], deny: null },
        resources: {
          allow: [
            { uri: 'a:*', operations: 'read' },
            { uri: 'b:*', operations: ['list'] },
          ],
        },
        transport: { stdio: true, http: { allowed_hosts: 'localhost' }, websocket: false },
      },
    };
    assert.equal(validate(ok), true, JSON.stringify(validate.errors));
    assert.equal(validate({ mcp: { transport: { http: false } } }), true);
  });

  it('rejects what the parser rejects where a schema can say so', () => {
    for (const bad of [
      { mcp: { tols: {} } },
      { mcp: { tools: { allow: [{ name: 'a', max_calls_per_minute: 0 }] } } },
      { mcp: { tools: { allow: [{ max_calls_per_minute: 3 }] } } },
      { mcp: { tools: { deny: [{ name: 'a', max_calls_per_minute: 3 }] } } },
      { mcp: { tools: { allow: [{ name: 'a', parameters: { p: { patern: 'x' } } }] } } },
      { mcp: { resources: { allow: [{ uri: 'a', operations: ['write'] }] } } },
      { mcp: { transport: { http: { allowed_hosts: [1] } } } },
    ]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
    }
  });
});
