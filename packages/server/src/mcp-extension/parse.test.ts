import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { treeFromValue, validatePolicy } from '@mcpkit/wasm-policy';
import type { McpSection } from './model.js';
import { errors, policy, read, registry, section, warnings } from './testing.js';

const SEVERAL_MISTAKES = `version: "1.0"
mcp:
  tols:
    allow: []
  tools:
    allow:
      - name: "calc/*"
        max_calls_per_minute: 0
      - name: "file_reader"
        parameters:
          path: { patern: "/data/**" }
          limit: { minimum: 10, maximum: 1 }
          mode: { enum: [] }
          dir: "/data/[x"
      - name: ""
      - max_calls_per_minute: 5
      - "bare_name"
    deny:
      - name: "x"
        max_calls_per_minute: 1
  resources:
    allow:
      - uri: "file:///w/**"
        operations: [raed, list]
  transport:
    stdio: "yes"
    websocket: true
`;

function one(text: string, code: string) {
  const errs = errors(text);
  assert.equal(errs.length, 1, `expected one error, got ${JSON.stringify(errs, null, 1)}`);
  assert.equal(errs[0]!.code, code);
  return errs[0]!;
}

describe('parse: every mistake at once', () => {
  it('reports all the mistakes of the mcp section, each with its line, column and pointer', () => {
    const r = read(SEVERAL_MISTAKES);
    assert.equal(r.document, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.severity, d.code, d.line, d.column, d.pointer]),
      [
        ['error', 'unknown-key', 3, 3, '/mcp/tols'],
        ['error', 'invalid-limit', 8, 31, '/mcp/tools/allow/0/max_calls_per_minute'],
        ['error', 'unknown-key', 11, 19, '/mcp/tools/allow/1/parameters/path/patern'],
        ['error', 'range-order', 12, 42, '/mcp/tools/allow/1/parameters/limit/maximum'],
        ['error', 'empty-enum', 13, 25, '/mcp/tools/allow/1/parameters/mode/enum'],
        ['error', 'glob-syntax', 14, 16, '/mcp/tools/allow/1/parameters/dir'],
        ['error', 'glob-syntax', 15, 15, '/mcp/tools/allow/2/name'],
        ['error', 'missing-key', 16, 9, '/mcp/tools/allow/3'],
        ['error', 'type', 17, 9, '/mcp/tools/allow/4'],
        ['error', 'unknown-key', 20, 9, '/mcp/tools/deny/0/max_calls_per_minute'],
        ['error', 'unknown-operation', 24, 22, '/mcp/resources/allow/0/operations/0'],
        ['error', 'type', 26, 12, '/mcp/transport/stdio'],
        ['warning', 'websocket-unsupported', 27, 16, '/mcp/transport/websocket'],
      ],
    );
    const byCode = (code: string) => r.diagnostics.find((d) => d.code === code)!;
    assert.equal(r.diagnostics[0]!.help, 'did you mean `tools`?');
    assert.equal(r.diagnostics[2]!.help, 'did you mean `pattern`?');
    assert.equal(byCode('unknown-operation').help, 'did you mean `read`?');
    assert.equal(byCode('type').message.includes('`bare_name`'), true);
    for (const d of r.diagnostics) {
      assert.equal(d.message[0], d.message[0]!.toLowerCase(), `lowercase: ${d.message}`);
      assert.equal(d.file, 'p.yaml');
    }
  });

  it('reads the same section from JSON, with positions', () => {
    const json = JSON.stringify(
      { version: '1.0', mcp: { tools: { allow: [{ name: 'a', max_calls_per_minute: -1 }] } } },
      null,
      2,
    );
    const e = one(json, 'invalid-limit');
    assert.ok(e.line > 1);
    assert.equal(e.pointer, '/mcp/tools/allow/0/max_calls_per_minute');
  });

  it('reads the section inside Wassette-style `permissions:`', () => {
    const r = read(
      'version: "1.0"\npermissions:\n  mcp:\n    tools:\n      allow: [{ name: a }]\n',
    );
    assert.equal(r.diagnostics.length, 0);
    const mcp = r.document!.extensions.mcp as McpSection;
    assert.equal(mcp.tools!.allow[0]!.at.pointer, '/permissions/mcp/tools/allow/0');
  });
});

