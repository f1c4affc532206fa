// The `access:` and `role:` sections as an operator writes them: what is
// read, and a precise diagnostic for each mistake.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPolicy } from '@mcpkit/wasm-policy';
import { serverRegistry } from '../policies.js';
import type { AccessSection, RoleSection } from './model.js';

const registry = serverRegistry();
const read = (text: string) =>
  readPolicy(`version: "1.0"\n${text}`, { registry, file: 'server.yaml', baseDir: '/etc/mcpkit' });
const errors = (text: string) =>
  read(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.code} ${d.pointer} ${d.message}`);

describe('the access section', () => {
  it('reads tokens, oauth, roles, limits and audit, with paths against the policy directory', () => {
    const r = read(`access:
  authentication:
    tokens: ./tokens.json
    oauth:
      issuer: https://auth.example.com
      jwks: https://auth.example.com/jwks
      resource: https://mcp.example.com/mcp
      scopes: { "mcp:admin": admin, "mcp:tools": dev }
      clock_skew: 10s
  roles: { dev: roles/dev.yaml, admin: /srv/admin.yaml }
  stdio_role: dev
  client_limits: { requests_per_minute: 600, concurrent_calls: 4 }
  audit: { file: audit.log, max_size: 1Mi, keep: 3, arguments: keys }
`);
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const a = r.document!.extensions.access as AccessSection;
    assert.equal(a.tokens, '/etc/mcpkit/tokens.json');
    assert.deepEqual(a.roles, { dev: '/etc/mcpkit/roles/dev.yaml', admin: '/srv/admin.yaml' });
    assert.equal(a.stdioRole, 'dev');
    assert.deepEqual(a.oauth?.scopes, [
      { scope: 'mcp:admin', role: 'admin' },
      { scope: 'mcp:tools', role: 'dev' },
    ]);
    assert.equal(a.oauth?.clockSkewMs, 10_000);
    assert.deepEqual(a.oauth?.authorizationServers, ['https://auth.example.com']);
    assert.ok(!a.oauth?.algorithms.includes('HS256'), 'no shared-secret algorithms by default');
    assert.deepEqual(a.limits, { requestsPerMinute: 600, concurrentCalls: 4 });
    assert.deepEqual(a.audit, {
      file: '/etc/mcpkit/audit.log',
      maxBytes: 1048576,
      keep: 3,
      arguments: 'keys',
    });
  });

  it('reports each mistake where it is', () => {
    assert.deepEqual(errors('access:\n  authentcation: {}\n'), [
      'unknown-key /access/authentcation unknown key `authentcation` in the `access` section',
    ]);
    const plain = errors(
      'access:\n  authentication:\n    oauth:\n      issuer: x\n      jwks: http://auth.example.com/jwks\n      resource: https://m/mcp\n      scopes: { s: dev }\n',
    );
    assert.ok(
      plain.some((e) => e.startsWith('insecure-url /access/authentication/oauth/jwks')),
      plain.join('\n'),
    );
    const unknownRole = errors(
      'access:\n  authentication:\n    oauth: { issuer: i, jwks: /k.json, resource: "https://m/mcp", scopes: { s: dev } }\n',
    );
    assert.deepEqual(
      unknownRole.map((e) => e.split(' ').slice(0, 2).join(' ')),
      ['unknown-role /access/authentication/oauth/scopes/s'],
    );
    const noMapping = errors(
      'access:\n  authentication:\n    oauth: { issuer: i, jwks: /k.json, resource: "https://m/mcp" }\n',
    );
    assert.deepEqual(
      noMapping.map((e) => e.split(' ')[0]),
      ['no-role-mapping'],
    );
    const alg = errors(
      'access:\n  authentication:\n    oauth: { issuer: i, jwks: /k.json, resource: "https://m/mcp", role_claim: r, algorithms: [HS256, none] }\n',
    );
    assert.deepEqual(
      alg.map((e) => e.split(' ').slice(0, 2).join(' ')),
      [
        'unsupported-algorithm /access/authentication/oauth/algorithms/0',
        'unsupported-algorithm /access/authentication/oauth/algorithms/1',
      ],
    );
    assert.deepEqual(
      errors('access:\n  roles: { operator: ./o.yaml }\n').map((e) => e.split(' ')[0]),
      ['reserved-role'],
    );
    assert.deepEqual(
      errors('access:\n  stdio_role: admn\n  roles: { admin: ./a.yaml }\n').map(
        (e) => e.split(' ')[0],
      ),
      ['unknown-role'],
    );
    assert.deepEqual(
      errors('access:\n  audit: { file: a.log, arguments: everything }\n').map(
        (e) => e.split(' ')[0],
      ),
      ['invalid-value'],
    );
    assert.deepEqual(
      errors('access:\n  client_limits: { requests_per_minute: 0 }\n').map((e) => e.split(' ')[0]),
      ['invalid-limit'],
    );
  });
});

describe('the role section', () => {
  it('reads management tools, sources and limits', () => {
    const r = read(
      'role:\n  manage: [list-components, "grant-*"]\n  sources: ["oci://ghcr.io/acme/*"]\n  client_limits: { concurrent_calls: 2 }\n',
    );
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const role = r.document!.extensions.role as RoleSection;
    assert.deepEqual(role.manage, ['list-components', 'grant-*']);
    assert.deepEqual(role.sources, ['oci://ghcr.io/acme/*']);
    assert.deepEqual(role.limits, { concurrentCalls: 2 });
  });

  it('names a management tool that does not exist, with a suggestion', () => {
    const r = read('role:\n  manage: [list-component]\n');
    const d = r.diagnostics.find((x) => x.code === 'unknown-management-tool')!;
    assert.equal(d.pointer, '/role/manage/0');
    assert.match(d.help ?? '', /list-components/);
  });
});
