// Authenticated clients over Streamable HTTP, end to end: the real CLI, a
// real authorization server on 127.0.0.1, the official SDK Client (its OAuth
// client-credentials provider and a plain bearer header), the Python SDK, and
// tokens an attacker might send. Roles decide what each client sees and may
// do; every refusal is in the audit log.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createToken } from '../access/tokens.js';
import { verifyAuditLog } from '../audit/index.js';
import { EXAMPLES, example, httpServer, ROOT, tempDir, text } from '../testing.js';
import { type AuthServer, freePort, startAuthServer } from '../testing-auth.js';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};

describe('authenticated HTTP clients', () => {
  let auth: AuthServer;
  let server: Awaited<ReturnType<typeof httpServer>>;
  let url = '';
  const dir = tempDir('mcpkit-auth-');
  const ws = tempDir('mcpkit-auth-ws-');
  const audit = join(dir, 'audit', 'audit.log');
  const tokens: Record<string, string> = {};
  const clients: Client[] = [];

  /** A POST to the endpoint with this bearer, for what the SDK would not send. */
  const post = (
    bearer: string | undefined,
    body: unknown = INIT,
    headers: Record<string, string> = {},
  ) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });

  async function bearerClient(token: string): Promise<Client> {
    const client = new Client({ name: 'bearer', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    clients.push(client);
    return client;
  }

  async function oauthClient(clientId: string): Promise<Client> {
    const client = new Client({ name: 'oauth', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        authProvider: new ClientCredentialsProvider({
          clientId,
          clientSecret: `${clientId}-secret`,
          expectedIssuer: auth.issuer,
        }),
      }),
    );
    clients.push(client);
    return client;
  }

  before(async () => {
    auth = await startAuthServer({
      'agent-dev': { secret: 'agent-dev-secret', scopes: ['mcp:tools'] },
      'agent-admin': { secret: 'agent-admin-secret', scopes: ['mcp:admin'] },
      'agent-nobody': { secret: 'agent-nobody-secret', scopes: ['profile'] },
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}/mcp`;
    writeFileSync(join(ws, 'notes.txt'), 'the notes');
    writeFileSync(
      join(dir, 'dev.yaml'),
      [
        'version: "1.0"',
        'mcp:',
        '  tools:',
        '    allow:',
        '      - name: "calculate"',
        '      - name: "add"',
        'role:',
        '  manage: [list-components]',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'admin.yaml'),
      [
        'version: "1.0"',
        'storage:',
        '  allow:',
        `    - uri: "fs://${ws}"`,
        '      access: [read]',
        'mcp:',
        '  tools:',
        '    allow:',
        '      - name: "*"',
        'role:',
        '  manage: ["*"]',
        `  sources: ["file://${EXAMPLES}/*"]`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'limited.yaml'),
      [
        'version: "1.0"',
        'mcp:',
        '  tools:',
        '    allow:',
        '      - name: "add"',
        'role:',
        '  client_limits: { requests_per_minute: 6 }',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'server.yaml'),
      [
        'version: "1.0"',
        'storage:',
        '  allow:',
        `    - uri: "fs://${ws}"`,
        '      access: [read, write]',
        'access:',
        '  authentication:',
        '    tokens: ./tokens.json',
        '    oauth:',
        `      issuer: "${auth.issuer}"`,
        `      jwks: "${auth.jwksUrl}"`,
        `      resource: "${url}"`,
        '      scopes: { "mcp:admin": admin, "mcp:tools": dev }',
        '  roles:',
        '    dev: ./dev.yaml',
        '    admin: ./admin.yaml',
        '    limited: ./limited.yaml',
        '  audit:',
        '    file: ./audit/audit.log',
        '',
      ].join('\n'),
    );
    const file = join(dir, 'tokens.json');
    for (const [name, role] of [
      ['dev', 'dev'],
      ['dev2', 'dev'],
      ['limited', 'limited'],
      ['limited2', 'limited'],
    ] as const)
      tokens[name] = (await createToken(file, { role, name })).token;
    server = await httpServer([
      '--http',
      `127.0.0.1:${port}`,
      '--data-dir',
      join(dir, 'data'),
      '--policy',
      join(dir, 'server.yaml'),
      '--component',
      example('calculator'),
      '--component',
      example('fs-tool'),
    ]);
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await server?.stop();
    await auth?.close();
  });

  it('refuses a request without a token: 401 pointing at the protected resource metadata', async () => {
    const r = await post(undefined);
    assert.equal(r.status, 401);
    const challenge = r.headers.get('www-authenticate') ?? '';
    const metadataUrl = `http://127.0.0.1:${new URL(url).port}/.well-known/oauth-protected-resource/mcp`;
    assert.match(challenge, /^Bearer /);
    assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`), challenge);
    const body = (await r.json()) as { error: { data: { reason: string } } };
    assert.equal(body.error.data.reason, 'unauthorized');

    const m = await fetch(metadataUrl);
    assert.equal(m.status, 200);
    const doc = OAuthProtectedResourceMetadataSchema.parse(await m.json());
    assert.equal(doc.resource, url);
    assert.deepEqual(doc.authorization_servers, [auth.issuer]);
    assert.deepEqual(doc.scopes_supported, ['mcp:admin', 'mcp:tools']);
  });

  it("the SDK client gets a token by itself (client credentials) and sees only its role's tools", async () => {
    const client = await oauthClient('agent-dev');
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['add', 'calculate', 'list-components']);
    const r = (await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })) as CallToolResult;
    assert.equal(text(r), '5');
    assert.ok(auth.issued.length >= 1, 'a token was issued');
  });

  it('a static bearer token works the same way', async () => {
    const client = await bearerClient(tokens.dev!);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['add', 'calculate', 'list-components']);
  });

  it('refuses expired, wrong-issuer, wrong-audience, badly signed and unsigned tokens with 401', async () => {
    const good = { sub: 'mallory', scope: 'mcp:admin', aud: url };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const bad: Array<[string, string, RegExp]> = [
      [
        'expired',
        await auth.sign(good, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
        /expired/,
      ],
      ['wrong issuer', await auth.sign({ ...good, iss: 'https://evil.example' }), /another issuer/],
      [
        'wrong audience',
        await auth.sign({ ...good, aud: 'https://other.example/mcp' }),
        /audience/,
      ],
      ['bad signature', await auth.sign(good, { key: 'stranger' }), /signature|no key/],
      [
        'alg none',
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...good, iss: auth.issuer, exp: Math.floor(Date.now() / 1000) + 300 })}.`,
        /well-formed|algorithm/,
      ],
      ['garbage', 'not-a-token', /well-formed/],
      ['unknown static token', `mcpk_${'0'.repeat(16)}.${'A'.repeat(43)}`, /not known/],
    ];
    for (const [what, token, reason] of bad) {
      const r = await post(token);
      assert.equal(r.status, 401, what);
      const challenge = r.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /error="invalid_token"/, what);
      assert.match(challenge, reason, `${what}: ${challenge}`);
    }
  });

  it('refuses a valid token whose scopes give no role: 403 insufficient_scope', async () => {
    const token = await auth.sign({ sub: 'agent-nobody', scope: 'profile', aud: url });
    const r = await post(token);
    assert.equal(r.status, 403);
    const challenge = r.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="mcp:admin mcp:tools"/);
  });

  it('a role that may not grant is refused with 403, and the refusal is audited', async () => {
    const client = await bearerClient(tokens.dev!);
    await assert.rejects(
      client.callTool({
        name: 'grant-storage-permission',
        arguments: { component_id: 'fs-tool', details: { uri: `fs://${ws}`, access: ['read'] } },
      }),
      /403|insufficient_scope|may not use it/,
    );
    const lines = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const refusal = lines.find(
      (l) =>
        l.action === 'tool-call' &&
        l.decision === 'denied' &&
        l.target === 'grant-storage-permission',
    );
    assert.ok(refusal, 'the refusal is in the audit log');
    assert.equal(refusal.client.role, 'dev');
  });

  it("an admin may grant inside its role's ceiling, not beyond it", async () => {
    const client = await oauthClient('agent-admin');
    const ok = (await client.callTool({
      name: 'grant-storage-permission',
      arguments: { component_id: 'fs-tool', details: { uri: `fs://${ws}`, access: ['read'] } },
    })) as CallToolResult;
    assert.notEqual(ok.isError, true, text(ok));
    const read = (await client.callTool({
      name: 'read_file',
      arguments: { path: join(ws, 'notes.txt') },
    })) as CallToolResult;
    assert.match(text(read), /the notes/);
    const write = (await client.callTool({
      name: 'grant-storage-permission',
      arguments: { component_id: 'fs-tool', details: { uri: `fs://${ws}`, access: ['write'] } },
    })) as CallToolResult;
    assert.equal(write.isError, true);
    assert.match(text(write), /what role `admin` may grant/);
    // The change is in the audit log under the admin's identity, the refusal too.
    const lines = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const grants = lines.filter((l) => l.action === 'grant');
    assert.ok(grants.some((l) => l.decision === 'allowed' && l.client.id.endsWith('#agent-admin')));
    assert.ok(grants.some((l) => l.decision === 'denied'));
  });

  it("a second token cannot drive the first one's session", async () => {
    const opened = await post(tokens.dev!);
    assert.equal(opened.status, 200);
    const session = opened.headers.get('mcp-session-id')!;
    await opened.text();
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const other = await post(tokens.dev2!, list, { 'mcp-session-id': session });
    assert.equal(other.status, 404, 'as if the session did not exist');
    await other.text();
    const same = await post(tokens.dev!, list, { 'mcp-session-id': session });
    assert.equal(same.status, 200);
    await same.text();
  });

  it('a client over its request rate gets 429 with Retry-After; another client is unaffected', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const r = await post(tokens.limited!);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
      await r.text();
    }
    assert.deepEqual(statuses.slice(0, 6), [200, 200, 200, 200, 200, 200]);
    assert.deepEqual(statuses.slice(6), [429, 429]);
    assert.match(retryAfter ?? '', /^\d+$/);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60);
    const other = await post(tokens.limited2!);
    assert.equal(other.status, 200, 'limits count per client');
    await other.text();
  });

  it('the Python SDK client connects with a bearer header', () => {
    const r = spawnSync(
      'python3',
      [join(ROOT, 'packages', 'server', 'test', 'python', 'list_tools.py'), url, tokens.dev!],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { tools: string[] }).tools.sort(), [
      'add',
      'calculate',
      'list-components',
    ]);
    const none = spawnSync(
      'python3',
      [join(ROOT, 'packages', 'server', 'test', 'python', 'list_tools.py'), url],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.notEqual(none.status, 0, 'no token, no tools');
  });

  it('a rotated signing key is fetched again from the JWKS', async () => {
    await auth.rotate();
    // An unknown key id is looked up again once the cooldown after the last fetch is over.
    await new Promise((r) => setTimeout(r, 5500));
    const token = await auth.sign({ sub: 'agent-dev', scope: 'mcp:tools', aud: url });
    const r = await post(token);
    assert.equal(r.status, 200, r.headers.get('www-authenticate') ?? '');
    await r.text();
  });

  it('the audit log verifies', () => {
    const report = verifyAuditLog([audit]);
    assert.deepEqual(report.problems, []);
    const lines = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const authFailures = lines.filter((l) => l.action === 'auth' && l.decision === 'denied');
    assert.ok(authFailures.length >= 7, `${authFailures.length} refused authentications recorded`);
    // Tokens and argument values never appear.
    const raw = readFileSync(audit, 'utf8');
    for (const t of Object.values(tokens)) assert.ok(!raw.includes(t));
    const read = lines.find((l) => l.action === 'tool-call' && l.target === 'read_file');
    assert.ok(read, 'the read_file call is recorded');
    assert.ok(read.details.arguments, 'with its argument names');
    assert.doesNotMatch(JSON.stringify(read.details.arguments), /notes\.txt/);
  });
});

describe('serving HTTP beyond loopback', () => {
  it('is refused without authentication, and allowed with --insecure-no-auth and a warning', async () => {
    const data = tempDir();
    const refused = spawnSync(
      process.execPath,
      [
        join(ROOT, 'packages', 'server', 'dist', 'cli.js'),
        'serve',
        '--http',
        '0.0.0.0:0',
        '--data-dir',
        data,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /refusing to serve HTTP on 0\.0\.0\.0.*without authentication/);
    const s = await httpServer(['--http', '0.0.0.0:0', '--insecure-no-auth', '--data-dir', data], {
      MCPKIT_LOG_LEVEL: 'warn',
    });
    try {
      assert.match(s.stderr(), /SERVING WITHOUT AUTHENTICATION/);
    } finally {
      await s.stop();
    }
  });
});
