// Extism plugins built with real toolchains (test/guests/extism), run by the
// sandbox's own kernel: tools, config, vars, logs, HTTP through the egress
// service, files through WASI preview1, and the limits.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PolicyDocument } from '@mcpkit/wasm-policy';
import { escapeAttempts, escapeDamage, escapeRules, escapeTree } from '../escape-corpus.js';
import { WorkerPool } from '../pool.js';
import { GUESTS, policy, storagePolicy, tempDir } from '../testing.js';
import { PluginSandbox, type PluginSandboxOptions } from './sandbox.js';

const decoder = new TextDecoder();
const pool = new WorkerPool({ size: 2 });
after(() => pool.close());

export function plugin(name: string): Uint8Array {
  return readFileSync(new URL(`extism-${name}.wasm`, GUESTS));
}

function sandbox(
  name: string,
  doc: PolicyDocument = policy('version: "1.0"\n'),
  extra: Partial<PluginSandboxOptions> = {},
): Promise<PluginSandbox> {
  return PluginSandbox.create({ id: name, bytes: plugin(name), policy: doc, pool, ...extra });
}

interface ToolResult {
  content: Array<{ type: string; text: string }>;
  isError?: boolean;
}

/** Call a tool through hyper-mcp's protocol 1 (`call`) or 2 (`call_tool`). */
async function tool(
  s: PluginSandbox,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolResult> {
  const v2 = s.has('call_tool');
  const input = v2
    ? { context: {}, request: { name, arguments: args } }
    : { params: { name, arguments: args } };
  const r = await s.call(v2 ? 'call_tool' : 'call', JSON.stringify(input));
  return JSON.parse(decoder.decode(r.output)) as ToolResult;
}

const text = (r: ToolResult) => r.content.map((c) => c.text).join('');

describe('Extism plugins in the sandbox', () => {
  it('lists and calls the tools of a protocol-1 plugin, strings escaped both ways', async () => {
    const s = await sandbox('hello');
    const listed = JSON.parse(decoder.decode((await s.call('describe')).output)) as {
      tools: Array<{ name: string }>;
    };
    assert.deepEqual(
      listed.tools.map((t) => t.name),
      ['greet', 'add'],
    );
    assert.equal(text(await tool(s, 'greet', { name: 'a"b\\c\n' })), 'Hello, a"b\\c\n!');
    assert.equal(text(await tool(s, 'add', { a: 40, b: 2 })), '42');
    const missing = await tool(s, 'add', { a: 1 });
    assert.equal(missing.isError, true);
    assert.match(text(missing), /\bb\b/);
  });

  it('gives config only for keys the policy allows', async () => {
    const s = await sandbox(
      'state',
      policy('version: "1.0"\nenvironment:\n  allow:\n    - key: API_URL\n'),
      { config: { API_URL: 'https://api.example', API_TOKEN: 'secret' } },
    );
    assert.deepEqual(s.config, { API_URL: 'https://api.example' });
    assert.equal(text(await tool(s, 'get_config', { key: 'API_URL' })), 'https://api.example');
    const refused = await tool(s, 'get_config', { key: 'API_TOKEN' });
    assert.equal(refused.isError, true);
    assert.doesNotMatch(text(refused), /secret/);
  });

  it('keeps vars between calls, each call in a fresh instance', async () => {
    const s = await sandbox('state');
    assert.equal(text(await tool(s, 'count', {})), '1');
    assert.equal(text(await tool(s, 'count', {})), '2');
    await tool(s, 'set_var', { name: 'greeting', value: 'hi' });
    assert.equal(text(await tool(s, 'get_var', { name: 'greeting' })), 'hi');
    assert.equal((await tool(s, 'get_var', { name: 'nothing' })).isError, true);
    assert.equal(decoder.decode(s.vars.get('greeting')), 'hi');
  });

  it('bounds the vars a plugin may keep', async () => {
    const s = await sandbox('state', undefined, { maxVarBytes: 64 });
    await tool(s, 'set_var', { name: 'a', value: 'x'.repeat(40) });
    await assert.rejects(tool(s, 'set_var', { name: 'b', value: 'y'.repeat(40) }), (e: Error) => {
      assert.equal((e as { code?: string }).code, 'trap');
      assert.match(e.message, /past the 64 bytes all its vars may hold/);
      return true;
    });
    assert.equal(s.vars.has('b'), false);
  });

  it('passes on log calls and hyper-mcp logging notifications, at the level asked', async () => {
    const s = await sandbox('state');
    const r = await s.call(
      'call_tool',
      JSON.stringify({ context: {}, request: { name: 'log', arguments: { text: 'hello log' } } }),
    );
    assert.deepEqual(r.logs, [{ level: 'info', text: 'hello log' }]);
    const counted = await s.call(
      'call_tool',
      JSON.stringify({ context: {}, request: { name: 'count', arguments: {} } }),
    );
    assert.deepEqual(counted.logs, [{ level: 'info', text: 'count is 1' }]);
    const quiet = await sandbox('state', undefined, { logLevel: 'error' });
    const none = await quiet.call(
      'call_tool',
      JSON.stringify({ context: {}, request: { name: 'log', arguments: { text: 'x' } } }),
    );
    assert.deepEqual(none.logs, []);
  });

  it('passes on progress as it happens from a worker, and with the result from a trial', async () => {
    const input = JSON.stringify({ context: {}, request: { name: 'steps', arguments: {} } });
    for (const trial of [false, true]) {
      const s = await sandbox('catalog', undefined, { trial });
      const live: unknown[] = [];
      const r = await s.call('call_tool', input, {
        onProgress: (progress, total, message) => live.push([progress, total, message]),
      });
      const steps = [1, 2, 3].map((i) => [i, 3, `step ${i}`]);
      const given = r.progress.map((p) => [p.progress, p.total, p.message]);
      assert.deepEqual(trial ? given : live, steps, `trial: ${trial}`);
      assert.deepEqual(trial ? live : given, [], `trial: ${trial}`);
    }
  });

  it('runs a Go plugin (a WASI reactor, its runtime set up once per instance)', async () => {
    const s = await sandbox(
      'go',
      policy('version: "1.0"\nenvironment:\n  allow:\n    - key: greeting\n'),
      { config: { greeting: 'hi from config', secret: 'no' } },
    );
    assert.equal(text(await tool(s, 'sum', { numbers: [1, 2.5, 3] })), '6.5');
    assert.equal(text(await tool(s, 'keys', { object: { b: 1, a: 2 } })), 'a,b');
    assert.equal(text(await tool(s, 'runtime', {})), 'greeting=hi from config environ=0');
    const bad = await tool(s, 'sum', { numbers: 'x' });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /cannot unmarshal string/);
  });

  it('runs a Rust PDK plugin: JSON in and out, config as allowed, vars, logs and progress', async () => {
    const s = await sandbox(
      'rust',
      policy('version: "1.0"\nenvironment:\n  allow:\n    - key: GREETING\n'),
      { config: { GREETING: 'hi', SECRET: 'no' } },
    );
    assert.equal(text(await tool(s, 'word_count', { text: ' one two\tthree\n' })), '3 words');
    assert.equal(text(await tool(s, 'visits', {})), 'visit 1');
    assert.equal(text(await tool(s, 'visits', {})), 'visit 2');
    assert.equal(new TextDecoder().decode(s.vars.get('visits')), '2');
    assert.equal(text(await tool(s, 'config', { key: 'GREETING' })), 'hi');
    const secret = await tool(s, 'config', { key: 'SECRET' });
    assert.equal(secret.isError, true);
    assert.equal(text(secret), 'no config `SECRET`');
    // Settled on this thread: its logs and progress come with the result.
    const r = await s.call(
      'call_tool',
      JSON.stringify({ context: {}, request: { name: 'steps', arguments: {} } }),
    );
    assert.equal(JSON.parse(decoder.decode(r.output)).content[0].text, 'done');
    assert.deepEqual(r.logs, [
      { level: 'info', text: 'steps: starting' },
      { level: 'notice', text: 'rust: steps: done' },
    ]);
    assert.deepEqual(r.progress, [
      { progress: 1, total: 2 },
      { progress: 2, total: 2 },
    ]);
    // The PDK's error for a bad argument is the call's.
    await assert.rejects(tool(s, 'word_count', {}), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'plugin-failed');
      assert.match(e.message, /the argument `text` must be a string/);
      return true;
    });
  });

  it('a function that is not exported is refused by name', async () => {
    const s = await sandbox('hello');
    await assert.rejects(s.call('nope'), /exports no `nope` function/);
  });
});

