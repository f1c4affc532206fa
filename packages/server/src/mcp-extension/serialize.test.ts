import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializePolicy, treeFromValue, validatePolicy } from '@mcpkit/wasm-policy';
import { stringify } from 'yaml';
import { mcpExtension } from './extension.js';
import type { McpSection } from './model.js';
import { policy, policyFixture, read, registry } from './testing.js';

const FULL = policy(
  'tools:',
  '  allow:',
  '    - name: "calculator/*"',
  '      max_calls_per_minute: 100',
  '    - name: file_reader',
  '      parameters:',
  '        path: { pattern: "/data//**/" }',
  '        mode: { enum: [fast, slow, 1, true, null] }',
  '        query: { max_length: 200 }',
  '        limit: { minimum: 1, maximum: 100 }',
  '        "__proto__": "x*"',
  '    - name: legacy',
  '      parameters: { path_pattern: "/data/**" }',
  '  deny: [{ name: "system_*" }]',
  'prompts:',
  '  allow: [{ name: greeting, max_length: 1000 }]',
  '  deny: [{ name: secret }]',
  'resources:',
  '  allow: [{ uri: "file:///workspace/**", operations: [read, list] }, { uri: "db:*" }]',
  '  deny: [{ uri: "file:///workspace/.git/**", operations: subscribe }]',
  'transport:',
  '  stdio: false',
  '  http: { allowed_hosts: [localhost, "*.example.com"], allowed_origins: ["https://app.example.com"] }',
  '  websocket: false',
);

/** The section without source positions. */
function bare(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (k, v) => (k === 'at' ? undefined : v)));
}

function reparse(data: unknown): McpSection {
  const r = validatePolicy(treeFromValue({ version: '1.0', mcp: data }), { registry: registry() });
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return r.document!.extensions.mcp as McpSection;
}

describe('serialize', () => {
  it('writes the document form, the shorthand in its long form', () => {
    const s = read(FULL).document!.extensions.mcp as McpSection;
    const out = mcpExtension.serialize(s) as Record<string, Record<string, unknown[]>>;
    assert.deepEqual(out.tools!.allow![2], {
      name: 'legacy',
      parameters: { path: { pattern: '/data/**' } },
    });
    const fileReader = out.tools!.allow![1] as { parameters: Record<string, unknown> };
    assert.deepEqual(fileReader.parameters.path, { pattern: '/data/**' });
    assert.ok(Object.hasOwn(fileReader.parameters, '__proto__'));
  });

  it('round-trips through parse', () => {
    for (const text of [
      FULL,
      policyFixture('mcp-extensions.yaml'),
      policyFixture('design-canonical.yaml'),
      'version: "1.0"\nmcp:\n',
      policy('tools:', 'prompts: { allow: [] }', 'transport: { http: true }'),
    ]) {
      const s = read(text).document!.extensions.mcp as McpSection;
      const once = mcpExtension.serialize(s);
      const back = reparse(once);
      assert.deepEqual(bare(back), bare(s));
      assert.deepEqual(mcpExtension.serialize(back), once);
    }
  });

  it('round-trips a whole policy through YAML text', () => {
    const doc = read(FULL).document!;
    const text = stringify(serializePolicy(doc, registry()));
    const again = read(text);
    assert.deepEqual(
      again.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.deepEqual(
      serializePolicy(again.document!, registry()),
      serializePolicy(doc, registry()),
    );
  });
});
