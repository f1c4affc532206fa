// A WebAssembly component serving MCP itself through mcpkit:host's provider
// interfaces (the conformance fixture, packages/server/test/conformance),
// under a policy of its own, to the SDK's Client: its tools, prompts and
// resources listed and read, some refused by its rules, its requests to the
// client decided by `mcp.client` and by what the client supports, and all of
// it gone, with notifications, when it unloads.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ElicitRequestSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { type Connected, call, rejectsWith, stdioClient, tempDir, text } from '../testing.js';
import { COMPONENT_CACHE as CACHE, conformanceFixture } from './guests.js';

const POLICY = [
  'version: "1.0"',
  'mcp:',
  '  client:',
  '    elicitation: true',
  '  prompts:',
  '    allow:',
  '      - name: "test_*"',
  '    deny:',
  '      - name: test_prompt_with_image',
  '  resources:',
  '    allow:',
  '      - uri: "test://**"',
  '    deny:',
  '      - uri: "test://static-binary"',
  '        operations: [read]',
].join('\n');

describe('a component that serves prompts and resources', () => {
  let conn: Connected;
  let plain: Connected;
  const events: string[] = [];
  let answer: unknown = {
    action: 'accept',
    content: { username: 'ada', email: 'ada@example.com' },
  };
  let asked: { message?: string; requestedSchema?: unknown } | undefined;

  before(async () => {
    const dir = tempDir();
    const wasm = conformanceFixture(dir, POLICY);
    const env = { MCPKIT_CACHE_DIR: CACHE };
    conn = await stdioClient(['--data-dir', join(dir, 'data'), '--component', wasm], env, {
      elicitation: {},
      sampling: {},
    });
    conn.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked = request.params as typeof asked;
      return answer as never;
    });
    for (const [schema, name] of [
      [ToolListChangedNotificationSchema, 'tools'],
      [PromptListChangedNotificationSchema, 'prompts'],
      [ResourceListChangedNotificationSchema, 'resources'],
    ] as const)
      conn.client.setNotificationHandler(schema, () => {
        events.push(name);
      });
    // A client that declares neither sampling nor elicitation.
    plain = await stdioClient(['--data-dir', join(dir, 'data2'), '--component', wasm], env);
  });
  after(async () => {
    await conn.close();
    await plain.close();
  });

  it('offers the tools of its tool-provider, with their own names and schemas', async () => {
    const { tools } = await conn.client.listTools();
    const schema = tools.find((t) => t.name === 'json_schema_2020_12_tool')?.inputSchema as Record<
      string,
      unknown
    >;
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.ok('address' in (schema.$defs as object));
    const r = await call(conn, 'test_image_content');
    assert.equal(r.content[0]!.type, 'image');
    assert.equal((r.content[0] as { mimeType: string }).mimeType, 'image/png');
    // Arguments are checked against its schema before the component runs.
    const bad = await call(conn, 'json_schema_2020_12_tool', { colour: 'red' });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /do not match the input schema/);
  });

  it('lists its prompts except the one its policy denies, and gets them', async () => {
    const names = (await conn.client.listPrompts()).prompts.map((p) => p.name);
    assert.deepEqual(names, [
      'test_simple_prompt',
      'test_prompt_with_arguments',
      'test_prompt_with_embedded_resource',
    ]);
    const p = await conn.client.getPrompt({
      name: 'test_prompt_with_arguments',
      arguments: { arg1: 'one', arg2: 'two' },
    });
    assert.deepEqual(p.messages[0]!.content, {
      type: 'text',
      text: "Prompt with arguments: arg1='one', arg2='two'",
    });
    await rejectsWith(
      conn.client.getPrompt({ name: 'test_prompt_with_image' }),
      /not allowed: the policy of component `conformance` does not allow it/,
    );
  });

  it('reads its resources and templates, except what its policy denies', async () => {
    const uris = (await conn.client.listResources()).resources.map((r) => r.uri);
    assert.deepEqual(uris, [
      'test://static-text',
      'test://static-binary',
      'test://watched-resource',
    ]);
    const t = await conn.client.readResource({ uri: 'test://template/42/data' });
    assert.deepEqual(JSON.parse((t.contents[0] as { text: string }).text), {
      id: '42',
      templateTest: true,
      data: 'Data for ID: 42',
    });
    await rejectsWith(
      conn.client.readResource({ uri: 'test://static-binary' }),
      /read of resource `test:\/\/static-binary` is not allowed/,
    );
  });

  it('completes through its completion-provider', async () => {
    const r = await conn.client.complete({
      ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
      argument: { name: 'arg1', value: 'par' },
    });
    assert.deepEqual(r.completion.values, ['paris', 'park', 'party']);
  });

  it('asks the person through the client, and checks the answers against its schema', async () => {
    answer = { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
    const ok = await call(conn, 'test_elicitation', { message: 'Who are you?' });
    assert.equal(ok.isError, undefined, text(ok));
    assert.equal(asked?.message, 'Who are you?');
    assert.match(text(ok), /action=accept, content=\{"username":"ada","email":"ada@example.com"\}/);
    answer = { action: 'decline' };
    assert.match(text(await call(conn, 'test_elicitation', { message: 'x' })), /action=decline/);
    answer = { action: 'accept', content: { username: 'ada' } };
    const wrong = await call(conn, 'test_elicitation', { message: 'x' });
    assert.equal(wrong.isError, true);
    assert.match(text(wrong), /answers do not match the requested schema/);
  });

  it('refuses sampling its policy does not allow, and elicitation a client cannot do', async () => {
    const sampling = await call(conn, 'test_sampling', { prompt: 'hi' });
    assert.equal(sampling.isError, true);
    assert.match(
      text(sampling),
      /component `conformance` may not ask the client for sampling: its policy does not say `mcp: \{ client: \{ sampling: true \} \}`/,
    );
    const elicit = await call(plain, 'test_elicitation', { message: 'x' });
    assert.equal(elicit.isError, true);
    assert.match(text(elicit), /the client does not support form elicitation/);
  });

  it('is gone, with list_changed notifications, when it unloads', async () => {
    events.length = 0;
    const r = await call(conn, 'unload-component', { id: 'conformance' });
    assert.equal(r.isError, undefined, text(r));
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const e of ['tools', 'prompts', 'resources']) assert.ok(events.includes(e), events.join());
    assert.deepEqual((await conn.client.listPrompts()).prompts, []);
    assert.deepEqual((await conn.client.listResources()).resources, []);
    assert.deepEqual((await conn.client.listResourceTemplates()).resourceTemplates, []);
    await rejectsWith(
      conn.client.readResource({ uri: 'test://static-text' }),
      /no loaded component offers resource/,
    );
  });
});
