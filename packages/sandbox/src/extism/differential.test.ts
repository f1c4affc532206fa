// The same plugins under Extism's own JS SDK and under mcpkit, for
// operations both allow: the same bytes out. (Where they differ on purpose,
// on bad addresses and limits, plugin.test.ts says what mcpkit does.)

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import createPlugin, { type Plugin } from '@extism/extism';
import { WorkerPool } from '../pool.js';
import { GUESTS, policy, tempDir } from '../testing.js';
import { PluginSandbox } from './sandbox.js';

const decoder = new TextDecoder();
const pool = new WorkerPool({ size: 1 });
after(() => pool.close());

const bytes = (name: string) => readFileSync(new URL(`extism-${name}.wasm`, GUESTS));

/** Input of `call`/`call_tool` for a tool call under protocol 1 or 2. */
function toolInput(v2: boolean, name: string, args: Record<string, unknown>): string {
  return JSON.stringify(
    v2
      ? { context: {}, request: { name, arguments: args } }
      : { params: { name, arguments: args } },
  );
}

interface Pair {
  mcpkit: PluginSandbox;
  extism: Plugin;
}

/** Call `fn` with `input` under both; both outputs as text (or the error's absence of one). */
async function both(p: Pair, fn: string, input: string): Promise<[string, string]> {
  const ours = decoder.decode((await p.mcpkit.call(fn, input)).output);
  const theirs = (await p.extism.call(fn, input))?.text() ?? '';
  return [ours, theirs];
}

async function same(p: Pair, fn: string, input = ''): Promise<string> {
  const [ours, theirs] = await both(p, fn, input);
  assert.equal(ours, theirs, `${fn} ${input}`);
  return ours;
}

describe('Extism plugins under @extism/extism and under mcpkit', () => {
  const dir = tempDir('mcpkit-extism-diff-');
  let server: http.Server;
  let port = 0;
  const open: Plugin[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        res.writeHead(req.url === '/missing' ? 404 : 200);
        res.end(`${req.method} ${req.url} ${body}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.close();
    for (const p of open) await p.close();
  });

  async function pair(
    name: string,
    yaml: string,
    extism: Parameters<typeof createPlugin>[1],
    config: Record<string, string> = {},
  ): Promise<Pair> {
    const mcpkit = await PluginSandbox.create({
      id: name,
      bytes: bytes(name),
      policy: policy(`version: "1.0"\n${yaml}`),
      pool,
      config,
    });
    const plugin = await createPlugin({ wasm: [{ data: bytes(name) }] }, { ...extism, config });
    open.push(plugin);
    return { mcpkit, extism: plugin };
  }

  it('hello: the tool list, answers and tool errors', async () => {
    const p = await pair('hello', '', { useWasi: false });
    await same(p, 'describe');
    for (const [tool, args] of [
      ['greet', { name: 'a"b\\c\n\u0001é😀' }],
      ['add', { a: 2, b: -40 }],
      ['add', { a: 2.5, b: 1 }],
      ['greet', {}],
      ['nope', {}],
    ] as const)
      await same(p, 'call', toolInput(false, tool, args));
  });

  it('shout (AssemblyScript, as-pdk): the tool list and answers', async () => {
    const p = await pair('shout-as', '', { useWasi: false });
    await same(p, 'describe');
    for (const args of [{ text: 'straße é😀 "q"\n' }, {}, { text: 7 }])
      await same(p, 'call', toolInput(false, 'shout', args));
  });

  it('go (a WASI reactor without a PDK): the tool list and answers', async () => {
    const p = await pair(
      'go',
      'environment:\n  allow:\n    - key: greeting\n',
      { useWasi: true },
      { greeting: 'hello' },
    );
    await same(p, 'describe');
    for (const [tool, args] of [
      ['sum', { numbers: [1, 2.5, -3] }],
      ['keys', { object: { z: 1, a: [], m: null } }],
      ['runtime', {}],
      ['sum', { numbers: 'x' }],
      ['nope', {}],
    ] as const)
      await same(p, 'call', toolInput(false, tool, args));
  });

  it('rust (the Rust PDK): the tool list, answers, config, vars and tool errors', async () => {
    const p = await pair(
      'rust',
      'environment:\n  allow:\n    - key: GREETING\n',
      {
        useWasi: false,
        // It imports hyper-mcp's functions; the calls compared use none.
        functions: {
          'extism:host/user': {
            notify_progress: () => {},
            notify_logging_message: () => {},
            list_roots: () => 0n,
          },
        },
      },
      { GREETING: 'hello' },
    );
    await same(p, 'list_tools', JSON.stringify({ context: {} }));
    for (const [tool, args] of [
      ['word_count', { text: 'a b\u00a0c é😀 d' }],
      ['visits', {}],
      ['visits', {}],
      ['config', { key: 'GREETING' }],
      ['config', { key: 'missing' }],
      ['nope', {}],
    ] as const)
      await same(p, 'call_tool', toolInput(true, tool, args));
  });

  it('state: config, vars kept between calls, tool errors', async () => {
    const p = await pair(
      'state',
      'environment:\n  allow:\n    - key: greeting_key\n',
      {
        useWasi: false,
        functions: { 'extism:host/user': { notify_logging_message: () => {} } },
      },
      { greeting_key: 'hello there' },
    );
    await same(p, 'list_tools', JSON.stringify({ context: {} }));
    for (const [tool, args] of [
      ['get_config', { key: 'greeting_key' }],
      ['get_config', { key: 'missing' }],
      ['count', {}],
      ['count', {}],
      ['set_var', { name: 'v', value: 'hello "x"' }],
      ['get_var', { name: 'v' }],
      ['get_var', { name: 'unset' }],
    ] as const)
      await same(p, 'call_tool', toolInput(true, tool, args));
  });

  it('files: reads, writes and lists inside the allowed path', async () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, 'sub'), { recursive: true });
    writeFileSync(join(data, 'a.txt'), 'alpha');
    writeFileSync(join(data, 'B.txt'), 'beta');
    const p = await pair(
      'files',
      `storage:\n  allow:\n    - uri: "fs://${data}/**"\n      access: [read, write]\n`,
      {
        useWasi: true,
        allowedPaths: { [data]: data },
      },
    );
    await same(p, 'describe');
    await same(p, 'call', toolInput(false, 'read_file', { path: join(data, 'a.txt') }));
    await same(p, 'call', toolInput(false, 'list_dir', { path: data }));
    await same(p, 'call', toolInput(false, 'read_file', { path: join(data, 'nope.txt') }));
    const [ours, theirs] = await both(
      p,
      'call',
      toolInput(false, 'write_file', { path: join(data, 'w.txt'), content: 'written twice' }),
    );
    assert.equal(ours, theirs);
    assert.equal(readFileSync(join(data, 'w.txt'), 'utf8'), 'written twice');
  });

  it('fetch: status and body of allowed requests', async () => {
    // Extism's JS SDK makes HTTP requests only from its worker.
    const p = await pair(
      'fetch',
      `network:\n  allow:\n    - host: "127.0.0.1"\n      ports: [${port}]\n`,
      { useWasi: false, runInWorker: true, allowedHosts: ['127.0.0.1'] },
    );
    await same(p, 'describe');
    for (const args of [
      { url: `http://127.0.0.1:${port}/hello` },
      { url: `http://127.0.0.1:${port}/post`, method: 'POST', body: 'x=1' },
      { url: `http://127.0.0.1:${port}/missing` },
    ])
      await same(p, 'call', toolInput(false, 'fetch', args));
  });
});
