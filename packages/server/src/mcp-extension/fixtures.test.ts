import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy } from '@mcpkit/wasm-policy';
import type { CompiledMcp } from './compiled.js';
import { policyFixture, read, registry } from './testing.js';

const FIXTURES = [
  'mcp-extensions.yaml',
  'design-canonical.yaml',
  'development.yaml',
  'production.yaml',
];

describe('the policy examples with an `mcp:` section', () => {
  for (const name of FIXTURES) {
    it(`${name} parses without errors and compiles`, () => {
      const r = read(policyFixture(name));
      assert.deepEqual(
        r.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      assert.ok(r.document?.extensions.mcp, 'the mcp section is read');
      const mcp = compilePolicy(r.document, { registry: registry() }).extension<CompiledMcp>('mcp');
      assert.ok(mcp?.tools);
    });
  }

  it('the seed example decides as written', () => {
    const r = read(policyFixture('mcp-extensions.yaml'));
    const mcp = compilePolicy(r.document!, { registry: registry() }).extension<CompiledMcp>('mcp')!;
    assert.equal(mcp.tools!.decide('calculator/add', {}, 0).allowed, true);
    assert.equal(mcp.tools!.decide('file_reader', { path: '/data/a.txt' }).allowed, true);
    assert.equal(mcp.tools!.decide('file_reader', { path: '/etc/passwd' }).allowed, false);
    assert.equal(mcp.tools!.decide('system_shutdown').allowed, false);
    assert.equal(mcp.prompts!.decide('help').allowed, true);
    assert.equal(mcp.resources!.decide('sqlite://app.db', 'read').allowed, true);
    assert.equal(mcp.resources!.decide('sqlite://app.db', 'list').allowed, false);
    assert.deepEqual(mcp.transport, {
      stdio: true,
      http: { allowedHosts: ['api.openai.com', '*.anthropic.com'], allowedOrigins: [] },
    });
  });

  it('the development policy allows every tool, production only the two it names', () => {
    const dev = compilePolicy(read(policyFixture('development.yaml')).document!, {
      registry: registry(),
    }).extension<CompiledMcp>('mcp')!;
    assert.equal(dev.tools!.decide('anything/at-all').allowed, true);
    const prod = compilePolicy(read(policyFixture('production.yaml')).document!, {
      registry: registry(),
    }).extension<CompiledMcp>('mcp')!;
    assert.equal(prod.tools!.decide('approved_tool_v1').allowed, true);
    assert.equal(prod.tools!.decide('safe_calculator').allowed, true);
    assert.equal(prod.tools!.decide('approved_tool_v2').allowed, false);
    assert.equal(prod.prompts, undefined, 'no prompts section: the server decides');
  });
});
