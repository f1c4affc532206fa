// The Streamable HTTP transport against real clients on loopback: the SDK client for
// the happy paths, raw node:http requests for everything a client should not send.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  LATEST_PROTOCOL_VERSION,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { type HttpTransportHandle, type HttpTransportOptions, startHttpTransport } from './http.js';
import { HttpTransportError } from './http-errors.js';

function echoServer(): Server {
  const server = new Server(
    { name: 'echo-test', version: '1.0.0' },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: 'echo',
        description: 'returns its text',
        inputSchema: {
          type: 'object',
          properties: { text: { type: 'string' } },
          required: ['text'],
        },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    if (request.params.name !== 'echo') {
      return { content: [{ type: 'text', text: 'unknown tool' }], isError: true };
    }
    return { content: [{ type: 'text', text: String(request.params.arguments?.['text'] ?? '') }] };
  });
  return server;
}

const silent = pino({ level: 'silent' });

async function start(
  t: TestContext,
  options: Partial<HttpTransportOptions> = {},
): Promise<HttpTransportHandle> {
  const handle = await startHttpTransport({ createServer: echoServer, logger: silent, ...options });
  t.after(() => handle.close());
  return handle;
}

interface Connected {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
}

async function connect(t: TestContext, handle: HttpTransportHandle): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(new URL(handle.url));
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(transport);
  t.after(() => client.close());
  return { client, transport };
}

async function echo(client: Client, text: string): Promise<string> {
  const result = await client.callTool({ name: 'echo', arguments: { text } });
  const content = result.content as { type: string; text: string }[];
  return content[0]?.text ?? '';
}

interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sent with chunked transfer encoding (no Content-Length). */
  chunks?: readonly Buffer[];
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The JSON-RPC error of an error response. */
  error?: { code: number; message: string; data?: { reason?: string } };
}

function raw(handle: HttpTransportHandle, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: handle.port,
        method: request.method ?? 'POST',
        path: request.path ?? '/mcp',
        headers: request.headers ?? {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          const response: RawResponse = { status: res.statusCode ?? 0, headers: res.headers, body };
          if (res.headers['content-type'] === 'application/json' && body !== '') {
            const parsed = JSON.parse(body) as { error?: RawResponse['error'] };
            if (parsed.error !== undefined) response.error = parsed.error;
          }
          resolve(response);
        });
      },
    );
    req.on('error', reject);
    if (request.chunks !== undefined) {
      for (const chunk of request.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(request.body);
    }
  });
}

const POST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'raw-client', version: '1.0.0' },
  },
});

const LIST_TOOLS = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

/** A raw initialize; returns the new session id. */
async function initialize(handle: HttpTransportHandle, headers = {}): Promise<string> {
  const res = await raw(handle, { headers: { ...POST_HEADERS, ...headers }, body: INITIALIZE });
  assert.equal(res.status, 200, res.body);
  const id = res.headers['mcp-session-id'];
  assert.equal(typeof id, 'string');
  return id as string;
}

