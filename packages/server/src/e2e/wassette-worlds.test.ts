// Components of our own written against the WIT worlds of Wassette's
// published examples (examples/components/wassette), served by the real CLI
// to the SDK's Client under Wassette-style policies: the tool names and input
// schemas are the ones Wassette lists for those worlds, and the calls work
// where the policy allows and are refused where it does not (HTTP to servers
// on 127.0.0.1, files in a temporary tree, Python, the clock).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { setCustomSection } from '@mcpkit/sandbox';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  CLI,
  type Connected,
  call,
  EXAMPLES,
  ROOT,
  stdioClient,
  tempDir,
  text,
  toolNamed,
} from '../testing.js';

const run = promisify(execFile);

/** Transpiled components are cached across test runs (keyed by digest and jco version). */
const CACHE = join(ROOT, 'node_modules', '.cache', 'mcpkit-components');

// biome-ignore lint/suspicious/noExplicitAny: JSON Schemas are walked freely in assertions.
type Json = any;

/**
 * A tool as Wassette lists it. Names and schemas follow Wassette's
 * crates/component2json/src/lib.rs (`normalize_tool_name`: a world's function
 * keeps its name; an interface's function gets the interface's export name in
 * front, each part lower-cased with `:` `/` `.` `@` as `_`, joined by `_`;
 * `component_func_to_schema_with_docs`: `{type: object, properties, required:
 * every parameter}`, integers as `{type: number}`, `option<T>` as
 * `{anyOf: [{type: null}, T]}`), applied to the WIT of each
 * world in microsoft/wassette's examples/<name>/wit. `integers` names the
 * parameters whose WIT type is an integer, with that type.
 */
interface WassetteTool {
  name: string;
  inputSchema: Json;
  integers?: Record<string, 'u32'>;
  /** Parameters whose WIT type is an `option`: `{anyOf: [{type: null}, T]}`, and required. */
  options?: string[];
}

const str = { type: 'string' };
const params = (...names: string[]): Json => ({
  type: 'object',
  properties: Object.fromEntries(names.map((n) => [n, str])),
  required: names,
});

const WASSETTE: Record<string, WassetteTool[]> = {
  // examples/time-server-js/wit/world.wit: package microsoft:time-server-js,
  // interface `time`, world exports the interface. Wassette's own scripts
  // call this tool `microsoft_time-server-js_time_get-current-time`.
  'time-server-js': [
    {
      name: 'microsoft_time-server-js_time_get-current-time',
      inputSchema: { type: 'object', properties: {}, required: [] },
    },
  ],
  // examples/get-weather-js/wit/mcp.wit: world-level `get-weather`; the
  // world also imports wasi:config/store@0.2.0-draft.
  'get-weather-js': [{ name: 'get-weather', inputSchema: params('city') }],
  // examples/context7-rs/wit/world.wit: package microsoft:context7-rs@0.1.0,
  // exported interface `context7`: the version is part of the name.
  'context7-rs': [
    {
      name: 'microsoft_context7-rs_context7_0_1_0_resolve-library-id',
      inputSchema: params('library-name'),
    },
    {
      name: 'microsoft_context7-rs_context7_0_1_0_get-library-docs',
      inputSchema: {
        type: 'object',
        properties: {
          'context7-compatible-library-id': str,
          topic: { anyOf: [{ type: 'null' }, str] },
          tokens: { anyOf: [{ type: 'null' }, { type: 'number' }] },
        },
        required: ['context7-compatible-library-id', 'topic', 'tokens'],
      },
      integers: { tokens: 'u32' },
      options: ['topic', 'tokens'],
    },
  ],
  // examples/gomodule-go/wit/world.wit: package microsoft:gomodule-go, no
  // version, exported interface `gomodule`; the world includes wasi:cli's imports.
  'gomodule-go': [
    {
      name: 'microsoft_gomodule-go_gomodule_get-latest-versions',
      inputSchema: params('module-names'),
    },
    { name: 'microsoft_gomodule-go_gomodule_get-module-info', inputSchema: params('module-names') },
  ],
  // examples/brave-search-rs/wit/world.wit: world-level `search`.
  'brave-search-rs': [{ name: 'search', inputSchema: params('query') }],
  // examples/arxiv-rs/wit/world.wit: three world-level functions.
  'arxiv-rs': [
    {
      name: 'search-papers',
      inputSchema: {
        type: 'object',
        properties: {
          query: str,
          'max-results': { type: 'number' },
          'date-from': str,
          categories: str,
        },
        required: ['query', 'max-results', 'date-from', 'categories'],
      },
      integers: { 'max-results': 'u32' },
    },
    { name: 'download-paper', inputSchema: params('id') },
    { name: 'read-paper', inputSchema: params('id') },
  ],
  // examples/eval-py/wit/world.wit: world-level `eval` and `exec`.
  'eval-py': [
    { name: 'eval', inputSchema: params('expression') },
    { name: 'exec', inputSchema: params('statements') },
  ],
  // examples/fetch-rs/wit/world.wit: world-level `fetch`; Wassette's
  // structured_output_integration_test finds it as `fetch`.
  'fetch-rs': [{ name: 'fetch', inputSchema: params('url') }],
  // examples/filesystem-rs/wit/world.wit: eleven world-level functions.
  'filesystem-rs': [
    { name: 'list-directory', inputSchema: params('path') },
    { name: 'read-file', inputSchema: params('path') },
    { name: 'write-file', inputSchema: params('path', 'content') },
    { name: 'create-directory', inputSchema: params('path') },
    { name: 'move-path', inputSchema: params('source', 'destination') },
    { name: 'delete-file', inputSchema: params('path') },
    { name: 'delete-directory', inputSchema: params('path') },
    { name: 'file-exists', inputSchema: params('path') },
    {
      name: 'get-directory-tree',
      inputSchema: {
        type: 'object',
        properties: { path: str, 'max-depth': { type: 'number' } },
        required: ['path', 'max-depth'],
      },
      integers: { 'max-depth': 'u32' },
    },
    { name: 'search-file', inputSchema: params('path', 'pattern') },
    { name: 'get-file-info', inputSchema: params('path') },
  ],
};