describe('parse: each check', () => {
  it('requires the section and its parts to be maps and lists', () => {
    one(policy('tools: [a]'), 'type');
    one(policy('tools:', '  allow: { name: a }'), 'type');
    one('version: "1.0"\nmcp: 3\n', 'type');
  });

  it('accepts an empty section and empty parts', () => {
    assert.deepEqual(section('version: "1.0"\nmcp:\n'), {});
    assert.deepEqual(section(policy('tools:')).tools, { allow: [], deny: [] });
    assert.deepEqual(section(policy('tools: { allow: [] }')).tools, { allow: [], deny: [] });
  });

  it('checks rule keys with a did-you-mean', () => {
    const e = one(
      policy('tools:', '  allow:', '    - name: a', '      max_calls_per_minut: 3'),
      'unknown-key',
    );
    assert.equal(e.help, 'did you mean `max_calls_per_minute`?');
    assert.equal(one(policy('tools: { alow: [] }'), 'unknown-key').help, 'did you mean `allow`?');
    assert.equal(
      one(policy('prompts:', '  allow: [{ name: a, max_lenght: 3 }]'), 'unknown-key').help,
      'did you mean `max_length`?',
    );
  });

  it('checks types of names and limits', () => {
    one(policy('tools:', '  allow: [{ name: [a] }]'), 'type');
    one(policy('tools:', '  allow: [{ name: a, max_calls_per_minute: "ten" }]'), 'type');
    one(policy('prompts:', '  allow: [{ name: a, max_length: -1 }]'), 'invalid-limit');
    one(policy('tools:', '  allow: [{ name: a, max_calls_per_minute: 1.5 }]'), 'invalid-limit');
    assert.equal(
      section(policy('tools:', '  allow: [{ name: a, max_calls_per_minute: 1 }]')).tools!.allow[0]!
        .maxCallsPerMinute,
      1,
    );
  });

  it('checks name glob syntax', () => {
    one(policy('tools:', '  allow: [{ name: "a\\\\" }]'), 'glob-syntax');
    one(policy('prompts:', '  deny: [{ name: "" }]'), 'glob-syntax');
    one(policy('resources:', '  allow: [{ uri: "" }]'), 'glob-syntax');
    assert.equal(
      section(policy('tools:', '  allow: [{ name: "a\\\\*" }]')).tools!.allow[0]!.name,
      'a\\*',
    );
  });

  it('checks parameter constraints', () => {
    const params = (...lines: string[]) =>
      policy(
        'tools:',
        '  allow:',
        '    - name: t',
        '      parameters:',
        ...lines.map((l) => `        ${l}`),
      );
    assert.equal(one(params('p: { patern: x }'), 'unknown-key').help, 'did you mean `pattern`?');
    one(params('p: { pattern: 3 }'), 'type');
    one(params('p: { pattern: "/a/**b" }'), 'glob-syntax');
    one(params('p: { pattern: "/a/../b" }'), 'pattern-dots');
    one(params('p: { enum: [a, { b: 1 }] }'), 'type');
    one(params('p: { enum: a }'), 'type');
    one(params('p: { minimum: "1" }'), 'type');
    one(params('p: { minimum: 5, maximum: 4 }'), 'range-order');
    one(params('p: { max_length: 2.5 }'), 'invalid-limit');
    one(params('p: { pattern: "/a/*", minimum: 1 }'), 'constraint-conflict');
    one(params('p: [a]'), 'type');
    one(params('path: "/a/**"', 'path_pattern: "/b/**"'), 'duplicate-parameter');
    one(params('p: { pattern: "a" }', 'p_pattern: "b"'), 'duplicate-parameter');
    assert.deepEqual(
      warnings(params('p: {}')).map((d) => d.code),
      ['empty-constraint'],
    );
    assert.deepEqual(
      warnings(params('p: { pattern: "./data/*" }')).map((d) => d.code),
      ['relative-path-pattern'],
    );
  });

  it('reads every form of parameter constraint', () => {
    const s = section(
      policy(
        'tools:',
        '  allow:',
        '    - name: t',
        '      parameters:',
        '        path: { pattern: "/data//x/" }',
        '        legacy_pattern: "/srv/**"',
        '        short: "report_*"',
        '        mode: { enum: [fast, slow, fast, 3, true, null] }',
        '        limit: { minimum: 1, maximum: 100 }',
        '        query: { max_length: 200 }',
        '        file_pattern: { pattern: "*.txt" }',
      ),
    );
    const got = s.tools!.allow[0]!.parameters!.map(({ at: _at, ...c }) => c);
    assert.deepEqual(got, [
      { parameter: 'path', pattern: '/data/x' },
      { parameter: 'legacy', pattern: '/srv/**' },
      { parameter: 'short', pattern: 'report_*' },
      { parameter: 'mode', enum: ['fast', 'slow', 3, true, null] },
      { parameter: 'limit', minimum: 1, maximum: 100 },
      { parameter: 'query', maxLength: 200 },
      { parameter: 'file_pattern', pattern: '*.txt' },
    ]);
  });

  it('checks resource operations', () => {
    assert.equal(
      one(
        policy('resources:', '  allow: [{ uri: "a:*", operations: [lsit] }]'),
        'unknown-operation',
      ).help,
      'did you mean `list`?',
    );
    one(policy('resources:', '  allow: [{ uri: "a:*", operations: [] }]'), 'empty-operations');
    const s = section(
      policy(
        'resources:',
        '  allow: [{ uri: "a:*" }, { uri: "b:*", operations: subscribe }]',
        '  deny: [{ uri: "a:x", operations: [list, read, list] }]',
      ),
    );
    assert.deepEqual(s.resources!.allow[0]!.operations, ['read', 'list', 'subscribe']);
    assert.deepEqual(s.resources!.allow[1]!.operations, ['subscribe']);
    assert.deepEqual(s.resources!.deny[0]!.operations, ['read', 'list']);
  });

  it('checks the transport section', () => {
    one(policy('transport: { http: [a] }'), 'type');
    one(policy('transport: { http: { allowed_hosts: ["exa mple.com"] } }'), 'host-syntax');
    one(policy('transport: { http: { allowed_hosts: ["a.com:99999"] } }'), 'host-syntax');
    one(
      policy('transport: { http: { allowed_origins: ["https://a.com/path"] } }'),
      'origin-syntax',
    );
    one(policy('transport: { http: { allowed_origins: ["https://*.a.com"] } }'), 'origin-syntax');
    one(policy('transport: { http: { allowed_origins: ["ftp://a.com"] } }'), 'origin-syntax');
    one(policy('transport: { http: { allowd_hosts: [a] } }'), 'unknown-key');
    one(policy('transport: { websocket: 1 }'), 'type');
    assert.deepEqual(
      warnings(policy('transport: { http: { allowed_hosts: ["*"] } }')).map((d) => d.code),
      ['any-host'],
    );
  });

  it('warns about repeated rules and allow rules a deny rule shadows', () => {
    const w = warnings(
      policy(
        'tools:',
        '  allow:',
        '    - name: "calc/add"',
        '    - name: "calc/add"',
        '      max_calls_per_minute: 3',
        '    - name: "system_reboot"',
        '    - name: "admin/*"',
        '  deny:',
        '    - name: "system_*"',
        '    - name: "admin*"',
        'resources:',
        '  allow:',
        '    - { uri: "file:///a/**", operations: [read] }',
        '    - { uri: "file:///a/**", operations: [list] }',
        '    - { uri: "file:///secret/x", operations: [read, list] }',
        '  deny:',
        '    - { uri: "file:///secret/*", operations: [read] }',
      ),
    );
    assert.deepEqual(
      w.map((d) => [d.code, d.line]),
      [
        ['duplicate-rule', 6],
        ['shadowed-rule', 8],
        ['shadowed-rule', 9],
      ],
    );
    assert.match(w[0]!.message, /the rule at line 5/);
    assert.match(w[1]!.message, /the rule at line 11 denies everything it grants/);
  });

  it('never throws, whatever the section holds', () => {
    for (const value of [
      0,
      'x',
      [],
      [[]],
      { tools: { allow: [null, 1, [], { name: null }] } },
      { tools: { allow: [{ name: 'a', parameters: { p: null, q: [], r: { enum: null } } }] } },
      { resources: { allow: [{ uri: 'a', operations: [1, null] }] } },
      { transport: { http: null, stdio: null } },
      { tools: { allow: [{ name: 'a', parameters: { ['__proto__']: { pattern: 'x' } } }] } },
    ]) {
      const r = validatePolicy(treeFromValue({ version: '1.0', mcp: value }), {
        registry: registry(),
      });
      assert.ok(Array.isArray(r.diagnostics));
    }
  });
});
