// Bad input, each a test: a clear error, and the server keeps serving.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CLI,
  type Connected,
  call,
  EXAMPLES,
  example,
  httpClient,
  httpServer,
  stdioClient,
  tempDir,
  text,
} from '../testing.js';

describe('bad input over stdio', () => {
  let conn: Connected;
  const dir = tempDir('mcpkit-bad-');
  before(async () => {
    conn = await stdioClient([
      '--data-dir',
      join(dir, 'data'),
      // A client's local paths must lie in a directory the operator allowed.
      '--allow-dir',
      dir,
      '--component',
      example('calculator'),
    ]);
  });
  after(() => conn.close());

  const stillServing = async () => {
    const r = await call(conn, 'add', { a: 2, b: 3 });
    assert.match(text(r), /5/);
  };

  it('an unknown tool is a protocol error naming it', async () => {
    await assert.rejects(
      conn.client.callTool({ name: 'no_such_tool', arguments: {} }),
      (e: Error) => {
        // The code once, as the client's own prefix: not "MCP error -32602: MCP error -32602: …".
        assert.equal(e.message, 'MCP error -32602: unknown tool `no_such_tool`');
        return true;
      },
    );
    await stillServing();
  });

  it('arguments that fail the schema are refused before the guest runs, naming the field', async () => {
    const r = await call(conn, 'calculate', { expression: 42 });
    assert.equal(r.isError, true);
    assert.match(
      text(r),
      /do not match the input schema of `calculate`.*`\/expression` must be string/,
    );
    const extra = await call(conn, 'calculate', { expression: '1', color: 'red' });
    assert.equal(extra.isError, true);
    assert.match(text(extra), /`color`/);
    await stillServing();
  });

  it('a 10 MB argument is refused with its size', async () => {
    const r = await call(conn, 'calculate', { expression: '1'.repeat(10 * 1024 * 1024) });
    assert.equal(r.isError, true);
    assert.match(text(r), /more than the limit/);
    await stillServing();
  });

  it('a file that is not wasm is refused clearly', async () => {
    const notWasm = join(dir, 'notes.wasm');
    writeFileSync(notWasm, 'just text\n');
    const r = await call(conn, 'load-component', { path: notWasm });
    assert.equal(r.isError, true);
    assert.match(text(r), /is not a WebAssembly file/);
    const missing = await call(conn, 'load-component', { path: join(dir, 'nope.wasm') });
    assert.match(text(missing), /there is no file at/);
    await stillServing();
  });

  it('a policy with errors is refused with every error and its line', async () => {
    const d = join(dir, 'badpolicy');
    mkdirSync(d);
    copyFileSync(example('hash'), join(d, 'hash.wasm'));
    copyFileSync(join(EXAMPLES, 'hash', 'hash.tools.json'), join(d, 'hash.tools.json'));
    writeFileSync(
      join(d, 'policy.yaml'),
      'version: "1.0"\nnetwrok:\n  allow: []\nstorage:\n  allow:\n    - uri: "/etc/**"\n      access: [read]\n',
    );
    const r = await call(conn, 'load-component', { path: join(d, 'hash.wasm') });
    assert.equal(r.isError, true);
    assert.match(text(r), /policy\.yaml:2:1: error\[unknown-section\]: unknown section `netwrok`/);
    assert.match(text(r), /help: did you mean `network`\?/);
    assert.match(text(r), /policy\.yaml:6:\d+: error\[storage-uri-scheme\]/);
    const { tools } = await conn.client.listTools();
    assert.ok(!tools.some((t) => t.name === 'hash'), 'nothing half-loaded');
    await stillServing();
  });

  it('a wasm core module without a tool manifest is refused clearly', async () => {
    const d = join(dir, 'nomanifest');
    mkdirSync(d);
    copyFileSync(example('echo'), join(d, 'echo.wasm'));
    const r = await call(conn, 'load-component', { path: join(d, 'echo.wasm') });
    assert.equal(r.isError, true);
    assert.match(text(r), /has no tool manifest/);
    await stillServing();
  });

  it('malformed JSON-RPC does not stop the server', async () => {
    // Write garbage straight onto the server's stdin, between real requests.
    const transport = (
      conn.client as unknown as { _transport: { _process?: { stdin: NodeJS.WritableStream } } }
    )._transport;
    transport._process!.stdin.write('{this is not json\n');
    transport._process!.stdin.write('{"jsonrpc":"2.0","id":"x","method":42}\n');
    await stillServing();
  });
});

describe('bad input at start and over HTTP', () => {
  it('a data directory that cannot be made is a clear error at start', async () => {
    const blocker = join(tempDir(), 'a-file');
    writeFileSync(blocker, '');
    const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', join(blocker, 'data')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /cannot use data directory/);
  });

  it('a missing data directory is created', async () => {
    const data = join(tempDir(), 'deep', 'er', 'data');
    const c = await stdioClient(['--data-dir', data]);
    const { tools } = await c.client.listTools();
    assert.ok(tools.length > 0);
    await c.close();
  });

  it('a wrong Host header is refused and the server keeps serving', async () => {
    const s = await httpServer(['--data-dir', tempDir(), '--component', example('echo')]);
    try {
      const url = new URL(s.url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: {
              Host: 'evil.example',
              'Content-Type': 'application/json',
              Accept: 'application/json, text/event-stream',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(
          '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}',
        );
      });
      assert.equal(status, 403);
      const c = await httpClient(s.url);
      const r = await call(c, 'echo', { text: 'still here' });
      assert.equal(text(r), 'still here');
      await c.close();
    } finally {
      await s.stop();
    }
  });

  it('SIGTERM shuts the HTTP server down cleanly', async () => {
    const s = await httpServer(['--data-dir', tempDir()]);
    const c = await httpClient(s.url);
    await c.client.listTools();
    const code = await s.stop();
    assert.equal(code, 0);
  });
});