describe('Extism plugins: HTTP through the egress service', () => {
  let allowed: http.Server;
  let other: http.Server;
  let allowedPort = 0;
  let otherPort = 0;
  const hits: string[] = [];

  before(async () => {
    const listen = async (s: http.Server) => {
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return (s.address() as AddressInfo).port;
    };
    other = http.createServer((req, res) => {
      hits.push(`other ${req.url}`);
      res.end('from the other server');
    });
    otherPort = await listen(other);
    allowed = http.createServer((req, res) => {
      hits.push(`allowed ${req.method} ${req.url}`);
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/stolen` });
        res.end();
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.end(`got ${req.method} ${req.url} ${body}`);
      });
    });
    allowedPort = await listen(allowed);
  });
  after(() => {
    allowed.close();
    other.close();
  });

  const doc = () =>
    policy(`version: "1.0"
network:
  allow:
    - host: "127.0.0.1"
      ports: [${allowedPort}]
    - host: rebind.test
`);
  const fetchPlugin = () =>
    sandbox('fetch', doc(), {
      egress: {
        resolver: async (name) => {
          if (name === 'rebind.test') return ['127.0.0.1'];
          throw new Error(`no such host ${name}`);
        },
      },
    });

  it('reaches the allowed host, with method and body', async () => {
    const s = await fetchPlugin();
    const r = await tool(s, 'fetch', {
      url: `http://127.0.0.1:${allowedPort}/things`,
      method: 'POST',
      body: 'payload',
    });
    assert.equal(text(r), '201\ngot POST /things payload');
  });

  it('refuses another host on 127.0.0.1, a redirect to it, and a name resolving to a denied address', async () => {
    const s = await fetchPlugin();
    hits.length = 0;
    for (const url of [
      `http://127.0.0.1:${otherPort}/direct`,
      `http://127.0.0.1:${allowedPort}/redirect`,
      `http://rebind.test:${otherPort}/rebound`,
    ]) {
      await assert.rejects(tool(s, 'fetch', { url }), (e: Error & { outcome?: unknown }) => {
        assert.match(e.message, /HTTP request to .* failed/);
        const violations = (e.outcome as { violations: Array<{ capability: string }> }).violations;
        assert.ok(
          violations.some((v) => v.capability === 'network'),
          url,
        );
        return true;
      });
    }
    assert.deepEqual(
      hits.filter((h) => h.startsWith('other')),
      [],
      'the other server was never reached',
    );
  });

  it('lets a Rust PDK plugin reach the allowed host and nothing else', async () => {
    const s = await sandbox('rust', doc());
    hits.length = 0;
    assert.equal(
      text(await tool(s, 'fetch', { url: `http://127.0.0.1:${allowedPort}/from-rust` })),
      '201 got GET /from-rust ',
    );
    for (const url of [
      `http://127.0.0.1:${otherPort}/direct`,
      `http://127.0.0.1:${allowedPort}/redirect`,
    ])
      await assert.rejects(tool(s, 'fetch', { url }), /HTTP request to .* failed/);
    assert.deepEqual(hits, ['allowed GET /from-rust', 'allowed GET /redirect']);
  });

  it('a plugin without a network grant makes no request at all', async () => {
    const s = await sandbox('fetch');
    hits.length = 0;
    await assert.rejects(
      tool(s, 'fetch', { url: `http://127.0.0.1:${allowedPort}/x` }),
      /HTTP request to .* failed/,
    );
    assert.deepEqual(hits, []);
  });
});

