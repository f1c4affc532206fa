// Prompts, resources, templates and completions from a WASI command module
// (packages/server/test/guests/catalog), served by the real CLI to the SDK's
// Client: listed, read, refused by the component's and the server's rules,
// paged, watched, and gone (with notifications) when the component unloads.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { type Connected, call, rejectsWith, stdioClient, tempDir, text } from '../testing.js';
import { catalogGuest } from './guests.js';

describe('prompts and resources of a WASI command module', () => {
  let conn: Connected;
  const events: string[] = [];
  const logs: string[] = [];

  before(async () => {
    const dir = tempDir();
    conn = await stdioClient(['--data-dir', join(dir, 'data'), '--component', catalogGuest(dir)]);
    conn.client.setNotificationHandler(PromptListChangedNotificationSchema, () => {
      events.push('prompts');
    });
    conn.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      events.push('resources');
    });
    conn.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      events.push(`updated ${n.params.uri}`);
    });
    conn.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(`${n.params.level} ${String(n.params.data)}`);
    });
  });
  after(() => conn.close());

  it('declares the capabilities', () => {
    const caps = conn.client.getServerCapabilities();
    assert.deepEqual(caps?.prompts, { listChanged: true });
    assert.deepEqual(caps?.resources, { subscribe: true, listChanged: true });
    assert.deepEqual(caps?.completions, {});
  });

  it('lists the prompts with their arguments', async () => {
    const { prompts } = await conn.client.listPrompts();
    assert.deepEqual(
      prompts.map((p) => p.name),
      ['greeting', 'summary'],
    );
    assert.deepEqual(prompts[0]!.arguments, [
      { name: 'name', description: 'Who to greet', required: true },
    ]);
  });

  it('gets a prompt, as the JSON the guest wrote and as plain text', async () => {
    const greeting = await conn.client.getPrompt({ name: 'greeting', arguments: { name: 'Ada' } });
    assert.equal(greeting.description, 'A greeting');
    assert.deepEqual(greeting.messages, [
      { role: 'user', content: { type: 'text', text: 'Say hello to Ada.' } },
    ]);
    const summary = await conn.client.getPrompt({ name: 'summary' });
    assert.deepEqual(summary.messages, [
      { role: 'user', content: { type: 'text', text: 'Summarise the notes.\n' } },
    ]);
  });

  it('refuses a prompt without its required argument, with one it does not take, or unknown', async () => {
    await rejectsWith(conn.client.getPrompt({ name: 'greeting' }), /needs the argument `name`/);
    await rejectsWith(
      conn.client.getPrompt({ name: 'greeting', arguments: { name: 'x', tone: 'warm' } }),
      /has no argument `tone` \(it takes `name`\)/,
    );
    await rejectsWith(conn.client.getPrompt({ name: 'farewell' }), /unknown prompt `farewell`/);
  });

  it('lists resources and templates', async () => {
    const { resources } = await conn.client.listResources();
    assert.deepEqual(
      resources.map((r) => r.uri),
      ['notes://readme', 'notes://private'],
    );
    const { resourceTemplates } = await conn.client.listResourceTemplates();
    assert.deepEqual(resourceTemplates, [
      {
        uriTemplate: 'notes://day/{day}',
        name: 'day',
        description: 'The notes of one day.',
        mimeType: 'text/markdown',
      },
    ]);
  });

  it('reads a resource (plain text, typed by the manifest) and a template expansion', async () => {
    const readme = await conn.client.readResource({ uri: 'notes://readme' });
    assert.deepEqual(readme.contents, [
      { uri: 'notes://readme', mimeType: 'text/plain', text: 'Notes are kept by day.' },
    ]);
    const day = await conn.client.readResource({ uri: 'notes://day/2024-05-01' });
    assert.deepEqual(day.contents, [
      { uri: 'notes://day/2024-05-01', mimeType: 'text/markdown', text: '# Notes for 2024-05-01' },
    ]);
  });

  it("refuses a read the component's own policy denies, naming the rule", async () => {
    await rejectsWith(
      conn.client.readResource({ uri: 'notes://private' }),
      /read of resource `notes:\/\/private` is not allowed: the policy of component `catalog` does not allow it: read denied by the `mcp.resources.deny` rule `notes:\/\/private`/,
    );
  });

  it('refuses URIs nobody offers and URIs with dot segments', async () => {
    await rejectsWith(
      conn.client.readResource({ uri: 'notes://elsewhere' }),
      /no loaded component offers resource/,
    );
    await rejectsWith(
      conn.client.readResource({ uri: 'notes://day/../private' }),
      /has a `\.` or `\.\.` path segment/,
    );
  });

  it('completes prompt arguments and template variables from the guest', async () => {
    const names = await conn.client.complete({
      ref: { type: 'ref/prompt', name: 'greeting' },
      argument: { name: 'name', value: 'A' },
    });
    assert.deepEqual(names.completion.values, ['Ada', 'Alan']);
    const days = await conn.client.complete({
      ref: { type: 'ref/resource', uri: 'notes://day/{day}' },
      argument: { name: 'day', value: '2024-01-0' },
    });
    assert.deepEqual(days.completion.values, ['2024-01-01', '2024-01-02']);
    await rejectsWith(
      conn.client.complete({
        ref: { type: 'ref/prompt', name: 'greeting' },
        argument: { name: 'colour', value: '' },
      }),
      /has no argument `colour`/,
    );
  });

  it('sends guest log lines at or above the level the client set', async () => {
    await conn.client.setLoggingLevel('warning');
    logs.length = 0;
    assert.equal(text(await call(conn, 'count-notes')), '3\n');
    await conn.client.setLoggingLevel('debug');
    await call(conn, 'count-notes');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(logs, [
      'warning warning: the count is approximate',
      'info counting notes',
      'warning warning: the count is approximate',
    ]);
  });

  it('tells subscribers, and every client, when the component goes away', async () => {
    await conn.client.subscribeResource({ uri: 'notes://readme' });
    await rejectsWith(
      conn.client.subscribeResource({ uri: 'notes://nowhere' }),
      /no loaded component offers/,
    );
    events.length = 0;
    const r = await call(conn, 'unload-component', { id: 'catalog' });
    assert.equal(r.isError, undefined, text(r));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(events.includes('updated notes://readme'), events.join(', '));
    assert.ok(events.includes('prompts'), events.join(', '));
    assert.ok(events.includes('resources'), events.join(', '));
    assert.deepEqual((await conn.client.listPrompts()).prompts, []);
    assert.deepEqual((await conn.client.listResources()).resources, []);
    await rejectsWith(conn.client.getPrompt({ name: 'summary' }), /unknown prompt/);
  });
});