function assertRejected(res: RawResponse, status: number, reason: string): void {
  assert.equal(res.status, status, res.body);
  assert.ok(res.error, `expected a JSON-RPC error body, got ${res.body}`);
  assert.equal(res.error.data?.reason, reason);
  assert.match(res.body, /^\{"jsonrpc":"2\.0","error":\{"code":-?\d+,"message":"[a-z]/);
  assert.match(res.body, /"id":null\}$/);
}

describe('http transport: MCP over Streamable HTTP', () => {
  it('lists and calls a tool through the SDK client', async (t) => {
    const handle = await start(t);
    assert.match(handle.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const { client } = await connect(t, handle);
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((tool) => tool.name),
      ['echo'],
    );
    assert.equal(await echo(client, 'hello'), 'hello');
    assert.equal(handle.sessions(), 1);
  });

  it('gives two concurrent clients separate sessions', async (t) => {
    const handle = await start(t);
    const [a, b] = await Promise.all([connect(t, handle), connect(t, handle)]);
    assert.ok(a.transport.sessionId);
    assert.ok(b.transport.sessionId);
    assert.notEqual(a.transport.sessionId, b.transport.sessionId);
    assert.equal(handle.sessions(), 2);
    const replies = await Promise.all([
      echo(a.client, 'from a'),
      echo(b.client, 'from b'),
      echo(a.client, 'again a'),
    ]);
    assert.deepEqual(replies, ['from a', 'from b', 'again a']);
  });

  it('refuses a request without a session id unless it is initialize', async (t) => {
    const handle = await start(t);
    const res = await raw(handle, { headers: POST_HEADERS, body: LIST_TOOLS });
    assertRejected(res, 400, 'session-required');
    assert.match(res.error?.message ?? '', /mcp-session-id/i);
  });

  it('answers an unknown session id with 404 so the client re-initializes', async (t) => {
    const handle = await start(t);
    const res = await raw(handle, {
      headers: { ...POST_HEADERS, 'mcp-session-id': 'no-such-session' },
      body: LIST_TOOLS,
    });
    assertRejected(res, 404, 'session-not-found');
    assert.equal(res.error?.code, -32001);
  });

  it('ends a session on DELETE; the id then gets 404', async (t) => {
    const handle = await start(t);
    const { transport } = await connect(t, handle);
    const id = transport.sessionId;
    assert.ok(id);
    assert.equal(handle.sessions(), 1);
    await transport.terminateSession();
    assert.equal(handle.sessions(), 0);
    const res = await raw(handle, {
      headers: { ...POST_HEADERS, 'mcp-session-id': id },
      body: LIST_TOOLS,
    });
    assertRejected(res, 404, 'session-not-found');
  });

  it('refuses DELETE and GET without a session id', async (t) => {
    const handle = await start(t);
    assertRejected(await raw(handle, { method: 'DELETE' }), 400, 'session-required');
    assertRejected(
      await raw(handle, { method: 'GET', headers: { accept: 'text/event-stream' } }),
      400,
      'session-required',
    );
  });

  it('closes idle sessions', async (t) => {
    const handle = await start(t, { sessionIdleMs: 100 });
    const id = await initialize(handle);
    assert.equal(handle.sessions(), 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(handle.sessions(), 0);
    const res = await raw(handle, {
      headers: { ...POST_HEADERS, 'mcp-session-id': id },
      body: LIST_TOOLS,
    });
    assertRejected(res, 404, 'session-not-found');
  });

  it('keeps a session whose client holds its SSE stream open', async (t) => {
    const handle = await start(t, { sessionIdleMs: 100 });
    const { client } = await connect(t, handle);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(handle.sessions(), 1);
    assert.equal(await echo(client, 'still open'), 'still open');
  });

  it('answers 500 when the server factory throws, and keeps serving', async (t) => {
    let calls = 0;
    const handle = await start(t, {
      createServer: () => {
        calls += 1;
        if (calls === 1) throw new Error('factory broke');
        return echoServer();
      },
    });
    const res = await raw(handle, { headers: POST_HEADERS, body: INITIALIZE });
    assertRejected(res, 500, 'internal-error');
    assert.doesNotMatch(res.body, /factory broke/);
    assert.equal(handle.sessions(), 0);
    const { client } = await connect(t, handle);
    assert.equal(await echo(client, 'recovered'), 'recovered');
  });

  it('refuses sessions over maxSessions with 503', async (t) => {
    const handle = await start(t, { maxSessions: 1 });
    const { client } = await connect(t, handle);
    const res = await raw(handle, { headers: POST_HEADERS, body: INITIALIZE });
    assertRejected(res, 503, 'too-many-sessions');
    const second = new Client({ name: 'second', version: '1.0.0' });
    await assert.rejects(
      second.connect(new StreamableHTTPClientTransport(new URL(handle.url))),
      (err: unknown) => (err as { code?: unknown }).code === 503,
    );
    assert.equal(await echo(client, 'still here'), 'still here');
    assert.equal(handle.sessions(), 1);
  });
});

describe('http transport: DNS-rebinding defence', () => {
  it('refuses a foreign Host with 403 and keeps serving the real client', async (t) => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const handle = await start(t, { logger });
    const { client } = await connect(t, handle);
    const res = await raw(handle, {
      headers: { ...POST_HEADERS, host: 'evil.example' },
      body: INITIALIZE,
    });
    assertRejected(res, 403, 'host-not-allowed');
    assert.match(res.error?.message ?? '', /`evil\.example`/);
    assert.match(res.error?.message ?? '', /--allowed-host evil\.example/);
    assert.equal(handle.sessions(), 1);
    assert.equal(await echo(client, 'after rebinding attempt'), 'after rebinding attempt');
    assert.ok(lines.some((line) => line.includes('refused host')));
  });

  it('checks the Host before the path, method or body', async (t) => {
    const handle = await start(t);
    for (const request of [
      { path: '/elsewhere' },
      { method: 'PUT' },
      { body: '{not json', headers: POST_HEADERS },
    ]) {
      const res = await raw(handle, {
        ...request,
        headers: { ...request.headers, host: `evil.example:${handle.port}` },
      });
      assertRejected(res, 403, 'host-not-allowed');
    }
  });

  it('accepts the loopback names, in any case, with or without the port', async (t) => {
    const handle = await start(t);
    for (const host of [
      `localhost:${handle.port}`,
      `LOCALHOST:${handle.port}`,
      'localhost',
      `127.0.0.1:${handle.port}`,
      `[::1]:${handle.port}`,
    ]) {
      await initialize(handle, { host });
    }
    for (const host of [`localhost.evil.example:${handle.port}`, `127.0.0.2:${handle.port}`]) {
      const res = await raw(handle, { headers: { ...POST_HEADERS, host }, body: INITIALIZE });
      assertRejected(res, 403, 'host-not-allowed');
    }
  });

  it('matches allowedHosts wildcards against subdomains only', async (t) => {
    const handle = await start(t, { allowedHosts: ['*.example.com', 'mcp.internal:8443'] });
    for (const host of ['api.example.com', `API.Example.COM:${handle.port}`, 'a.b.example.com']) {
      await initialize(handle, { host });
    }
    for (const host of [
      'example.com',
      'evilexample.com',
      'api.example.com.evil.net',
      `localhost:${handle.port}`,
      'mcp.internal:8444',
    ]) {
      const res = await raw(handle, { headers: { ...POST_HEADERS, host }, body: INITIALIZE });
      assertRejected(res, 403, 'host-not-allowed');
    }
    await initialize(handle, { host: 'mcp.internal:8443' });
  });

  it('refuses a foreign Origin and accepts a request without one', async (t) => {
    const handle = await start(t);
    const bad = await raw(handle, {
      headers: { ...POST_HEADERS, origin: 'http://evil.example' },
      body: INITIALIZE,
    });
    assertRejected(bad, 403, 'origin-not-allowed');
    assert.match(bad.error?.message ?? '', /`http:\/\/evil\.example`/);
    const opaque = await raw(handle, {
      headers: { ...POST_HEADERS, origin: 'null' },
      body: INITIALIZE,
    });
    assertRejected(opaque, 403, 'origin-not-allowed');
    await initialize(handle);
    await initialize(handle, { origin: `http://localhost:${handle.port}` });
    await initialize(handle, { origin: `http://127.0.0.1:${handle.port}` });
    const otherPort = await raw(handle, {
      headers: { ...POST_HEADERS, origin: `http://localhost:${handle.port + 1}` },
      body: INITIALIZE,
    });
    assertRejected(otherPort, 403, 'origin-not-allowed');
  });

  it('uses allowedOrigins in place of the defaults', async (t) => {
    const handle = await start(t, { allowedOrigins: ['https://App.Example.com'] });
    await initialize(handle, { origin: 'https://app.example.com' });
    const res = await raw(handle, {
      headers: { ...POST_HEADERS, origin: `http://localhost:${handle.port}` },
      body: INITIALIZE,
    });
    assertRejected(res, 403, 'origin-not-allowed');
  });
});

describe('http transport: malformed and oversized requests', () => {
  it('answers a 10 MB body with 413 and keeps serving', async (t) => {
    const handle = await start(t);
    const { client } = await connect(t, handle);
    const res = await raw(handle, {
      headers: POST_HEADERS,
      body: Buffer.alloc(10 * 1024 * 1024, 0x20),
    });
    assertRejected(res, 413, 'body-too-large');
    assert.match(res.error?.message ?? '', /4194304 bytes/);
    assert.equal(await echo(client, 'after a big body'), 'after a big body');
  });

  it('stops reading a chunked body once it passes the cap', async (t) => {
    const handle = await start(t, { maxBodyBytes: 1024 });
    const { client } = await connect(t, handle);
    const chunk = Buffer.alloc(600, 0x20);
    const res = await raw(handle, { headers: POST_HEADERS, chunks: [chunk, chunk, chunk] });
    assertRejected(res, 413, 'body-too-large');
    assert.equal(await echo(client, 'ok'), 'ok');
  });

  it('answers malformed JSON with a -32700 parse error and keeps serving', async (t) => {
    const handle = await start(t);
    const { client } = await connect(t, handle);
    const res = await raw(handle, { headers: POST_HEADERS, body: '{"jsonrpc": "2.0", "id": ' });
    assertRejected(res, 400, 'parse-error');
    assert.equal(res.error?.code, -32700);
    assert.equal(await echo(client, 'fine'), 'fine');
  });

  it('answers other paths with 404 and other methods with 405 and Allow', async (t) => {
    const handle = await start(t);
    assertRejected(await raw(handle, { method: 'GET', path: '/other' }), 404, 'not-found');
    assertRejected(await raw(handle, { method: 'POST', path: '/mcp/extra' }), 404, 'not-found');
    const put = await raw(handle, { method: 'PUT', headers: POST_HEADERS, body: LIST_TOOLS });
    assertRejected(put, 405, 'method-not-allowed');
    assert.equal(put.headers.allow, 'GET, POST, DELETE');
  });

  it('serves the query-string form of the path', async (t) => {
    const handle = await start(t);
    const res = await raw(handle, { path: '/mcp?x=1', headers: POST_HEADERS, body: INITIALIZE });
    assert.equal(res.status, 200);
  });

  it('refuses a wrong content type, a wrong Accept and an unknown protocol version', async (t) => {
    const handle = await start(t);
    const textPlain = await raw(handle, {
      headers: { ...POST_HEADERS, 'content-type': 'text/plain' },
      body: INITIALIZE,
    });
    assertRejected(textPlain, 415, 'unsupported-media-type');
    const jsonOnly = await raw(handle, {
      headers: { ...POST_HEADERS, accept: 'application/json' },
      body: INITIALIZE,
    });
    assertRejected(jsonOnly, 406, 'not-acceptable');
    const id = await initialize(handle);
    const version = await raw(handle, {
      headers: { ...POST_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '1999-01-01' },
      body: LIST_TOOLS,
    });
    assertRejected(version, 400, 'unsupported-protocol-version');
  });

  it('refuses invalid options with a typed error', async () => {
    const base = { createServer: echoServer, logger: silent };
    for (const options of [
      { ...base, allowedHosts: ['*'] },
      { ...base, allowedHosts: [] },
      { ...base, allowedHosts: ['exa mple.com'] },
      { ...base, allowedOrigins: ['localhost:3000'] },
      { ...base, allowedOrigins: ['http://localhost:3000/path'] },
      { ...base, maxBodyBytes: 0 },
      { ...base, maxSessions: 1.5 },
      { ...base, sessionIdleMs: 2 ** 40 },
      { ...base, path: 'mcp' },
      { ...base, port: 70000 },
    ]) {
      await assert.rejects(startHttpTransport(options), (err: unknown) => {
        assert.ok(err instanceof HttpTransportError, String(err));
        assert.equal(err.code, 'invalid-option');
        return true;
      });
    }
  });
});

describe('http transport: shutdown', () => {
  it('closes promptly while a client is half-way through sending a request', async () => {
    const handle = await startHttpTransport({ createServer: echoServer, logger: silent });
    const socket = net.connect(handle.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.on('error', () => {});
    socket.write(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${handle.port}\r\n` +
        'Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n' +
        'Content-Length: 1000\r\n\r\n{"jsonrpc":',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await handle.close();
    assert.ok(performance.now() - started < 2000);
    socket.destroy();
  });

  it('closes promptly with a connected client and an open SSE stream', async (t) => {
    const handle = await startHttpTransport({ createServer: echoServer, logger: silent });
    t.after(() => handle.close());
    const { client } = await connect(t, handle);
    assert.equal(await echo(client, 'before close'), 'before close');

    // A second session holding its GET stream open, watched from this side.
    const id = await initialize(handle);
    const initialized = await raw(handle, {
      headers: {
        ...POST_HEADERS,
        'mcp-session-id': id,
        'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
      },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    assert.equal(initialized.status, 202);
    let opened: () => void = () => {};
    const streamOpen = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const streamEnded = new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: handle.port,
          method: 'GET',
          path: '/mcp',
          agent: false,
          headers: {
            accept: 'text/event-stream',
            'mcp-session-id': id,
            'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
          },
        },
        (res) => {
          opened();
          res.resume();
          res.on('close', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    await streamOpen;
    assert.equal(handle.sessions(), 2);

    const started = performance.now();
    await handle.close();
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `close took ${Math.round(elapsed)} ms`);
    assert.equal(await streamEnded, 200);
    assert.equal(handle.sessions(), 0);
    await assert.rejects(initialize(handle), /ECONNREFUSED/);
    await handle.close();
  });
});