describe('Extism plugins: files through WASI', () => {
  it('reads and writes only inside the allowed paths', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.txt'), 'inside');
    const s = await sandbox('files', storagePolicy([[`${dir}/**`, ['read', 'write']]]));
    assert.equal(text(await tool(s, 'read_file', { path: join(dir, 'in.txt') })), 'inside');
    assert.match(
      text(await tool(s, 'write_file', { path: join(dir, 'out.txt'), content: 'made' })),
      /wrote 4 bytes/,
    );
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'made');
    assert.match(text(await tool(s, 'list_dir', { path: dir })), /in\.txt\nout\.txt/);
  });

  it('refuses the escape corpus', async () => {
    const t = escapeTree();
    const s = await sandbox('files', storagePolicy(escapeRules(t)));
    let tried = 0;
    for (const op of escapeAttempts(t)) {
      const call =
        op.op === 'read'
          ? (['read_file', { path: op.path }] as const)
          : op.op === 'list'
            ? (['list_dir', { path: op.path }] as const)
            : op.op === 'write'
              ? (['write_file', { path: op.path, content: op.content }] as const)
              : undefined;
      if (!call) continue;
      tried++;
      const r = await tool(s, call[0], call[1]);
      assert.equal(r.isError, true, `${JSON.stringify(op)} was not refused: ${text(r)}`);
      assert.doesNotMatch(text(r), /TOP-SECRET/);
    }
    assert.ok(tried >= 20);
    assert.deepEqual(escapeDamage(t), []);
  });
});

