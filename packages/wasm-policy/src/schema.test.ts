import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { ExtensionRegistry } from './extension.js';
import { policySchema } from './schema.js';
import { fixture, namesExtension, opaqueExtension } from './testing.js';

describe('JSON Schema of the policy', () => {
  const compile = (schema: object) =>
    new Ajv2020({ allErrors: true, strict: false }).compile(schema);

  it('the committed schema file is the generated one', () => {
    const file = JSON.parse(
      readFileSync(new URL('../schema/policy.schema.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(
      file,
      policySchema(),
      'run `npm run schema -w @mcpkit/wasm-policy` after changing schema.ts',
    );
  });

  it('accepts every example policy', () => {
    const validate = compile(policySchema(new ExtensionRegistry([opaqueExtension('mcp')])));
    for (const name of [
      'core-permissions.yaml',
      'minimal.yaml',
      'development.yaml',
      'production.yaml',
      'design-canonical.yaml',
      'wassette-weather.yaml',
      'review-current.yaml',
      'review-ports.yaml',
      'mcp-extensions.yaml',
    ]) {
      assert.equal(
        validate(parse(fixture(name))),
        true,
        `${name}: ${JSON.stringify(validate.errors)}`,
      );
    }
  });

  it('rejects what validation rejects where a schema can say so', () => {
    const validate = compile(policySchema());
    for (const bad of [
      { version: '1.0', netwrok: {} },
      { version: '1.0', storage: { allow: [{ uri: '/abs' }] } },
      { version: '1.0', storage: { allow: [{ uri: 'fs:///a', access: ['execute'] }] } },
      { version: '1.0', network: { allow: [{ host: 'a', cidr: '10.0.0.0/8' }] } },
      { version: '1.0', environment: { allow: [{ key: '1X' }] } },
      { version: '1.0', resources: { limits: { memory: '512mb' } } },
    ]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
    }
  });

  it('includes the schema of each registered extension', () => {
    const schema = policySchema(new ExtensionRegistry([namesExtension('tools')]));
    const props = schema.properties as Record<string, unknown>;
    assert.deepEqual(props.tools, namesExtension('tools').schema);
  });
});