/** The CLI serving the catalog guest under the server policy at `policy`. */
function withServerPolicy(dir: string, policy: string): Promise<Connected> {
  return stdioClient([
    '--data-dir',
    join(dir, 'data'),
    '--policy',
    policy,
    '--component',
    catalogGuest(dir),
  ]);
}

describe("the server's prompt and resource rules", () => {
  let conn: Connected;

  before(async () => {
    const dir = tempDir();
    const serverPolicy = join(dir, 'server.yaml');
    writeFileSync(
      serverPolicy,
      [
        'version: "1.0"',
        'mcp:',
        '  prompts:',
        '    allow:',
        '      - name: greeting',
        '        max_length: 10',
        '  resources:',
        '    allow:',
        '      - uri: "notes://day/**"',
        '        operations: [read]',
        '      - uri: "notes://readme"',
      ].join('\n'),
    );
    conn = await withServerPolicy(dir, serverPolicy);
  });
  after(() => conn.close());

  it('lists only what the server allows', async () => {
    assert.deepEqual(
      (await conn.client.listPrompts()).prompts.map((p) => p.name),
      ['greeting'],
    );
    assert.deepEqual(
      (await conn.client.listResources()).resources.map((r) => r.uri),
      ['notes://readme'],
    );
    // The template's own text is not under a `list` rule.
    assert.deepEqual((await conn.client.listResourceTemplates()).resourceTemplates, []);
  });

  it('refuses a prompt the server does not list, and arguments over max_length', async () => {
    await rejectsWith(
      conn.client.getPrompt({ name: 'summary' }),
      /prompt `summary` is not allowed: the server policy does not allow it/,
    );
    const ok = await conn.client.getPrompt({ name: 'greeting', arguments: { name: 'Grace' } });
    assert.equal(ok.messages.length, 1);
    await rejectsWith(
      conn.client.getPrompt({ name: 'greeting', arguments: { name: 'Bartholomew' } }),
      /11 characters long, over the `max_length` of 10/,
    );
  });

  it('reads a template expansion the server allows and refuses subscribing to it', async () => {
    const day = await conn.client.readResource({ uri: 'notes://day/2024-02-03' });
    assert.equal(day.contents[0]!.uri, 'notes://day/2024-02-03');
    await rejectsWith(
      conn.client.subscribeResource({ uri: 'notes://day/2024-02-03' }),
      /subscribe of resource `notes:\/\/day\/2024-02-03` is not allowed: the server policy/,
    );
  });
});

describe("a client role's prompt and resource rules", () => {
  let conn: Connected;

  before(async () => {
    const dir = tempDir();
    const viewer = join(dir, 'viewer.yaml');
    writeFileSync(
      viewer,
      [
        'version: "1.0"',
        'mcp:',
        '  prompts:',
        '    allow: [{ name: summary }]',
        '  resources:',
        '    allow: [{ uri: "notes://day/**", operations: [read] }]',
      ].join('\n'),
    );
    const serverPolicy = join(dir, 'server.yaml');
    writeFileSync(
      serverPolicy,
      [
        'version: "1.0"',
        'access:',
        `  roles: { viewer: ${JSON.stringify(viewer)} }`,
        '  stdio_role: viewer',
      ].join('\n'),
    );
    conn = await withServerPolicy(dir, serverPolicy);
  });
  after(() => conn.close());

  it('sees and gets only what its role allows', async () => {
    assert.deepEqual(
      (await conn.client.listPrompts()).prompts.map((p) => p.name),
      ['summary'],
    );
    await rejectsWith(
      conn.client.getPrompt({ name: 'greeting', arguments: { name: 'x' } }),
      /prompt `greeting` is not allowed: role `viewer` may not use it/,
    );
    assert.deepEqual((await conn.client.listResources()).resources, []);
    const day = await conn.client.readResource({ uri: 'notes://day/2024-01-01' });
    assert.equal(day.contents.length, 1);
    await rejectsWith(
      conn.client.readResource({ uri: 'notes://readme' }),
      /read of resource `notes:\/\/readme` is not allowed: role `viewer` may not use it/,
    );
  });
});