/**
 * What mcpkit lists for a Wassette tool: the same, with the differences the
 * README gives reasons for: every object schema closed with
 * `additionalProperties: false`; integers as `integer` within their type's
 * range rather than any `number`; an `option` parameter not required (left
 * out, it is none), its schema `{anyOf: [T, {type: null}]}`.
 */
function asMcpkit(w: WassetteTool): Json {
  const ranges = { u32: { type: 'integer', minimum: 0, maximum: 4_294_967_295 } };
  const integer = (k: string, v: Json) =>
    w.integers?.[k] && v.type === 'number' ? ranges[w.integers[k]!] : v;
  const properties = Object.fromEntries(
    Object.entries(w.inputSchema.properties as Record<string, Json>).map(([k, v]) => [
      k,
      w.options?.includes(k) ? { anyOf: [integer(k, v.anyOf[1]), v.anyOf[0]] } : integer(k, v),
    ]),
  );
  const required = (w.inputSchema.required as string[]).filter((k) => !w.options?.includes(k));
  return { ...w.inputSchema, properties, required, additionalProperties: false };
}

/**
 * A copy of one of the components with this policy beside it, and its WIT
 * docs: the `wit/` directory, or (`packageDocs`) no directory but a
 * `package-docs` section in the binary, as Wassette's build leaves them.
 */
function withPolicy(dir: string, name: string, policy: string, packageDocs?: unknown): string {
  const from = join(EXAMPLES, 'components', 'wassette', name);
  const to = join(dir, name);
  mkdirSync(to, { recursive: true });
  const bytes = readFileSync(join(from, `${name}.wasm`));
  if (packageDocs === undefined) {
    writeFileSync(join(to, `${name}.wasm`), bytes);
    cpSync(join(from, 'wit'), join(to, 'wit'), { recursive: true });
  } else {
    // wit-parser's section: a version byte (1), then the metadata as JSON.
    const json = new TextEncoder().encode(JSON.stringify(packageDocs));
    writeFileSync(
      join(to, `${name}.wasm`),
      setCustomSection(bytes, 'package-docs', Uint8Array.from([1, ...json])),
    );
  }
  writeFileSync(join(to, 'policy.yaml'), policy);
  return join(to, `${name}.wasm`);
}

/** time-server-js's docs as `wit-docs-inject` would embed them from its WIT. */
const TIME_PACKAGE_DOCS = {
  package: 'microsoft:time-server-js',
  worlds: { 'time-server-js': { docs: "Wassette's `time-server-js` world." } },
  interfaces: {
    time: {
      docs: 'The clock.',
      funcs: { 'get-current-time': { docs: 'The current time, from the docs inside the binary.' } },
    },
  },
};

/**
 * A Wassette-style policy for a client of a web API, pointed at a stand-in
 * on 127.0.0.1 instead of the real host: that address and these variables.
 */
function apiPolicy(keys: string[]): string {
  return [
    'version: "1.0"',
    'permissions:',
    '  network:',
    '    allow:',
    '      - host: "127.0.0.1"',
    '  environment:',
    '    allow:',
    ...keys.map((k) => `      - key: "${k}"`),
  ].join('\n');
}

const API_KEY = 'owm-test-key-4711';
const BRAVE_KEY = 'brave-test-key-0815';

/** A secret of component `id` in `dataDir`, kept apart from its policy. */
async function setSecret(dataDir: string, id: string, key: string, value: string): Promise<void> {
  await run(process.execPath, [CLI, 'secret', 'set', '--data-dir', dataDir, id, `${key}=${value}`]);
}

const weatherSecret = (dataDir: string) =>
  setSecret(dataDir, 'get-weather-js', 'OPENWEATHER_API_KEY', API_KEY);

