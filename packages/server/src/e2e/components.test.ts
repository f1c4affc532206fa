// WebAssembly components (WIT, WASI 0.2) served over MCP by the real CLI to
// the SDK's Client: tools listed with schemas from WIT, called, and every
// capability checked: HTTP to a server on 127.0.0.1 (allowed host, denied
// host, redirect to a denied host, a name resolving to a denied address),
// files (the escape corpus through wasi:filesystem), the environment, and
// calls to other tools.

import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ESCAPE_SECRET,
  type EscapeOp,
  type EscapeTree,
  escapeAttempts,
  escapeDamage,
  escapeRules,
  escapeTree,
} from '@mcpkit/sandbox/escape-corpus';
import { LoggingMessageNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  type Connected,
  call,
  EXAMPLES,
  example,
  ROOT,
  stdioClient,
  tempDir,
  text,
  toolNamed,
} from '../testing.js';

/** Transpiled components are cached across test runs (keyed by digest and jco version). */
const CACHE = join(ROOT, 'node_modules', '.cache', 'mcpkit-components');

/** A copy of an example component with its WIT docs and this policy beside it. */
function withPolicy(dir: string, name: string, policy: string): string {
  const to = join(dir, name);
  mkdirSync(to, { recursive: true });
  cpSync(join(EXAMPLES, 'components', name, `${name}.wasm`), join(to, `${name}.wasm`));
  cpSync(join(EXAMPLES, 'components', name, 'wit'), join(to, 'wit'), { recursive: true });
  writeFileSync(join(to, 'policy.yaml'), policy);
  return join(to, `${name}.wasm`);
}

const component = (name: string) => join(EXAMPLES, 'components', name, `${name}.wasm`);
const WT = 'mcpkit-examples_wit-types_types_0_1_0_';

// biome-ignore lint/suspicious/noExplicitAny: JSON Schemas are walked freely in assertions.
type Json = any;
const FILES = 'mcpkit-examples_files_files_0_1_0_';

