// Extism plugins over MCP, with the official SDK's client: a hyper-mcp
// configuration served as it is (its runtime_config as the policy), tools
// listed and called, config, files and HTTP only as granted, and a
// configuration mcpkit cannot honour refused before anything is served.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  escapeAttempts,
  escapeDamage,
  escapeRules,
  escapeTree,
} from '@mcpkit/sandbox/escape-corpus';
import {
  CallToolResultSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  ProgressNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { fetchSettings } from '../sources/fetch-settings.js';
import { pushArtifact } from '../sources/oci-push.js';
import { RegistryClient } from '../sources/registry-client.js';
import { SourceHttp } from '../sources/source-http.js';
import {
  cosignKeyPair,
  cosignSign,
  startRegistry,
  type TestRegistry,
} from '../sources/testing-registry.js';
import {
  CLI,
  type Connected,
  call,
  ROOT,
  stdioClient,
  tempDir,
  text,
  toolNamed,
} from '../testing.js';
import { guestWithPolicy } from './guests.js';

const GUESTS = join(ROOT, 'packages', 'sandbox', 'test', 'guests');
export const pluginPath = (name: string) => join(GUESTS, `extism-${name}.wasm`);

/** A plugin in a directory of its own, with this policy beside it. */
const withPolicy = (dir: string, name: string, policy: string) =>
  guestWithPolicy(dir, name, pluginPath(name), policy);

async function listen(handler: http.RequestListener): Promise<[http.Server, number]> {
  const s = http.createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return [s, (s.address() as AddressInfo).port];
}

describe('a hyper-mcp configuration served by mcpkit', () => {
  let conn: Connected;
  const dir = tempDir('mcpkit-hyper-mcp-');
  const files = join(dir, 'shared');
  let server: http.Server;
  let port = 0;

  before(async () => {
    mkdirSync(files);
    writeFileSync(join(files, 'notes.txt'), 'plugin-visible notes');
    writeFileSync(join(dir, 'private.txt'), 'not for plugins');
    [server, port] = await listen((req, res) => res.end(`hello from ${req.url}`));
    const config = {
      plugins: [
        { name: 'hello', url: pathToFileURL(pluginPath('hello')).href },
        {
          name: 'state',
          url: pluginPath('state'),
          runtime_config: {
            env_vars: { API_URL: 'https://api.example' },
            skip_tools: ['set_.*'],
            memory_limit: '32Mi',
          },
        },
        { name: 'files', url: pluginPath('files'), runtime_config: { allowed_paths: [files] } },
        {
          name: 'fetch',
          url: pluginPath('fetch'),
          runtime_config: { allowed_hosts: ['127.0.0.1'] },
        },
        // Made with the Rust PDK; its `fetch` clashes with the plugin above.
        {
          name: 'rust',
          url: pluginPath('rust'),
          runtime_config: { allowed_hosts: ['127.0.0.1'], env_vars: { GREETING: 'hi' } },
        },
      ],
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    conn = await stdioClient(
      ['--data-dir', join(dir, 'data'), '--hyper-mcp-config', join(dir, 'config.json')],
      // In the server's environment, but not among the plugin's env_vars: never its config.
      { API_TOKEN: 'server-secret' },
    );
  });
  after(async () => {
    await conn.close();
    server.close();
  });

  it("lists every plugin's tools, without the skipped ones", async () => {
    const { tools } = await conn.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['greet', 'add', 'get_config', 'count', 'get_var', 'read_file', 'fetch'])
      assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    assert.ok(!names.includes('set_var'), 'skip_tools hides set_var');
    assert.deepEqual(toolNamed(tools, 'add').inputSchema.required, ['a', 'b']);
    const listed = await call(conn, 'list-components');
    const components = (
      listed.structuredContent as { components: Array<{ id: string; kind: string }> }
    ).components;
    assert.deepEqual(components.map((c) => [c.id, c.kind]).sort(), [
      ['fetch', 'plugin'],
      ['files', 'plugin'],
      ['hello', 'plugin'],
      ['rust', 'plugin'],
      ['state', 'plugin'],
    ]);
  });

  it('serves a Rust PDK plugin, its clashing tool under its id', async () => {
    const { tools } = await conn.client.listTools();
    // The plugin listed first in the configuration keeps the name.
    const rustFetch = toolNamed(tools, 'rust__fetch');
    assert.equal(rustFetch.description, 'GETs a URL and says what came back');
    assert.notEqual(toolNamed(tools, 'fetch').description, rustFetch.description);
    assert.equal(
      text(await call(conn, rustFetch.name, { url: `http://127.0.0.1:${port}/r` })),
      '200 hello from /r',
    );
    assert.equal(text(await call(conn, 'word_count', { text: 'one two three' })), '3 words');
    assert.equal(text(await call(conn, 'visits')), 'visit 1');
    assert.equal(text(await call(conn, 'visits')), 'visit 2');
    assert.equal(text(await call(conn, 'config', { key: 'GREETING' })), 'hi');
    const secret = await call(conn, 'config', { key: 'API_TOKEN' });
    assert.equal(secret.isError, true);
    assert.doesNotMatch(text(secret), /server-secret/);
  });

  it('calls them, the answers as the plugins made them', async () => {
    assert.equal(text(await call(conn, 'greet', { name: 'MCP' })), 'Hello, MCP!');
    assert.equal(text(await call(conn, 'add', { a: 2, b: 3 })), '5');
    assert.equal(text(await call(conn, 'count')), '1');
    assert.equal(text(await call(conn, 'count')), '2');
    const bad = await call(conn, 'add', { a: 'two', b: 3 });
    assert.equal(bad.isError, true);
  });

  it('gives a plugin its env_vars as config, and nothing else of the environment', async () => {
    assert.equal(text(await call(conn, 'get_config', { key: 'API_URL' })), 'https://api.example');
    const secret = await call(conn, 'get_config', { key: 'API_TOKEN' });
    assert.equal(secret.isError, true);
    assert.doesNotMatch(text(secret), /server-secret/);
  });

  it('lets a plugin read its allowed paths and nothing beside them', async () => {
    assert.equal(
      text(await call(conn, 'read_file', { path: join(files, 'notes.txt') })),
      'plugin-visible notes',
    );
    for (const path of [join(dir, 'private.txt'), `${files}/../private.txt`, '/etc/passwd']) {
      const r = await call(conn, 'read_file', { path });
      assert.equal(r.isError, true, path);
      assert.doesNotMatch(text(r), /not for plugins|root:/);
    }
  });

  it('lets a plugin reach its allowed hosts', async () => {
    assert.equal(
      text(await call(conn, 'fetch', { url: `http://127.0.0.1:${port}/x` })),
      '200\nhello from /x',
    );
  });

  it('keeps the configuration of its plugins when the server starts again without it', async () => {
    const again = await stdioClient(['--data-dir', join(dir, 'data')], {
      API_TOKEN: 'server-secret',
    });
    try {
      const names = (await again.client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('get_config') && !names.includes('set_var'), names.join(', '));
      assert.equal(
        text(await call(again, 'get_config', { key: 'API_URL' })),
        'https://api.example',
      );
    } finally {
      await again.close();
    }
  });

  it('inspects and calls a plugin file from the command line', () => {
    const inspect = spawnSync(
      process.execPath,
      [CLI, 'component', 'inspect', pluginPath('hello'), '--data-dir', join(dir, 'cli')],
      { encoding: 'utf8' },
    );
    assert.equal(inspect.status, 0, inspect.stderr);
    assert.match(inspect.stdout, /Extism plugin \(hyper-mcp protocol 1\)/);
    assert.match(inspect.stdout, /greet/);
    const called = spawnSync(
      process.execPath,
      [
        CLI,
        'tool',
        'call',
        'greet',
        '--component',
        pluginPath('hello'),
        '--args',
        '{"name":"command line"}',
        '--data-dir',
        join(dir, 'cli'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(called.status, 0, called.stderr);
    assert.match(called.stdout, /Hello, command line!/);
  });
});

describe('plugins under their own policies over MCP', () => {
  let conn: Connected;
  const dir = tempDir('mcpkit-plugins-');
  let allowed: http.Server;
  let other: http.Server;
  let allowedPort = 0;
  let otherPort = 0;
  const otherHits: string[] = [];
  const t = escapeTree();

  before(async () => {
    [other, otherPort] = await listen((req, res) => {
      otherHits.push(req.url ?? '');
      res.end('other');
    });
    [allowed, allowedPort] = await listen((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/stolen` });
        res.end();
      } else res.end('fine');
    });
    conn = await stdioClient([
      '--data-dir',
      join(dir, 'data'),
      '--component',
      withPolicy(
        dir,
        'fetch',
        `version: "1.0"\nnetwork:\n  allow:\n    - host: "127.0.0.1"\n      ports: [${allowedPort}]\n    - host: localhost\n`,
      ),
      '--component',
      withPolicy(
        dir,
        'files',
        `version: "1.0"\nstorage:\n  allow:\n${escapeRules(t)
          .map(
            ([uri, access]) => `    - uri: "fs://${uri}"\n      access: [${access.join(', ')}]\n`,
          )
          .join('')}`,
      ),
    ]);
  });
  after(async () => {
    await conn.close();
    allowed.close();
    other.close();
  });

  it('refuses another port on 127.0.0.1, a redirect to it, and a name at a denied address', async () => {
    assert.equal(
      text(await call(conn, 'fetch', { url: `http://127.0.0.1:${allowedPort}/ok` })),
      '200\nfine',
    );
    for (const url of [
      `http://127.0.0.1:${otherPort}/direct`,
      `http://127.0.0.1:${allowedPort}/redirect`,
      `http://localhost:${otherPort}/by-name`,
    ]) {
      const r = await call(conn, 'fetch', { url });
      assert.equal(r.isError, true, url);
      assert.match(text(r), /HTTP request to .* failed/);
      assert.match(text(r), /The policy refused:/);
    }
    assert.deepEqual(otherHits, []);
  });

  it('refuses the escape corpus through a plugin', async () => {
    for (const op of escapeAttempts(t)) {
      const args =
        op.op === 'read'
          ? ['read_file', { path: op.path }]
          : op.op === 'list'
            ? ['list_dir', { path: op.path }]
            : op.op === 'write'
              ? ['write_file', { path: op.path, content: op.content }]
              : undefined;
      if (!args) continue;
      const r = await call(conn, args[0] as string, args[1] as Record<string, unknown>);
      assert.equal(r.isError, true, JSON.stringify(op));
      assert.doesNotMatch(text(r), /TOP-SECRET/);
    }
    assert.deepEqual(escapeDamage(t), []);
    assert.equal(readFileSync(join(t.outside, 'secret.txt'), 'utf8'), 'TOP-SECRET-CONTENT');
  });
});

describe('an adversarial plugin over MCP', () => {
  let conn: Connected;
  const dir = tempDir('mcpkit-evil-');
  before(async () => {
    conn = await stdioClient([
      '--data-dir',
      join(dir, 'data'),
      '--component',
      withPolicy(
        dir,
        'evil',
        'version: "1.0"\nresources:\n  limits: {memory: 16Mi, execution_time: 2s, output: 1Mi}\n',
      ),
      '--component',
      pluginPath('shout-as'),
    ]);
  });
  after(() => conn.close());

  it('every attack ends as a tool error or a harmless answer, and the server serves on', async () => {
    const { tools } = await conn.client.listTools();
    const attacks = [
      'oob_load',
      'oob_store',
      'oob_input',
      'oob_output',
      'bad_error',
      'bad_length',
      'bad_free',
      'bad_config',
      'huge_alloc',
      'alloc_bomb',
      'output_flood',
      'var_bomb',
      'log_flood',
      'spin',
      'grow_bomb',
    ];
    for (const name of attacks) toolNamed(tools, name);
    const harmless = new Set(['bad_length', 'bad_free', 'huge_alloc', 'alloc_bomb']);
    for (const name of attacks) {
      const r = await call(conn, name);
      if (harmless.has(name)) assert.notEqual(r.isError, true, `${name}: ${text(r)}`);
      // A log flood may finish within the deadline, its logs capped.
      else if (name !== 'log_flood') assert.equal(r.isError, true, `${name}: ${text(r)}`);
      // Nothing of the host leaks into an answer.
      assert.doesNotMatch(text(r), /node:internal|at .*\.js:\d+/);
    }
    assert.equal(text(await call(conn, 'shout', { text: 'still here' })), 'STILL HERE');
  });
});

describe('plugins of a hyper-mcp configuration from an OCI registry', () => {
  let registry: TestRegistry;
  let conn: Connected;
  const dir = tempDir('mcpkit-plugins-oci-');
  before(async () => {
    registry = await startRegistry();
    const sourceHttp = new SourceHttp(fetchSettings({ allowCidrs: ['127.0.0.0/8'] }));
    const keys = cosignKeyPair(dir);
    const push = (repository: string, name: string) =>
      pushArtifact(
        new RegistryClient({ http: sourceHttp, registry: registry.host, repository }),
        '1',
        {
          wasm: readFileSync(pluginPath(name)),
        },
      );
    await push('plugins/hello', 'hello');
    const signed = await push('plugins/greeter', 'hello');
    await push('plugins/shout', 'shout-as');
    cosignSign(keys.key, `${registry.host}/plugins/greeter@${signed.digest}`, dir);
    const policy = join(dir, 'server.yaml');
    writeFileSync(
      policy,
      `version: "1.0"\ntrust:\n  sources:\n    - name: plugins\n      match: ["oci://${registry.host}/plugins/**"]\n      signers:\n        - key: ${keys.pub}\n  fetch:\n    network:\n      - cidr: 127.0.0.0/8\n`,
    );
    writeFileSync(
      join(dir, 'config.yaml'),
      `plugins:\n  - name: hello\n    url: oci://${registry.host}/plugins/hello:1\n`,
    );
    conn = await stdioClient([
      '--data-dir',
      join(dir, 'data'),
      '--policy',
      policy,
      '--hyper-mcp-config',
      join(dir, 'config.yaml'),
    ]);
  });
  after(async () => {
    await conn?.close();
    await registry?.stop();
  });

  it("serves the configuration's plugin, which the operator named", async () => {
    assert.equal(text(await call(conn, 'greet', { name: 'registry' })), 'Hello, registry!');
  });

  it("takes a client's plugin only when it is signed by a trusted key", async () => {
    const load = (path: string) => call(conn, 'load-component', { path });
    const refused = await load(`oci://${registry.host}/plugins/shout:1`);
    assert.equal(refused.isError, true);
    assert.match(text(refused), /signature|signed/i);
    const { tools } = await conn.client.listTools();
    assert.ok(!tools.some((t) => t.name === 'shout'), 'the unsigned plugin is not served');
    const loaded = await load(`oci://${registry.host}/plugins/greeter:1`);
    assert.notEqual(loaded.isError, true, text(loaded));
    assert.equal(text(await call(conn, 'greeter__greet', { name: 'signed' })), 'Hello, signed!');
  });
});

describe("the examples' hyper-mcp configuration", () => {
  it('serves as it is: C and Rust plugins, with their env_vars and skip_tools', async () => {
    const dir = tempDir('mcpkit-plugin-example-');
    const conn = await stdioClient([
      '--data-dir',
      join(dir, 'data'),
      '--hyper-mcp-config',
      join(ROOT, 'examples', 'plugins', 'hyper-mcp.yaml'),
    ]);
    try {
      const { tools } = await conn.client.listTools();
      const names = tools.map((t) => t.name);
      for (const n of ['greet', 'get_config', 'word_count', 'config'])
        assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      assert.ok(!names.includes('set_var'));
      assert.equal(text(await call(conn, 'greet', { name: 'example' })), 'Hello, example!');
      assert.equal(text(await call(conn, 'word_count', { text: 'a b' })), '2 words');
      assert.equal(
        text(await call(conn, 'config', { key: 'GREETING' })),
        'hello from the configuration',
      );
    } finally {
      await conn.close();
    }
  });
});

describe('a hyper-mcp configuration mcpkit cannot honour', () => {
  it('is refused before serving, saying where and what', () => {
    const dir = tempDir('mcpkit-hyper-mcp-bad-');
    writeFileSync(
      join(dir, 'config.yaml'),
      `plugins:\n  - name: hello\n    url: ${pluginPath('hello')}\n    runtime_config:\n      allowed_hosts: [example.com]\n      max_threads: 4\n  - name: far\n    url: http://example.com/far.wasm\n`,
    );
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'serve',
        '--data-dir',
        join(dir, 'data'),
        '--hyper-mcp-config',
        join(dir, 'config.yaml'),
      ],
      { encoding: 'utf8', input: '' },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /\/plugins\/0\/runtime_config\/max_threads/);
    assert.match(r.stderr, /\/plugins\/1\/url: plain http:\/\//);
  });
});

describe('a protocol-2 plugin with prompts, resources and completions', () => {
  let conn: Connected;
  let plain: Connected;
  const asked: string[] = [];
  const events: string[] = [];
  const dir = tempDir('mcpkit-plugin-catalog-');
  before(async () => {
    conn = await stdioClient(
      [
        '--data-dir',
        join(dir, 'data'),
        '--component',
        withPolicy(
          dir,
          'catalog',
          'version: "1.0"\nmcp:\n  client:\n    elicitation: true\n    roots: true\n',
        ),
      ],
      {},
      { elicitation: {}, roots: {} },
    );
    conn.client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: 'file:///home/ada/project', name: 'project' }],
    }));
    conn.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      events.push('tools');
    });
    conn.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      // Past the 300 ms the plugin said it would wait.
      if (request.params.message === 'Quick?')
        await new Promise((resolve) => setTimeout(resolve, 1500));
      return { action: 'accept', content: { name: 'Ada' } };
    });
    plain = await stdioClient(
      [
        '--data-dir',
        join(dir, 'data2'),
        '--component',
        withPolicy(join(dir, 'p'), 'catalog', 'version: "1.0"\nmcp:\n  client:\n    roots: true\n'),
      ],
      {},
      { elicitation: {} },
    );
  });
  after(async () => {
    await conn.close();
    await plain.close();
  });

  it("asks the client through hyper-mcp's create_elicitation, as its policy allows", async () => {
    const r = await call(conn, 'ask');
    assert.notEqual(r.isError, true, text(r));
    assert.deepEqual(JSON.parse(text(r)), { action: 'accept', content: { name: 'Ada' } });
    assert.deepEqual(asked, ['Your name?']);
    const refused = await call(plain, 'ask');
    assert.equal(refused.isError, true);
    assert.match(text(refused), /create_elicitation.*elicitation/);
  });

  it("waits for an answer no longer than the elicitation's timeout", async () => {
    // The answer would come after 1.5 s, an accept; the call fails before it.
    const r = await call(conn, 'ask_briefly');
    assert.equal(r.isError, true, text(r));
    assert.match(
      text(r),
      /create_elicitation.*the client did not answer the elicitation.*timed out/i,
    );
  });

  it("tells it the client's roots through list_roots, as its policy and the client allow", async () => {
    const r = await call(conn, 'roots');
    assert.notEqual(r.isError, true, text(r));
    assert.deepEqual(JSON.parse(text(r)), {
      roots: [{ uri: 'file:///home/ada/project', name: 'project' }],
    });
    // This client did not say it has roots, so it is not asked.
    const refused = await call(plain, 'roots');
    assert.equal(refused.isError, true);
    assert.match(text(refused), /list_roots.*the client does not support roots/);
  });

  it('lists and gets its prompts', async () => {
    const { prompts } = await conn.client.listPrompts();
    assert.deepEqual(
      prompts.map((p) => p.name),
      ['greeting'],
    );
    const got = await conn.client.getPrompt({ name: 'greeting', arguments: { name: 'Ada' } });
    assert.deepEqual(got.messages, [
      { role: 'user', content: { type: 'text', text: 'Say hello to Ada' } },
    ]);
  });

  it('lists and reads its resources and template', async () => {
    const { resources } = await conn.client.listResources();
    assert.deepEqual(
      resources.map((r) => r.uri),
      ['memo://readme'],
    );
    const { resourceTemplates } = await conn.client.listResourceTemplates();
    assert.deepEqual(
      resourceTemplates.map((t) => t.uriTemplate),
      ['memo://notes/{id}'],
    );
    const readme = await conn.client.readResource({ uri: 'memo://readme' });
    assert.equal((readme.contents[0] as { text: string }).text, 'read me first');
    const note = await conn.client.readResource({ uri: 'memo://notes/42' });
    assert.equal((note.contents[0] as { text: string }).text, 'note 42');
  });

  it('completes a prompt argument', async () => {
    const r = await conn.client.complete({
      ref: { type: 'ref/prompt', name: 'greeting' },
      argument: { name: 'name', value: 'al' },
    });
    assert.deepEqual(r.completion.values, ['alice', 'albert']);
  });

  it("reports the progress hyper-mcp's notify_progress gives", async () => {
    // The SDK client hands notifications to their handlers a turn after the
    // answer of the same read, so the progress is watched on the wire.
    const wire: string[] = [];
    conn.client.setNotificationHandler(ProgressNotificationSchema, (n) => {
      wire.push(
        `${n.params.progressToken} ${n.params.progress}/${n.params.total} ${n.params.message}`,
      );
    });
    const r = await conn.client.request(
      {
        method: 'tools/call',
        params: { name: 'steps', arguments: {}, _meta: { progressToken: 'p1' } },
      },
      CallToolResultSchema,
    );
    assert.equal(text(r as never), 'done');
    for (let i = 0; i < 50 && wire.length < 3; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(wire, ['p1 1/3 step 1', 'p1 2/3 step 2', 'p1 3/3 step 3']);
  });

  it('offers a tool it adds once it says its list changed', async () => {
    assert.equal(text(await call(conn, 'add_tool')), 'added tool_1');
    for (let i = 0; i < 50 && !events.includes('tools'); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(events.includes('tools'), 'tools/list_changed was sent');
    const { tools } = await conn.client.listTools();
    toolNamed(tools, 'tool_1');
    assert.equal(text(await call(conn, 'tool_1')), 'tool_1');
  });
});
