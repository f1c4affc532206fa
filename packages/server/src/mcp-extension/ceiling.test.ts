import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intersectPolicy, outsideCeiling } from '@mcpkit/wasm-policy';
import { CompiledMcp } from './compiled.js';
import type { McpSection } from './model.js';
import { serializeMcp } from './serialize.js';
import { policy, read, registry } from './testing.js';

const CEILING = policy(
  'tools:',
  '  allow:',
  '    - { name: "calc/*", max_calls_per_minute: 10 }',
  '    - name: file_reader',
  '      parameters: { path: { pattern: "/data/**" } }',
  '    - { name: "*_v2" }',
  '  deny: [{ name: "calc/danger" }]',
  'prompts:',
  '  allow: [{ name: "greet*", max_length: 100 }]',
  'resources:',
  '  allow: [{ uri: "file:///workspace/*", operations: [read, list] }]',
  'transport:',
  '  stdio: false',
  '  http: { allowed_hosts: ["*.example.com"] }',
);

const GRANT = policy(
  'tools:',
  '  allow:',
  '    - { name: "calc/add", max_calls_per_minute: 100 }',
  '    - { name: "calc/*" }',
  '    - { name: other }',
  '    - name: file_reader',
  '      parameters: { path: { pattern: "/data/reports/**" } }',
  '    - name: file_reader_v2',
  '    - { name: "file_*" }',
  '    - { name: "calc/mul", max_calls_per_minute: 5 }',
  'prompts:',
  '  allow: [{ name: greeting }, { name: "greet_x", max_length: 50 }, { name: farewell }]',
  'resources:',
  '  allow: [{ uri: "file:///workspace/a", operations: [read, subscribe] }, { uri: "file:///etc/x" }]',
  'transport:',
  '  stdio: true',
  '  http: { allowed_hosts: [api.example.com, evil.test] }',
);

describe('grants under a ceiling', () => {
  const ceiling = read(CEILING).document!;
  const grant = read(GRANT).document!;

  it('outside: every allow rule the ceiling does not cover, with a pointer', () => {
    const out = outsideCeiling(grant, ceiling, registry()).filter((v) => v.section === 'mcp');
    assert.deepEqual(
      out.map((v) => [v.pointer, v.message]),
      [
        [
          '/mcp/tools/allow/0',
          'tool `calc/add` has 100 calls a minute, beyond the 10 a minute the server allows',
        ],
        [
          '/mcp/tools/allow/1',
          'tool `calc/*` has no call limit, beyond the 10 a minute the server allows',
        ],
        ['/mcp/tools/allow/2', 'tool `other` is beyond what the server allows'],
        ['/mcp/tools/allow/5', 'tool `file_*` is beyond what the server allows'],
        [
          '/mcp/prompts/allow/0',
          'prompt `greeting` accepts arguments longer than the 100 characters the server allows',
        ],
        ['/mcp/prompts/allow/2', 'prompt `farewell` is beyond what the server allows'],
        [
          '/mcp/resources/allow/0',
          'operation `subscribe` on resource `file:///workspace/a` is beyond what the server allows',
        ],
        [
          '/mcp/resources/allow/1',
          'operations `read` and `list` and `subscribe` on resource `file:///etc/x` are beyond what the server allows',
        ],
        ['/mcp/transport/stdio', 'the stdio transport is beyond what the server allows'],
        [
          '/mcp/transport/http/allowed_hosts/1',
          'http host `evil.test` is beyond what the server allows',
        ],
      ],
    );
  });

  it('intersect: keeps covered rules, tightened, and adds the ceiling deny rules', () => {
    const result = intersectPolicy(grant, ceiling, registry());
    const mcp = result.extensions.mcp as McpSection;
    assert.deepEqual(serializeMcp(mcp), {
      tools: {
        allow: [
          { name: 'calc/add', max_calls_per_minute: 10 },
          { name: 'calc/*', max_calls_per_minute: 10 },
          { name: 'file_reader', parameters: { path: { pattern: '/data/reports/**' } } },
          { name: 'file_reader_v2' },
          { name: 'calc/mul', max_calls_per_minute: 5 },
        ],
        deny: [{ name: 'calc/danger' }],
      },
      prompts: {
        allow: [
          { name: 'greeting', max_length: 100 },
          { name: 'greet_x', max_length: 50 },
        ],
      },
      resources: { allow: [{ uri: 'file:///workspace/a', operations: ['read'] }] },
      transport: { stdio: false, http: { allowed_hosts: ['api.example.com'] } },
    });
    const again = outsideCeiling(result, ceiling, registry()).filter((v) => v.section === 'mcp');
    assert.deepEqual(again, [], 'the intersection is within the ceiling');
    const tools = new CompiledMcp(mcp).tools!;
    assert.equal(tools.decide('calc/danger').allowed, false);
    assert.equal(tools.decide('other').allowed, false);
  });

  it('drops a rule whose constraints cannot be combined with the ceiling', () => {
    const g = read(
      policy('tools:', '  allow:', '    - { name: file_reader, parameters: { path: "/srv/**" } }'),
    ).document!;
    const mcp = intersectPolicy(g, ceiling, registry()).extensions.mcp as McpSection;
    assert.deepEqual(mcp.tools?.allow, []);
    const out = outsideCeiling(g, ceiling, registry()).filter((v) => v.section === 'mcp');
    assert.deepEqual(
      out.map((v) => v.message),
      ['argument `path` of tool `file_reader` accepts values beyond what the server allows'],
    );
  });

  it('a ceiling without an mcp section covers nothing', () => {
    const none = read('version: "1.0"\n').document!;
    const mcp = intersectPolicy(grant, none, registry()).extensions.mcp as McpSection;
    assert.deepEqual(mcp.tools, { allow: [], deny: [] });
    assert.equal(
      outsideCeiling(grant, none, registry()).filter((v) => v.message.startsWith('tool ')).length,
      7,
    );
  });

  it('a list the grant leaves out stays empty of grants, with the ceiling denies', () => {
    const g = read(policy('prompts: { allow: [{ name: greeting }] }')).document!;
    const mcp = intersectPolicy(g, ceiling, registry()).extensions.mcp as McpSection;
    assert.deepEqual(serializeMcp(mcp).tools, { deny: [{ name: 'calc/danger' }] });
  });
});