/** One paper, as arXiv's API answers. */
const ATOM = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/abs/2301.00001v1</id>
    <updated>2023-01-02T00:00:00Z</updated>
    <published>2022-12-30T00:00:00Z</published>
    <title>Sandboxing  Tools
      for Agents</title>
    <summary>We study &amp; compare sandboxes.</summary>
    <author><name>Ada Lovelace</name></author>
    <author><name>Alan Turing</name></author>
    <category term="cs.CR" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.AI" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>`;
const PDF = [...new TextEncoder().encode('%PDF-1.4\n'), 0, 255, 10];

const structured = (r: { structuredContent?: unknown }) =>
  (r.structuredContent as { result: Json }).result;

describe("Wassette's example worlds", () => {
  let conn: Connected;
  let tools: Tool[];
  let web: Server;
  let port = 0;
  const hits: string[] = [];
  const context7Auth: string[] = [];
  const arxivQueries: URLSearchParams[] = [];
  let weather: Server;
  let weatherUrl = '';
  const weatherHits: string[] = [];
  /** The tree filesystem-rs works on: `work` (read and write), `docs` (read only), `outside` (neither). */
  let fsRoot = '';

  before(async () => {
    web = createServer((req, res) => {
      hits.push(`${req.headers.host} ${req.url}`);
      if (req.url === '/page') {
        res.setHeader('content-type', 'text/plain');
        res.end('a page on 127.0.0.1');
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/page' });
        res.end();
      } else if (req.url?.startsWith('/api/v1/')) {
        // A stand-in for Context7's API.
        context7Auth.push(String(req.headers.authorization));
        const url = new URL(req.url, 'http://x');
        if (url.pathname === '/api/v1/search') {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              results:
                url.searchParams.get('query') === 'next.js'
                  ? [
                      {
                        id: '/vercel/next.js',
                        title: 'Next.js',
                        description: 'The React framework',
                        totalSnippets: 3210,
                        trustScore: 9.6,
                        versions: ['v14.3.0', 'v15.1.0'],
                      },
                    ]
                  : [],
            }),
          );
        } else if (url.pathname === '/api/v1/vercel/next.js') {
          res.end(
            `docs of next.js; topic=${url.searchParams.get('topic')} tokens=${url.searchParams.get('tokens')}`,
          );
        } else {
          res.writeHead(404);
          res.end('Library not found');
        }
      } else if (req.url?.startsWith('/res/v1/web/search')) {
        // A stand-in for Brave's web search API.
        const q = new URL(req.url, 'http://x').searchParams.get('q');
        res.setHeader('content-type', 'application/json');
        if (req.headers['x-subscription-token'] !== BRAVE_KEY) {
          res.writeHead(401);
          res.end('{"error":"invalid subscription token"}');
        } else {
          res.end(
            JSON.stringify({
              web: {
                results:
                  q === 'webassembly'
                    ? [
                        {
                          title: '<strong>WebAssembly</strong>',
                          url: 'https://webassembly.org/',
                          description: 'A binary instruction format &amp; more',
                        },
                      ]
                    : [],
              },
            }),
          );
        }
      } else if (req.url?.startsWith('/api/query?')) {
        // A stand-in for arXiv's Atom query API.
        arxivQueries.push(new URL(req.url, 'http://x').searchParams);
        res.setHeader('content-type', 'application/atom+xml');
        res.end(ATOM);
      } else if (req.url === '/pdf/2301.00001') {
        res.setHeader('content-type', 'application/pdf');
        res.end(Buffer.from(PDF));
      } else if (req.url?.startsWith('/v1/search?')) {
        // Stand-ins for Open-Meteo's geocoding and forecast APIs.
        const name = new URL(req.url, 'http://x').searchParams.get('name');
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify(
            name === 'Toronto'
              ? {
                  results: [
                    { name: 'Toronto', country: 'Canada', latitude: 43.7, longitude: -79.42 },
                  ],
                }
              : {},
          ),
        );
      } else if (req.url?.startsWith('/v1/forecast?')) {
        const q = new URL(req.url, 'http://x').searchParams;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            current: {
              temperature_2m: 7.5,
              relative_humidity_2m: 70,
              wind_speed_10m: 3.2,
              weather_code: q.get('latitude') === '43.7' ? 3 : 0,
            },
          }),
        );
      } else if (req.url?.startsWith('/goproxy/')) {
        // A stand-in Go module proxy, with the protocol's case encoding.
        const latest: Record<string, object> = {
          '/goproxy/golang.org/x/net/@latest': { Version: 'v0.30.0', Time: '2024-10-01T00:00:00Z' },
          '/goproxy/github.com/!burnt!sushi/toml/@latest': {
            Version: 'v1.4.0',
            Time: '2024-06-01T00:00:00Z',
          },
        };
        const found = latest[req.url];
        res.writeHead(found ? 200 : 404);
        res.end(found ? JSON.stringify(found) : `not found: ${req.url}`);
      } else if (req.url === '/away') {
        res.writeHead(302, { location: `http://localhost:${port}/page` });
        res.end();
      } else {
        res.writeHead(404);
        res.end('no such page');
      }
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    port = (web.address() as AddressInfo).port;

    // A stand-in for OpenWeather's current weather API (/data/2.5/weather).
    weather = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      weatherHits.push(url.search);
      res.setHeader('content-type', 'application/json');
      if (url.pathname !== '/data/2.5/weather') {
        res.writeHead(404);
        return res.end('{"cod":404,"message":"no such endpoint"}');
      }
      if (url.searchParams.get('appid') !== API_KEY) {
        res.writeHead(401);
        return res.end('{"cod":401,"message":"Invalid API key"}');
      }
      if (url.searchParams.get('q') !== 'Toronto,CA') {
        res.writeHead(404);
        return res.end('{"cod":"404","message":"city not found"}');
      }
      res.end(
        JSON.stringify({
          name: 'Toronto',
          sys: { country: 'CA' },
          weather: [{ description: 'light rain' }],
          main: { temp: 12.34, feels_like: 11.02, humidity: 81 },
          wind: { speed: 4.63 },
        }),
      );
    });
    await new Promise<void>((resolve) => weather.listen(0, '127.0.0.1', resolve));
    weatherUrl = `http://127.0.0.1:${(weather.address() as AddressInfo).port}`;

    const dir = tempDir('mcpkit-wassette-');
    await weatherSecret(join(dir, 'data'));
    await setSecret(join(dir, 'data'), 'brave-search-rs', 'BRAVE_SEARCH_API_KEY', BRAVE_KEY);
    fsRoot = join(dir, 'files');
    mkdirSync(join(fsRoot, 'work', 'notes', 'deep'), { recursive: true });
    mkdirSync(join(fsRoot, 'docs'), { recursive: true });
    mkdirSync(join(fsRoot, 'outside'), { recursive: true });
    writeFileSync(join(fsRoot, 'work', 'todo.txt'), 'buy milk\n');
    writeFileSync(join(fsRoot, 'work', 'notes', 'plan.md'), '# plan\n');
    writeFileSync(join(fsRoot, 'work', 'notes', 'deep', 'x.txt'), 'deep\n');
    writeFileSync(join(fsRoot, 'docs', 'guide.txt'), 'read me\n');
    writeFileSync(join(fsRoot, 'outside', 'secret.txt'), 'SECRET\n');
    symlinkSync(join(fsRoot, 'outside', 'secret.txt'), join(fsRoot, 'work', 'escape'));
    conn = await stdioClient(
      [
        '--data-dir',
        join(dir, 'data'),
        '--no-builtin-tools',
        '--component',
        withPolicy(dir, 'time-server-js', 'version: "1.0"\npermissions: {}\n', TIME_PACKAGE_DOCS),
        '--component',
        withPolicy(dir, 'eval-py', 'version: "1.0"\npermissions: {}\n'),
        '--component',
        withPolicy(
          dir,
          'fetch-rs',
          // Wassette's form: a host rule for the address the server listens on.
          'version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: "127.0.0.1"\n',
        ),
        '--component',
        withPolicy(
          dir,
          'filesystem-rs',
          [
            'version: "1.0"',
            'permissions:',
            '  storage:',
            '    allow:',
            `      - uri: "fs://${fsRoot}/work"`,
            '        access: ["read", "write"]',
            `      - uri: "fs://${fsRoot}/docs"`,
            '        access: ["read"]',
          ].join('\n'),
        ),
        '--component',
        withPolicy(
          dir,
          'get-weather-js',
          apiPolicy(['OPENWEATHER_API_URL', 'OPENWEATHER_API_KEY']),
        ),
        '--component',
        withPolicy(dir, 'context7-rs', apiPolicy(['CONTEXT7_API_URL', 'CONTEXT7_API_KEY'])),
        '--component',
        withPolicy(dir, 'gomodule-go', apiPolicy(['GOPROXY'])),
        '--component',
        withPolicy(dir, 'arxiv-rs', apiPolicy(['ARXIV_API_URL'])),
        '--component',
        withPolicy(
          dir,
          'brave-search-rs',
          apiPolicy(['BRAVE_SEARCH_API_URL', 'BRAVE_SEARCH_API_KEY']),
        ),
      ],
      {
        MCPKIT_CACHE_DIR: CACHE,
        OPENWEATHER_API_URL: weatherUrl,
        CONTEXT7_API_URL: `http://127.0.0.1:${port}`,
        CONTEXT7_API_KEY: 'ctx7-key',
        GOPROXY: `http://127.0.0.1:${port}/goproxy,direct`,
        BRAVE_SEARCH_API_URL: `http://127.0.0.1:${port}`,
        ARXIV_API_URL: `http://127.0.0.1:${port}`,
      },
    );
    tools = (await conn.client.listTools()).tools;
  });

  after(async () => {
    await conn?.close();
    web?.close();
    weather?.close();
  });

  const tool = (name: string) => toolNamed(tools, name);

  describe('lists the tools Wassette lists', () => {
    it('with the same names, and no others', () => {
      const expected = Object.values(WASSETTE).flatMap((ts) => ts.map((t) => t.name));
      assert.deepEqual(tools.map((t) => t.name).sort(), [...expected].sort());
    });

    for (const [world, expected] of Object.entries(WASSETTE)) {
      it(`${world}: input schemas as Wassette's, closed and with integer ranges`, () => {
        for (const w of expected) assert.deepEqual(tool(w.name).inputSchema, asMcpkit(w));
      });

      it(`${world}: arguments shaped as for Wassette validate against mcpkit's schemas`, () => {
        const ajv = new Ajv2020({ strict: false });
        for (const w of expected) {
          const args = Object.fromEntries(
            Object.keys(w.inputSchema.properties).map((k) => [k, w.integers?.[k] ? 3 : 'x']),
          );
          assert.ok(ajv.validate(tool(w.name).inputSchema, args), `${w.name} ${ajv.errorsText()}`);
          assert.ok(ajv.validate(w.inputSchema, args), `${w.name} under Wassette's schema`);
        }
      });
    }

    it('refuses an argument the function does not take, naming it (Wassette ignores it)', async () => {
      const r = await call(conn, 'fetch', { url: `http://127.0.0.1:${port}/page`, timeout: 5 });
      assert.equal(r.isError, true);
      assert.match(text(r), /additional properties \(`timeout`\)/);
    });

    it('describes each tool with its WIT doc comment, from `wit/` or from the binary', () => {
      assert.equal(
        tool('microsoft_time-server-js_time_get-current-time').description,
        'The current time, from the docs inside the binary.',
      );
      assert.match(tool('eval').description ?? '', /^Evaluates one Python expression/);
      assert.match(tool('fetch').description ?? '', /^Fetches `url` \(http or https\)/);
    });

    it('gives result<string, string> the output schema Wassette gives, wrapped in `result`', () => {
      const side = (key: string) => ({
        type: 'object',
        properties: { [key]: str },
        required: [key],
        additionalProperties: false,
      });
      assert.deepEqual(tool('fetch').outputSchema, {
        type: 'object',
        properties: { result: { oneOf: [side('ok'), side('err')] } },
        required: ['result'],
        additionalProperties: false,
      });
    });
  });

  describe('time-server-js', () => {
    it('returns the current time in ISO 8601', async () => {
      const before = Date.now();
      const r = await call(conn, 'microsoft_time-server-js_time_get-current-time');
      assert.equal(r.isError, undefined);
      assert.match(text(r), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(text(r)) - before) < 60_000, text(r));
    });
  });

  describe('eval-py', () => {
    it('evaluates an expression', async () => {
      const r = await call(conn, 'eval', { expression: "len('hello') + 2 ** 10" });
      assert.equal(text(r), '1029');
      assert.deepEqual(structured(r), { ok: '1029' });
    });

    it('runs statements and returns what they print', async () => {
      const r = await call(conn, 'exec', {
        statements: 'x = 5\nfor i in range(2):\n  print(x * i)',
      });
      assert.equal(text(r), '0\n5\n');
    });

    it('reports a Python error as a tool error, with what was printed before it', async () => {
      const r = await call(conn, 'exec', { statements: "print('before')\n1 / 0" });
      assert.equal(r.isError, true);
      assert.match(text(r), /^before\nZeroDivisionError: division by zero/);
      const syntax = await call(conn, 'eval', { expression: '2 +' });
      assert.equal(syntax.isError, true);
      assert.match(text(syntax), /SyntaxError/);
    });

    it('keeps nothing from one call to the next', async () => {
      await call(conn, 'exec', { statements: 'leaked = 1' });
      const r = await call(conn, 'eval', { expression: 'leaked' });
      assert.equal(r.isError, true);
      assert.match(text(r), /NameError: name 'leaked' is not defined/);
    });

    it('reaches no file and no environment variable: its policy grants none', async () => {
      const r = await call(conn, 'eval', { expression: "open('/etc/passwd').read()" });
      assert.equal(r.isError, true);
      assert.doesNotMatch(text(r), /root:/);
      const env = await call(conn, 'eval', { expression: "__import__('os').environ.get('PATH')" });
      assert.equal(text(env), 'None');
    });
  });

  describe('fetch-rs', () => {
    it('fetches from the host its policy allows', async () => {
      const r = await call(conn, 'fetch', { url: `http://127.0.0.1:${port}/page` });
      assert.equal(r.isError, undefined, text(r));
      assert.equal(text(r), 'a page on 127.0.0.1');
      assert.deepEqual(structured(r), { ok: 'a page on 127.0.0.1' });
    });

    it('follows a redirect on the allowed host', async () => {
      const r = await call(conn, 'fetch', { url: `http://127.0.0.1:${port}/moved` });
      assert.equal(text(r), 'a page on 127.0.0.1');
    });

    it('returns an HTTP error status as a tool error', async () => {
      const r = await call(conn, 'fetch', { url: `http://127.0.0.1:${port}/missing` });
      assert.equal(r.isError, true);
      assert.match(text(r), /^HTTP 404/);
    });

    it('is refused a host its policy does not name, and nothing is sent', async () => {
      hits.length = 0;
      const r = await call(conn, 'fetch', { url: `http://localhost:${port}/page` });
      assert.equal(r.isError, true);
      assert.match(text(r), /HttpRequestDenied/);
      assert.match(text(r), /no `network.allow` rule grants this host/);
      assert.deepEqual(hits, []);
    });

    it('is refused a redirect to a host its policy does not name', async () => {
      hits.length = 0;
      const r = await call(conn, 'fetch', { url: `http://127.0.0.1:${port}/away` });
      assert.equal(r.isError, true);
      assert.match(text(r), /HttpRequestDenied/);
      assert.deepEqual(hits, [`127.0.0.1:${port} /away`]);
    });
  });

  describe('filesystem-rs', () => {
    const p = (rel: string) => join(fsRoot, rel);

    it('lists, reads, and walks the directories its policy allows', async () => {
      const list = await call(conn, 'list-directory', { path: p('work') });
      assert.deepEqual(structured(list), {
        ok: ['[FILE] escape', '[DIR] notes', '[FILE] todo.txt'],
      });
      assert.equal(text(await call(conn, 'read-file', { path: p('work/todo.txt') })), 'buy milk\n');
      assert.equal(text(await call(conn, 'read-file', { path: p('docs/guide.txt') })), 'read me\n');
      const tree = await call(conn, 'get-directory-tree', { path: p('work'), 'max-depth': 2 });
      assert.equal(
        text(tree),
        [`${p('work')}/`, '  escape', '  notes/', '    deep/', '    plan.md', '  todo.txt'].join(
          '\n',
        ),
      );
      const found = await call(conn, 'search-file', { path: p('work'), pattern: '*.txt' });
      assert.equal(text(found), [p('work/notes/deep/x.txt'), p('work/todo.txt')].join('\n'));
      const info = JSON.parse(
        text(await call(conn, 'get-file-info', { path: p('work/todo.txt') })),
      );
      assert.equal(info.type, 'file');
      assert.equal(info.size, 9);
      assert.equal(structured(await call(conn, 'file-exists', { path: p('docs') })).ok, true);
    });

    it('writes, creates, moves and deletes inside the directory it may write', async () => {
      const w = await call(conn, 'write-file', { path: p('work/new.txt'), content: 'fresh' });
      assert.equal(w.isError, undefined, text(w));
      assert.equal(readFileSync(p('work/new.txt'), 'utf8'), 'fresh');
      assert.equal(
        (await call(conn, 'create-directory', { path: p('work/a/b') })).isError,
        undefined,
      );
      assert.ok(existsSync(p('work/a/b')));
      const mv = await call(conn, 'move-path', {
        source: p('work/new.txt'),
        destination: p('work/a/b/moved.txt'),
      });
      assert.equal(mv.isError, undefined, text(mv));
      assert.equal(readFileSync(p('work/a/b/moved.txt'), 'utf8'), 'fresh');
      const dirAsFile = await call(conn, 'delete-file', { path: p('work/a/b') });
      assert.equal(dirAsFile.isError, true);
      assert.match(text(dirAsFile), /is a directory/);
      assert.equal(
        (await call(conn, 'delete-file', { path: p('work/a/b/moved.txt') })).isError,
        undefined,
      );
      assert.equal(
        (await call(conn, 'delete-directory', { path: p('work/a/b') })).isError,
        undefined,
      );
      assert.ok(!existsSync(p('work/a/b')));
    });

    it('is refused a path outside its policy, however it is spelled', async () => {
      for (const path of [
        p('outside/secret.txt'),
        `${p('work')}/../outside/secret.txt`,
        p('work/escape'),
        '/etc/passwd',
      ]) {
        const r = await call(conn, 'read-file', { path });
        assert.equal(r.isError, true, path);
        assert.doesNotMatch(text(r), /SECRET|root:/, path);
        assert.match(text(r), /The policy refused/, path);
      }
      assert.equal(
        structured(await call(conn, 'file-exists', { path: p('outside/secret.txt') })).ok,
        false,
      );
      const listed = await call(conn, 'list-directory', { path: p('outside') });
      assert.equal(listed.isError, true);
    });

    it('is refused writes where its policy grants only reading', async () => {
      const r = await call(conn, 'write-file', { path: p('docs/guide.txt'), content: 'changed' });
      assert.equal(r.isError, true);
      assert.match(text(r), /The policy refused/);
      assert.equal(readFileSync(p('docs/guide.txt'), 'utf8'), 'read me\n');
      const del = await call(conn, 'delete-file', { path: p('docs/guide.txt') });
      assert.equal(del.isError, true);
      assert.ok(existsSync(p('docs/guide.txt')));
      const mv = await call(conn, 'move-path', {
        source: p('work/todo.txt'),
        destination: p('outside/todo.txt'),
      });
      assert.equal(mv.isError, true);
      assert.ok(existsSync(p('work/todo.txt')));
      assert.ok(!existsSync(p('outside/todo.txt')));
    });
  });

  describe('get-weather-js', () => {
    it('gets the weather with the API key from its secret, read through wasi:config/store', async () => {
      weatherHits.length = 0;
      const r = await call(conn, 'get-weather', { city: 'Toronto,CA' });
      assert.equal(r.isError, undefined, text(r));
      assert.equal(
        text(r),
        'Toronto, CA: light rain; 12.3 °C (feels like 11 °C); humidity 81%; wind 4.6 m/s',
      );
      assert.deepEqual(weatherHits, [`?q=Toronto%2CCA&units=metric&appid=${API_KEY}`]);
    });

    it("returns the service's refusal as a tool error", async () => {
      const r = await call(conn, 'get-weather', { city: 'Atlantis' });
      assert.equal(r.isError, true);
      assert.equal(text(r), 'HTTP 404: city not found');
    });

    it('the key is its own: no other component sees it', async () => {
      const r = await call(conn, 'eval', {
        expression: "__import__('os').environ.get('OPENWEATHER_API_KEY')",
      });
      assert.equal(text(r), 'None');
    });

    it('without the key in its policy, it gets no key and sends nothing', async () => {
      const dir = tempDir('mcpkit-wassette-nokey-');
      await weatherSecret(join(dir, 'data'));
      const other = await stdioClient(
        [
          '--data-dir',
          join(dir, 'data'),
          '--no-builtin-tools',
          '--component',
          withPolicy(dir, 'get-weather-js', apiPolicy(['OPENWEATHER_API_URL'])),
        ],
        { MCPKIT_CACHE_DIR: CACHE, OPENWEATHER_API_URL: weatherUrl },
      );
      try {
        weatherHits.length = 0;
        const r = await call(other, 'get-weather', { city: 'Toronto,CA' });
        assert.equal(r.isError, true);
        assert.match(text(r), /^OPENWEATHER_API_KEY is not configured/);
        assert.match(text(r), /no `environment.allow` rule/);
        assert.deepEqual(weatherHits, []);
      } finally {
        await other.close();
      }
    });
  });

  describe('context7-rs', () => {
    const C7 = 'microsoft_context7-rs_context7_0_1_0_';

    it('resolves a library name to records, as the WIT types say', async () => {
      context7Auth.length = 0;
      const r = await call(conn, `${C7}resolve-library-id`, { 'library-name': 'next.js' });
      assert.equal(r.isError, undefined, text(r));
      assert.deepEqual(structured(r), {
        success: true,
        results: [
          {
            id: '/vercel/next.js',
            name: 'Next.js',
            description: 'The React framework',
            'code-snippets': 3210,
            'trust-score': 10,
            versions: ['v14.3.0', 'v15.1.0'],
          },
        ],
        error: null,
      });
      assert.deepEqual(context7Auth, ['Bearer ctx7-key']);
    });

    it('takes option parameters left out, given, or null', async () => {
      const id = { 'context7-compatible-library-id': '/vercel/next.js' };
      const bare = structured(await call(conn, `${C7}get-library-docs`, id));
      assert.deepEqual(bare, {
        success: true,
        content: 'docs of next.js; topic=null tokens=null',
        error: null,
      });
      const given = structured(
        await call(conn, `${C7}get-library-docs`, { ...id, topic: 'routing', tokens: 5000 }),
      );
      assert.equal(given.content, 'docs of next.js; topic=routing tokens=5000');
      const nulls = structured(
        await call(conn, `${C7}get-library-docs`, { ...id, topic: null, tokens: null }),
      );
      assert.equal(nulls.content, 'docs of next.js; topic=null tokens=null');
    });

    it('refuses arguments outside the WIT types before the component runs', async () => {
      const r = await call(conn, `${C7}get-library-docs`, {
        'context7-compatible-library-id': '/vercel/next.js',
        tokens: -1,
      });
      assert.equal(r.isError, true);
      assert.match(text(r), /tokens/);
    });

    it("reports the service's failure in the record, as the world says", async () => {
      const r = structured(
        await call(conn, `${C7}get-library-docs`, {
          'context7-compatible-library-id': '/nobody/none',
        }),
      );
      assert.equal(r.success, false);
      assert.match(r.error, /^HTTP 404: Library not found/);
    });
  });

  describe('gomodule-go', () => {
    const GO = 'microsoft_gomodule-go_gomodule_';

    it('gets the latest versions from the proxy GOPROXY names', async () => {
      const r = await call(conn, `${GO}get-latest-versions`, {
        'module-names': 'golang.org/x/net, github.com/BurntSushi/toml example.com/none',
      });
      assert.equal(r.isError, undefined, text(r));
      assert.deepEqual(JSON.parse(text(r)), {
        'golang.org/x/net': 'v0.30.0',
        'github.com/BurntSushi/toml': 'v1.4.0',
        'example.com/none': {
          error: 'HTTP 404: not found: /goproxy/example.com/none/@latest',
        },
      });
    });

    it('describes modules', async () => {
      const r = await call(conn, `${GO}get-module-info`, { 'module-names': 'golang.org/x/net' });
      assert.deepEqual(JSON.parse(text(r)), [
        { module: 'golang.org/x/net', version: 'v0.30.0', time: '2024-10-01T00:00:00Z' },
      ]);
    });

    it('refuses what is not a module path before asking anyone', async () => {
      hits.length = 0;
      const r = await call(conn, `${GO}get-latest-versions`, {
        'module-names': '../../etc/passwd',
      });
      assert.equal(r.isError, true);
      assert.match(text(r), /not a module path/);
      assert.deepEqual(hits, []);
    });
  });

  describe('brave-search-rs', () => {
    it('searches with the key from its secret and answers Markdown', async () => {
      const r = await call(conn, 'search', { query: 'webassembly' });
      assert.equal(r.isError, undefined, text(r));
      assert.equal(
        text(r),
        '1. [WebAssembly](https://webassembly.org/)\n   A binary instruction format & more',
      );
      assert.equal(
        text(await call(conn, 'search', { query: 'nothing' })),
        'No results for "nothing".',
      );
    });
  });

  describe('arxiv-rs', () => {
    it('searches, with the date and categories in the query it sends', async () => {
      arxivQueries.length = 0;
      const r = await call(conn, 'search-papers', {
        query: 'sandbox',
        'max-results': 5,
        'date-from': '20221201',
        categories: 'cs.CR, cs.AI',
      });
      assert.equal(r.isError, undefined, text(r));
      assert.equal(
        text(r),
        '- **Sandboxing Tools for Agents** (2301.00001v1, 2022-12-30)\n  Ada Lovelace, Alan Turing',
      );
      assert.equal(
        arxivQueries[0]?.get('search_query'),
        '(sandbox) AND submittedDate:[202212010000 TO 999912312359] AND (cat:cs.CR OR cat:cs.AI)',
      );
      assert.equal(arxivQueries[0]?.get('max_results'), '5');
    });

    it('reads a paper', async () => {
      const r = await call(conn, 'read-paper', { id: '2301.00001' });
      assert.match(text(r), /^# Sandboxing Tools for Agents\n/);
      assert.match(text(r), /- categories: cs.CR, cs.AI\n\nWe study & compare sandboxes.$/);
    });

    it('downloads a PDF as list<u8>: an array of bytes, as the output schema says', async () => {
      const r = await call(conn, 'download-paper', { id: '2301.00001' });
      assert.equal(r.isError, undefined, text(r));
      assert.deepEqual(structured(r), { ok: PDF });
      const ok = (tool('download-paper').outputSchema as Json).properties.result.oneOf[0];
      assert.deepEqual(ok.properties.ok, {
        type: 'array',
        items: { type: 'integer', minimum: 0, maximum: 255 },
      });
    });

    it('refuses what is not an arXiv id before any request', async () => {
      hits.length = 0;
      const r = await call(conn, 'download-paper', { id: '../../etc/passwd' });
      assert.equal(r.isError, true);
      assert.match(text(r), /not an arXiv id/);
      assert.deepEqual(hits, []);
    });
  });

  describe('get-open-meteo-weather-js', () => {
    // Its tool is `get-weather`, as get-weather-js's is, so it gets a server
    // of its own here, and beside it get-weather-js shows how a clash is named.
    let meteo: Connected;
    before(async () => {
      const dir = tempDir('mcpkit-wassette-meteo-');
      meteo = await stdioClient(
        [
          '--data-dir',
          join(dir, 'data'),
          '--no-builtin-tools',
          '--component',
          withPolicy(
            dir,
            'get-open-meteo-weather-js',
            apiPolicy(['OPEN_METEO_GEOCODING_URL', 'OPEN_METEO_API_URL']),
          ),
          '--component',
          withPolicy(dir, 'get-weather-js', apiPolicy([])),
        ],
        {
          MCPKIT_CACHE_DIR: CACHE,
          OPEN_METEO_GEOCODING_URL: `http://127.0.0.1:${port}`,
          OPEN_METEO_API_URL: `http://127.0.0.1:${port}`,
        },
      );
    });
    after(async () => {
      await meteo?.close();
    });

    it('lists `get-weather` with the schema Wassette gives it, and names the clash', async () => {
      const listed = (await meteo.client.listTools()).tools;
      assert.deepEqual(listed.map((t) => t.name).sort(), [
        'get-weather',
        'get-weather-js__get-weather',
      ]);
      // examples/get-open-meteo-weather-js/wit/mcp.wit: world-level `get-weather(city)`.
      assert.deepEqual(
        toolNamed(listed, 'get-weather').inputSchema,
        asMcpkit({ name: 'get-weather', inputSchema: params('city') }),
      );
    });

    it('gets the weather of a city it finds', async () => {
      const r = await call(meteo, 'get-weather', { city: 'Toronto' });
      assert.equal(r.isError, undefined, text(r));
      assert.equal(text(r), 'Toronto, Canada: overcast; 7.5 °C; humidity 70%; wind 3.2 m/s');
      const none = await call(meteo, 'get-weather', { city: 'Atlantis' });
      assert.equal(none.isError, true);
      assert.equal(text(none), 'no place called Atlantis');
    });
  });
});