describe('components over MCP', () => {
  let conn: Connected;
  let tools: Tool[];
  let web: Server;
  let port = 0;
  const hits: string[] = [];
  let tree: EscapeTree;
  const logs: string[] = [];

  before(async () => {
    web = createServer((req, res) => {
      hits.push(`${req.headers.host} ${req.url}`);
      if (req.url === '/hello') {
        res.end('hello from 127.0.0.1');
      } else if (req.url === '/to-denied') {
        res.writeHead(302, { location: `http://denied.test:${port}/hello` });
        res.end();
      } else if (req.url === '/to-hello') {
        res.writeHead(302, { location: '/hello' });
        res.end();
      } else {
        res.writeHead(404);
        res.end('no such page');
      }
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    port = (web.address() as AddressInfo).port;

    const dir = tempDir('mcpkit-components-');
    tree = escapeTree();
    const storage = escapeRules(tree)
      .map(([uri, access]) => `      - uri: "fs://${uri}"\n        access: [${access.join(', ')}]`)
      .join('\n');
    conn = await stdioClient(
      [
        '--data-dir',
        join(dir, 'data'),
        '--resolve',
        'allowed.test=127.0.0.1',
        '--resolve',
        'denied.test=127.0.0.1',
        '--resolve',
        'rebind.test=10.1.2.3',
        '--component',
        withPolicy(
          dir,
          'fetch-js',
          [
            'version: "1.0"',
            'permissions:',
            '  network:',
            '    allow:',
            '      - host: "allowed.test"',
            '      - host: "rebind.test"',
            // Loopback is special: a host rule alone does not reach it.
            '      - cidr: "127.0.0.1/32"',
          ].join('\n'),
        ),
        '--component',
        withPolicy(
          dir,
          'files-js',
          `version: "1.0"\npermissions:\n  storage:\n    allow:\n${storage}\n`,
        ),
        '--component',
        withPolicy(
          dir,
          'env-js',
          'version: "1.0"\npermissions:\n  environment:\n    allow:\n      - key: "MCPKIT_TEST_VISIBLE"\n',
        ),
        '--component',
        component('wit-types-js'),
        '--component',
        component('time-js'),
        '--component',
        component('compose-js'),
        '--component',
        example('hash'),
      ],
      {
        MCPKIT_CACHE_DIR: CACHE,
        MCPKIT_TEST_VISIBLE: 'visible value',
        MCPKIT_TEST_SECRET: 'secret value',
      },
    );
    conn.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(String(n.params.data));
    });
    tools = (await conn.client.listTools()).tools;
  });

  after(async () => {
    await conn?.close();
    web?.close();
  });

  const tool = (name: string) => toolNamed(tools, name);

  describe('tools from WIT exports', () => {
    it('names tools as Wassette does: world functions by name, interface functions prefixed', () => {
      for (const name of [
        'fetch',
        'get-env',
        'list-env',
        'get-current-time',
        'sum-and-hash',
        'call',
        `${FILES}read-file`,
        `${FILES}list-dir`,
        `${WT}echo-point`,
        `${WT}describe`,
        `${WT}ping`,
      ])
        tool(name);
      for (const t of tools) assert.match(t.name, /^[a-zA-Z0-9_-]{1,128}$/);
    });

    it('describes tools and types with the WIT doc comments', () => {
      assert.match(tool('fetch').description ?? '', /^Fetches `url` with an HTTP GET/);
      assert.match(
        tool(`${WT}describe`).description ?? '',
        /^Describes point `p` painted in colour `c`/,
      );
      const point = (tool(`${WT}echo-point`).inputSchema.properties as Record<string, Json>).v;
      assert.equal(point.description, 'A point on a grid, with an optional label.');
      assert.equal(point.properties.x.description, 'Horizontal coordinate.');
    });

    it('derives input and output schemas from the WIT types', () => {
      const u8 = tool(`${WT}echo-u8`);
      assert.deepEqual(u8.inputSchema, {
        type: 'object',
        properties: { v: { type: 'integer', minimum: 0, maximum: 255 } },
        required: ['v'],
        additionalProperties: false,
      });
      assert.deepEqual(u8.outputSchema, {
        type: 'object',
        properties: { result: { type: 'integer', minimum: 0, maximum: 255 } },
        required: ['result'],
        additionalProperties: false,
      });
      const fetch = tool('fetch');
      assert.deepEqual(fetch.inputSchema.required, ['url']);
      assert.deepEqual(
        (fetch.outputSchema!.properties as Record<string, Json>).result.oneOf.map(
          (s: { required: string[] }) => s.required[0],
        ),
        ['ok', 'err'],
      );
      assert.equal(tool(`${WT}ping`).outputSchema, undefined);
      const tuple = (tool(`${WT}echo-tuple`).inputSchema.properties as Record<string, Json>).v;
      assert.equal(tuple.prefixItems.length, 3);
    });

    it('does not offer a function taking a resource, and says why in the log', () => {
      assert.ok(!tools.some((t) => t.name.includes('use-counter')));
      assert.ok(!tools.some((t) => t.name.includes('counter.increment')));
      assert.match(conn.stderr(), /use-counter`? is not offered as a tool: .*resource/);
    });
  });

  describe('WIT values both ways', () => {
    // Every WIT type, sent as JSON and returned unchanged by the component.
    const ECHO: Array<[string, unknown, unknown?]> = [
      ['echo-bool', true],
      ['echo-u8', 255],
      ['echo-u16', 65_535],
      ['echo-u32', 2_147_483_647],
      ['echo-u64', '18446744073709551615'],
      ['echo-u64', 42],
      ['echo-s8', -128],
      ['echo-s16', -32_768],
      ['echo-s32', -2_147_483_648],
      ['echo-s64', '9223372036854775807'],
      ['echo-f32', 1.5],
      ['echo-f64', 0.1],
      ['echo-char', '😀'],
      ['echo-string', 'héllo 😀'],
      ['echo-list-u32', [1, 4_294_967_295]],
      ['echo-list-string', ['a', 'b']],
      ['echo-tuple', ['s', 7, true]],
      ['echo-point', { x: 1, y: -2, label: 'home' }],
      ['echo-point', { x: 1, y: 2 }, { x: 1, y: 2, label: null }],
      ['echo-shape', { tag: 'circle', val: 2.5 }],
      ['echo-shape', { tag: 'rect', val: { x: 1, y: 2, label: null } }],
      ['echo-shape', { tag: 'none' }],
      ['echo-color', 'green'],
      ['echo-option-string', null],
      ['echo-option-string', 'x'],
      ['echo-option-option-u8', null],
      ['echo-option-option-u8', { some: null }],
      ['echo-option-option-u8', { some: 7 }],
      ['echo-result', { ok: 5 }],
      ['echo-result-unit', { ok: null }],
      ['echo-perms', ['read', 'exec']],
      ['echo-perms', []],
      ['echo-points', [{ x: 1, y: 2, label: 'a' }]],
    ];
    for (const [fn, value, expected] of ECHO) {
      it(`${fn} ${JSON.stringify(value)}`, async () => {
        const r = await call(conn, `${WT}${fn}`, { v: value });
        assert.notEqual(r.isError, true, text(r));
        assert.deepEqual(r.structuredContent, { result: expected ?? value });
      });
    }

    it("a result's err case is a tool error with the err as text", async () => {
      const r = await call(conn, `${WT}echo-result`, { v: { err: 'bad thing' } });
      assert.equal(r.isError, true);
      assert.equal(text(r), 'bad thing');
      assert.deepEqual(r.structuredContent, { result: { err: 'bad thing' } });
    });

    it('several parameters, text results, and functions without a result', async () => {
      const d = await call(conn, `${WT}describe`, { p: { x: 1, y: 2, label: 'home' }, c: 'green' });
      assert.equal(text(d), 'point (1, 2) "home" in green');
      const p = await call(conn, `${WT}ping`);
      assert.notEqual(p.isError, true);
      assert.deepEqual(p.content, []);
    });

    it('rejects bad values, naming the field', async () => {
      const bad: Array<[string, unknown, RegExp]> = [
        ['echo-u8', 256, /`\/v` must be <= 255/],
        ['echo-s8', 1.5, /`\/v` must be integer/],
        ['echo-point', { x: 1 }, /`\/v` must have required property 'y'/],
        ['echo-point', { x: 1, y: 2, z: 3 }, /`\/v` must NOT have additional properties/],
        ['echo-char', 'ab', /`\/v` must NOT have more than 1 characters/],
        ['echo-perms', ['read', 'nope'], /`\/v\/1` must be equal to one of the allowed values/],
        [
          'echo-u64',
          '18446744073709551616',
          /arguments\.v: expected an integer from 0 to 18446744073709551615/,
        ],
        ['echo-shape', { tag: 'square' }, /`\/v`/],
        ['echo-string', 5, /`\/v` must be string/],
      ];
      for (const [fn, value, message] of bad) {
        const r = await call(conn, `${WT}${fn}`, { v: value });
        assert.equal(r.isError, true, `${fn} ${JSON.stringify(value)}`);
        assert.match(text(r), message);
      }
    });
  });

  describe('network', () => {
    it('reaches an allowed host', async () => {
      const r = await call(conn, 'fetch', { url: `http://allowed.test:${port}/hello` });
      assert.notEqual(r.isError, true, text(r));
      assert.equal(text(r), 'hello from 127.0.0.1');
      assert.deepEqual(r.structuredContent, { result: { ok: 'hello from 127.0.0.1' } });
    });

    it('follows a redirect that stays allowed; an HTTP error status is the guest’s error', async () => {
      const r = await call(conn, 'fetch', { url: `http://allowed.test:${port}/to-hello` });
      assert.equal(text(r), 'hello from 127.0.0.1');
      const missing = await call(conn, 'fetch', { url: `http://allowed.test:${port}/nothing` });
      assert.equal(missing.isError, true);
      assert.match(text(missing), /HTTP 404/);
    });

    it('is refused a host the policy does not allow, and told how to allow it', async () => {
      const before = hits.length;
      const r = await call(conn, 'fetch', { url: `http://denied.test:${port}/hello` });
      assert.equal(r.isError, true);
      assert.doesNotMatch(text(r), /hello from/);
      assert.match(text(r), /denied\.test/);
      assert.match(text(r), /grant-network-permission/);
      assert.equal(hits.length, before, 'no request reached the server');
    });

    it('is refused a redirect to a host the policy does not allow', async () => {
      const before = hits.length;
      const r = await call(conn, 'fetch', { url: `http://allowed.test:${port}/to-denied` });
      assert.equal(r.isError, true);
      assert.doesNotMatch(text(r), /hello from/);
      assert.match(text(r), /denied\.test/);
      assert.deepEqual(hits.slice(before), [`allowed.test:${port} /to-denied`]);
    });

    it('is refused an allowed name that resolves to an address the policy does not allow', async () => {
      const r = await call(conn, 'fetch', { url: `http://rebind.test:${port}/hello` });
      assert.equal(r.isError, true);
      assert.match(text(r), /10\.1\.2\.3/);
    });
  });

  describe('files', () => {
    function request(o: EscapeOp): [string, Record<string, unknown>] {
      switch (o.op) {
        case 'read':
          return [`${FILES}read-file`, { path: o.path }];
        case 'list':
          return [`${FILES}list-dir`, { path: o.path }];
        case 'stat':
          return [`${FILES}stat`, { path: o.path }];
        case 'write':
          return [`${FILES}write-file`, { path: o.path, content: o.content }];
        case 'mkdir':
          return [`${FILES}mkdir`, { path: o.path }];
        case 'remove':
          return [`${FILES}remove`, { path: o.path }];
        case 'rename':
          return [`${FILES}rename`, { from: o.from, to: o.to }];
        case 'symlink':
          return [`${FILES}symlink`, { target: o.target, link: o.link }];
        case 'link':
          return [`${FILES}hard-link`, { existing: o.existing, new: o.link }];
      }
    }

    it('works inside its directory', async () => {
      const w = await call(conn, `${FILES}write-file`, {
        path: join(tree.sandbox, 'new.txt'),
        content: 'written',
      });
      assert.notEqual(w.isError, true, text(w));
      const r = await call(conn, `${FILES}read-file`, { path: join(tree.sandbox, 'new.txt') });
      assert.equal(text(r), 'written');
      const ro = await call(conn, `${FILES}read-file`, { path: join(tree.readonly, 'ro.txt') });
      assert.equal(text(ro), 'read only');
    });

    it('cannot escape: every attempt of the escape corpus is refused', async () => {
      const through: string[] = [];
      for (const attempt of escapeAttempts(tree)) {
        const [name, args] = request(attempt);
        const r = await call(conn, name, args);
        if (r.isError !== true) through.push(`${JSON.stringify(attempt)} -> ${text(r)}`);
        assert.ok(
          !text(r).includes(ESCAPE_SECRET),
          `the secret leaked: ${JSON.stringify(attempt)}`,
        );
      }
      assert.deepEqual(through, []);
      assert.deepEqual(escapeDamage(tree), []);
    });
  });

  describe('environment', () => {
    it('sees only the variables its policy allows', async () => {
      const all = await call(conn, 'list-env');
      assert.deepEqual(all.structuredContent, {
        result: [['MCPKIT_TEST_VISIBLE', 'visible value']],
      });
      const secret = await call(conn, 'get-env', { key: 'MCPKIT_TEST_SECRET' });
      assert.deepEqual(secret.structuredContent, { result: null });
      const path = await call(conn, 'get-env', { key: 'PATH' });
      assert.deepEqual(path.structuredContent, { result: null });
      assert.doesNotMatch(JSON.stringify([all, secret, path]), /secret value/);
    });
  });

  describe('calling other tools (mcpkit:host)', () => {
    it('calls a tool its policy allows, with log and progress reaching the client', async () => {
      const progress: number[] = [];
      const r = await conn.client.callTool(
        { name: 'sum-and-hash', arguments: { text: 'abc' } },
        undefined,
        {
          onprogress: (p) => progress.push(p.progress),
        },
      );
      assert.notEqual(r.isError, true, JSON.stringify(r));
      assert.match(
        JSON.stringify(r.content),
        /ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad/,
      );
      assert.deepEqual(progress, [0.5]);
      assert.ok(
        logs.some((l) => /hashing 3 characters with sha256/.test(l)),
        logs.join('\n'),
      );
    });

    it('is refused a tool its policy does not list, and the management tools', async () => {
      const r = await call(conn, 'call', { name: 'get-current-time', args: '{}' });
      assert.equal(r.isError, true);
      assert.match(text(r), /may not call tool `get-current-time`/);
      const m = await call(conn, 'call', {
        name: 'grant-storage-permission',
        args: JSON.stringify({
          component_id: 'compose-js',
          details: { uri: 'fs:///**', access: ['read'] },
        }),
      });
      assert.equal(m.isError, true);
      assert.match(text(m), /may not call management tool/);
    });
  });
});

describe('components over MCP: Python, Wassette policies, composition without a policy for it', () => {
  let conn: Connected;
  let workspace = '';

  before(async () => {
    const dir = tempDir('mcpkit-components-py-');
    const files = join(dir, 'files');
    mkdirSync(files);
    writeFileSync(join(files, 'note.txt'), 'a note');
    const plain = join(dir, 'compose-plain');
    mkdirSync(plain);
    cpSync(component('compose-js'), join(plain, 'compose-plain.wasm'));
    writeFileSync(join(plain, 'policy.yaml'), 'version: "1.0"\n');
    // files-js with a Wassette policy whose storage URI is relative: it means
    // the `workspace` directory beside the component.
    const filesWasm = withPolicy(
      dir,
      'files-js',
      'version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: "fs://workspace/**"\n        access: [read, write]\n',
    );
    workspace = join(dir, 'files-js', 'workspace');
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'hello.txt'), 'hello from the workspace');
    conn = await stdioClient(
      [
        '--data-dir',
        join(dir, 'data'),
        '--component',
        withPolicy(
          dir,
          'py-tools',
          `version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: "fs://${files}/**"\n        access: [read]\n  environment:\n    allow:\n      - key: "MCPKIT_TEST_VISIBLE"\n`,
        ),
        '--component',
        join(plain, 'compose-plain.wasm'),
        '--component',
        filesWasm,
        '--component',
        example('hash'),
      ],
      { MCPKIT_CACHE_DIR: CACHE, MCPKIT_TEST_VISIBLE: 'visible', MCPKIT_TEST_SECRET: 'secret' },
    );
  });

  after(() => conn?.close());

  it('serves the tools of a componentize-py component', async () => {
    const names = (await conn.client.listTools()).tools.map((t) => t.name);
    for (const n of ['get-current-time', 'get-env', 'read-file', 'add'])
      assert.ok(names.includes(n), n);
    assert.ok(!names.some((n) => n.includes('init')), 'the initialisation hook is not a tool');
    const sum = await call(conn, 'add', { a: 5, b: '9007199254740993' });
    assert.deepEqual(sum.structuredContent, { result: '9007199254740998' });
    const time = await call(conn, 'get-current-time');
    assert.match(text(time), /^\d{4}-\d{2}-\d{2}T/);
  });

  it('applies its policy: files and environment', async () => {
    const files = await call(conn, 'read-file', { path: '/etc/passwd' });
    assert.equal(files.isError, true);
    const env = await call(conn, 'get-env', { key: 'MCPKIT_TEST_SECRET' });
    assert.deepEqual(env.structuredContent, { result: null });
    const visible = await call(conn, 'get-env', { key: 'MCPKIT_TEST_VISIBLE' });
    assert.deepEqual(visible.structuredContent, { result: 'visible' });
  });

  it('resolves a relative storage URI against the directory the component came from', async () => {
    const r = await call(conn, `${FILES}read-file`, { path: join(workspace, 'hello.txt') });
    assert.equal(text(r), 'hello from the workspace');
    const w = await call(conn, `${FILES}write-file`, {
      path: join(workspace, 'new.txt'),
      content: 'x',
    });
    assert.notEqual(w.isError, true, text(w));
    const outside = await call(conn, `${FILES}read-file`, {
      path: join(workspace, '..', 'policy.yaml'),
    });
    assert.equal(outside.isError, true);
  });

  it('a component whose policy has no mcp.tools section may not call tools', async () => {
    const r = await call(conn, 'call', { name: 'hash', args: JSON.stringify({ text: 'x' }) });
    assert.equal(r.isError, true);
    assert.match(text(r), /may not call other tools: its policy has no `mcp.tools` section/);
  });
});

describe('npm start: the bundled examples', () => {
  it('serves the example modules and component, the file tool reading examples/data only', async () => {
    const conn = await stdioClient(['--examples', '--data-dir', tempDir('mcpkit-examples-')], {
      MCPKIT_CACHE_DIR: CACHE,
    });
    try {
      const names = (await conn.client.listTools()).tools.map((t) => t.name);
      for (const n of [
        'read_file',
        'calculate',
        'hash',
        'echo',
        'get-current-time',
        'load-component',
      ])
        assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      const time = await call(conn, 'get-current-time');
      assert.match(text(time), /^\d{4}-\d{2}-\d{2}T/);
      const files = (await call(conn, 'list_files', { path: join(EXAMPLES, 'data') })) as {
        structuredContent?: { entries?: unknown[] };
      };
      assert.ok((files.structuredContent?.entries?.length ?? 0) > 0, JSON.stringify(files));
      const outside = await call(conn, 'read_file', { path: join(ROOT, 'package.json') });
      assert.equal(outside.isError, true);
    } finally {
      await conn.close();
    }
  });
});
