import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePolicies, type PolicyDocument } from '@mcpkit/wasm-policy';
import { mergeMcp } from './merge.js';
import type { McpSection } from './model.js';
import { serializeMcp } from './serialize.js';
import { policy, read, registry, section } from './testing.js';

const doc = (...lines: string[]): PolicyDocument => read(policy(...lines)).document!;
const mcpOf = (d: PolicyDocument) => serializeMcp(d.extensions.mcp as McpSection);

describe('merge (extends)', () => {
  it('unions the lists; a repeated rule takes the smaller limits', () => {
    const base = doc(
      'tools:',
      '  allow:',
      '    - { name: "calc/*", max_calls_per_minute: 100 }',
      '    - { name: reader, max_calls_per_minute: 5 }',
      '  deny: [{ name: "system_*" }]',
      'prompts:',
      '  allow: [{ name: greeting, max_length: 1000 }]',
      'resources:',
      '  allow: [{ uri: "file:///a/**", operations: [read] }]',
    );
    const child = doc(
      'tools:',
      '  allow:',
      '    - { name: "calc/*", max_calls_per_minute: 10 }',
      '    - { name: reader }',
      '    - { name: writer }',
      '  deny: [{ name: "system_*" }, { name: "admin_*" }]',
      'prompts:',
      '  allow: [{ name: greeting, max_length: 5000 }, { name: help }]',
      'resources:',
      '  allow: [{ uri: "file:///a/**", operations: [list] }]',
    );
    assert.deepEqual(mcpOf(mergePolicies(base, child, registry())), {
      tools: {
        allow: [
          { name: 'calc/*', max_calls_per_minute: 10 },
          { name: 'reader', max_calls_per_minute: 5 },
          { name: 'writer' },
        ],
        deny: [{ name: 'system_*' }, { name: 'admin_*' }],
      },
      prompts: { allow: [{ name: 'greeting', max_length: 1000 }, { name: 'help' }] },
      resources: { allow: [{ uri: 'file:///a/**', operations: ['read', 'list'] }] },
    });
  });

  it('combines the parameter constraints of a repeated rule', () => {
    const base = section(
      policy(
        'tools:',
        '  allow:',
        '    - name: f',
        '      parameters:',
        '        path: { pattern: "/data/**" }',
        '        n: { minimum: 0, maximum: 100 }',
        '        mode: { enum: [a, b, c] }',
      ),
    );
    const child = section(
      policy(
        'tools:',
        '  allow:',
        '    - name: f',
        '      parameters:',
        '        path: { pattern: "/data/reports/**" }',
        '        n: { minimum: 10, maximum: 1000 }',
        '        mode: { enum: [b, c, d] }',
        '        q: { max_length: 9 }',
      ),
    );
    assert.deepEqual(serializeMcp(mergeMcp(base, child)).tools, {
      allow: [
        {
          name: 'f',
          parameters: {
            path: { pattern: '/data/reports/**' },
            n: { minimum: 10, maximum: 100 },
            mode: { enum: ['b', 'c'] },
            q: { max_length: 9 },
          },
        },
      ],
    });
  });

  it('keeps a list that only one side has, and absence where neither has it', () => {
    const base = section(policy('tools: { allow: [{ name: a }] }'));
    const child = section(policy('prompts: { allow: [{ name: p }] }'));
    const m = mergeMcp(base, child);
    assert.equal(m.tools?.allow[0]?.name, 'a');
    assert.equal(m.prompts?.allow[0]?.name, 'p');
    assert.equal(m.resources, undefined);
    assert.equal(m.transport, undefined);
  });

  it("takes the child's transport settings where given, else the base's", () => {
    const base = section(
      policy(
        'transport:',
        '  stdio: false',
        '  http: { allowed_hosts: [a.example.com], allowed_origins: ["https://a.example.com"] }',
      ),
    );
    const child = section(policy('transport:', '  http: { allowed_hosts: [b.example.com] }'));
    assert.deepEqual(serializeMcp(mergeMcp(base, child)).transport, {
      stdio: false,
      http: { allowed_hosts: ['b.example.com'], allowed_origins: ['https://a.example.com'] },
    });
    const off = section(policy('transport: { http: false, stdio: true }'));
    assert.deepEqual(serializeMcp(mergeMcp(base, off)).transport, { stdio: true, http: false });
    assert.deepEqual(serializeMcp(mergeMcp(off, child)).transport, {
      stdio: true,
      http: { allowed_hosts: ['b.example.com'] },
    });
  });

  it('gives a section that reads back without errors', () => {
    const base = section(
      policy('tools:', '  allow:', '    - { name: f, parameters: { p: { pattern: "/a/**" } } }'),
    );
    const child = section(
      policy('tools:', '  allow:', '    - { name: f, parameters: { p: { minimum: 3 } } }'),
    );
    const merged = serializeMcp(mergeMcp(base, child));
    const again = read(JSON.stringify({ version: '1.0', mcp: merged }));
    assert.deepEqual(
      again.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
  });
});
