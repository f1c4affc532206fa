// Grants a person approves (`mcp.grants.approval: elicit`), through the real
// CLI and the SDK's Client answering elicitations: a client's grant accepted,
// declined, not confirmed and timed out; one beyond the ceiling refused without
// asking; a client that cannot elicit refused; and a component asking for
// itself (mcpkit:host/permissions, packages/server/test/guests/ask-js), its
// grant in force from its next call.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { type Connected, call, stdioClient, tempDir, text } from '../testing.js';
import { askGuest, COMPONENT_CACHE as CACHE } from './guests.js';

type Answer = () => Promise<ElicitResult>;

describe('grants a person approves through elicitation', () => {
  let conn: Connected;
  let plain: Connected;
  let dir: string;
  let answer: Answer = async () => ({ action: 'accept', content: { grant: true } });
  const asked: Array<{ message: string; requestedSchema: unknown }> = [];

  const grantsOf = async (c: Connected) =>
    (
      JSON.parse(text(await call(c, 'get-policy', { component_id: 'ask-js' }))) as {
        grants: string | null;
      }
    ).grants;

  before(async () => {
    dir = tempDir();
    mkdirSync(join(dir, 'allowed'));
    const policy = join(dir, 'server.yaml');
    writeFileSync(
      policy,
      [
        'version: "1.0"',
        'storage:',
        '  allow:',
        `    - uri: "fs://${dir}/allowed/**"`,
        '      access: [read, write]',
        'environment:',
        '  allow:',
        '    - key: TEST_TOKEN',
        'mcp:',
        '  grants:',
        '    approval: elicit',
        '    timeout: 1s',
      ].join('\n'),
    );
    const args = (data: string) => [
      '--data-dir',
      join(dir, data),
      '--policy',
      policy,
      '--component',
      askGuest(join(dir, data)),
    ];
    const env = { MCPKIT_CACHE_DIR: CACHE, TEST_TOKEN: 'token-value' };
    conn = await stdioClient(args('data'), env, { elicitation: {} });
    conn.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params as (typeof asked)[number]);
      return answer();
    });
    plain = await stdioClient(args('data-plain'), env);
  });
  after(async () => {
    await conn.close();
    await plain.close();
  });

  const grantStorage = (c: Connected) =>
    call(c, 'grant-storage-permission', {
      component_id: 'ask-js',
      details: { uri: `fs://${dir}/allowed/**`, access: ['read'] },
    });

  it('shows exactly what would be granted to which component, and grants it on a yes', async () => {
    asked.length = 0;
    answer = async () => ({ action: 'accept', content: { grant: true } });
    const r = await grantStorage(conn);
    assert.equal(r.isError, undefined, text(r));
    assert.equal(asked.length, 1);
    assert.equal(
      asked[0]!.message,
      `The client asks (with \`grant-storage-permission\`) to grant component \`ask-js\`:\n  - read access to fs://${dir}/allowed/**\nThis lasts until it is revoked (revoke-* or reset-permission). Grant it?`,
    );
    assert.deepEqual(asked[0]!.requestedSchema, {
      type: 'object',
      properties: {
        grant: {
          type: 'boolean',
          title: 'Grant this to ask-js',
          description: `read access to fs://${dir}/allowed/**`,
          default: false,
        },
      },
      required: ['grant'],
    });
    assert.match((await grantsOf(conn)) ?? '', /allowed\/\*\*/);
    await call(conn, 'reset-permission', { component_id: 'ask-js' });
  });

  for (const [what, respond, reason] of [
    ['declined', async () => ({ action: 'decline' }), /the person declined it/],
    ['cancelled', async () => ({ action: 'cancel' }), /the person cancelled it/],
    [
      'accepted without a yes',
      async () => ({ action: 'accept', content: { grant: false } }),
      /the person did not say yes/,
    ],
    [
      'not answered in time',
      () =>
        new Promise<ElicitResult>((resolve) =>
          setTimeout(() => resolve({ action: 'decline' }), 3000),
        ),
      /no answer came within 1s \(`mcp.grants.timeout`\), so nothing was granted/,
    ],
  ] as Array<[string, Answer, RegExp]>) {
    it(`grants nothing when the request is ${what}`, async () => {
      answer = respond;
      const r = await grantStorage(conn);
      assert.equal(r.isError, true);
      assert.match(
        text(r),
        /^not granted to `ask-js` \(read access to fs:\/\/.*\/allowed\/\*\*\): /,
      );
      assert.match(text(r), reason);
      assert.equal(await grantsOf(conn), null);
    });
  }

  it('refuses a grant beyond the ceiling without asking anyone', async () => {
    asked.length = 0;
    const r = await call(conn, 'grant-network-permission', {
      component_id: 'ask-js',
      details: { host: 'api.example.com' },
    });
    assert.equal(r.isError, true);
    assert.match(text(r), /refused: .*The server's ceiling/);
    assert.equal(asked.length, 0);
  });

  it('refuses clearly when the client cannot elicit', async () => {
    const r = await grantStorage(plain);
    assert.equal(r.isError, true);
    assert.match(
      text(r),
      /the server policy has a person approve every grant \(`mcp.grants.approval: elicit`\), and this client cannot ask one: it does not support MCP elicitation/,
    );
    assert.equal(await grantsOf(plain), null);
  });

  it('lets a component ask for itself, showing its reason; the grant applies from its next call', async () => {
    asked.length = 0;
    answer = async () => ({ action: 'accept', content: { grant: true } });
    const before = await call(conn, 'get-env', { key: 'TEST_TOKEN' });
    assert.deepEqual(before.structuredContent, { result: null });
    const r = await call(conn, 'ask-env', { key: 'TEST_TOKEN', reason: 'to call\nthe API' });
    assert.equal(r.isError, undefined, text(r));
    assert.equal(text(r), 'granted; it applies from the next call');
    assert.equal(
      asked[0]!.message,
      'Component `ask-js` asks to be granted:\n  - the environment variable TEST_TOKEN\nIts reason, in its own words: "to call the API"\nThis lasts until it is revoked (revoke-* or reset-permission). Grant it?',
    );
    const after = await call(conn, 'get-env', { key: 'TEST_TOKEN' });
    assert.deepEqual(after.structuredContent, { result: 'token-value' });
    await call(conn, 'reset-permission', { component_id: 'ask-js' });
  });

  it("refuses a component's request the person declines, or one beyond the ceiling", async () => {
    answer = async () => ({ action: 'decline' });
    const declined = await call(conn, 'ask-env', { key: 'TEST_TOKEN', reason: 'please' });
    assert.equal(declined.isError, true);
    assert.match(text(declined), /the person declined it/);
    const beyond = await call(conn, 'ask-storage', {
      uri: 'fs:///etc/**',
      reason: 'to look around',
    });
    assert.equal(beyond.isError, true);
    assert.match(text(beyond), /refused: .*beyond/);
    assert.equal(await grantsOf(conn), null);
  });
});

describe('grant requests from components without approval', () => {
  let conn: Connected;

  before(async () => {
    const dir = tempDir();
    conn = await stdioClient(
      ['--data-dir', join(dir, 'data'), '--allow-dir', dir, '--component', askGuest(dir)],
      { MCPKIT_CACHE_DIR: CACHE },
      { elicitation: {} },
    );
  });
  after(() => conn.close());

  it('are refused: a component never grants itself anything unasked', async () => {
    const r = await call(conn, 'ask-storage', { uri: 'fs:///tmp/**', reason: 'x' });
    assert.equal(r.isError, true);
    assert.match(
      text(r),
      /component `ask-js` may not ask for grants: the server policy does not have a person approve them/,
    );
  });
});