describe('Extism plugins: adversarial calls are contained', () => {
  const limits = policy(`version: "1.0"
resources:
  limits:
    memory: "16Mi"
    execution_time: "2s"
    output: "1Mi"
`);
  let evil: PluginSandbox;
  before(async () => {
    evil = await sandbox('evil', limits, { maxVarBytes: 256 * 1024 });
  });

  /** The call's failure: its code and message. */
  async function failure(name: string): Promise<{ code: string; message: string }> {
    try {
      const r = await tool(evil, name, {});
      return { code: r.isError ? 'tool-error' : 'answered', message: text(r) };
    } catch (error) {
      const e = error as { code: string; message: string };
      return { code: e.code, message: e.message };
    }
  }

  const cases: Array<[string, string, RegExp]> = [
    ['oob_load', 'trap', /read 8 bytes at 0x7fffffffffffff00, outside its kernel memory/],
    ['oob_store', 'trap', /wrote 8 bytes at 0x7fffffffffffff00, outside its kernel memory/],
    ['oob_input', 'trap', /read 8 input bytes at \d+, outside its input of \d+ bytes/],
    ['oob_output', 'trap', /set an output of 1099511627776 bytes, more than its output limit/],
    ['bad_error', 'trap', /passed 0xdeadbeef as its error message, which is not a block/],
    ['bad_config', 'trap', /passed 0xffffffffffff as the config key, which is not a block/],
    ['bad_length', 'answered', /^length = 0 /],
    ['bad_free', 'answered', /^ok$/],
    ['huge_alloc', 'answered', /^alloc = 0 /],
    ['alloc_bomb', 'answered', /^MiB allocated before alloc returned 0 = 1[0-5] /],
    ['output_flood', 'tool-error', /alloc of 64 MiB returned 0/],
    ['var_bomb', 'trap', /past the 262144 bytes all its vars may hold/],
    ['spin', 'deadline', /2000 ms|2 s/],
    ['grow_bomb', 'out-of-memory', /memory/],
    // 16 MiB in all, 8 MiB of it kernel heap: linear memory stops at 128 pages.
    ['heap_then_grow', 'answered', /^memory\.grow failed at 128 pages$/],
  ];
  for (const [name, code, message] of cases)
    it(`${name}: ${code}`, async () => {
      const f = await failure(name);
      assert.equal(f.code, code, f.message);
      assert.match(f.message, message);
    });

  it('the kernel heap and linear memory share the limit in a worker too', async () => {
    const inWorker = await sandbox('evil', limits, { trial: false });
    const r = await tool(inWorker, 'heap_then_grow', {});
    assert.equal(text(r), 'memory.grow failed at 128 pages');
  });

  it('a log flood is capped, the rest counted', async () => {
    const r = await evil
      .call('call', JSON.stringify({ params: { name: 'log_flood', arguments: {} } }))
      .catch((e: { code: string }) => e);
    if ('code' in r) assert.equal(r.code, 'deadline');
    else {
      assert.ok(r.logs.length <= 1000);
      assert.ok(r.droppedLogs > 0);
    }
  });

  it('the plugin still answers after every attack, with vars under the cap', async () => {
    assert.match(text(await tool(evil, 'bad_free', {})), /^ok$/);
    let bytes = 0;
    for (const [k, v] of evil.vars) bytes += k.length + v.length;
    assert.ok(bytes <= 256 * 1024);
  });
});
