// The egress service against real HTTP servers on loopback. Host names resolve
// only through the injected resolver: the system resolver knows none of them,
// so any lookup that bypassed the checked address would fail the test.

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import tls from 'node:tls';
import { type CompiledPolicy, compilePolicy, readPolicy } from '@mcpkit/wasm-policy';
import {
  EGRESS_ERROR_CODES,
  EgressError,
  type EgressErrorCode,
  type EgressOptions,
  EgressService,
} from './egress.js';
import type { Violation } from './violation.js';

interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  readonly port: number;
  readonly hits: Hit[];
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, hit: Hit) => void;

const ok: Handler = (_req, res, hit) => {
  res.setHeader('x-seen', `${hit.method} ${hit.url}`);
  res.end(`hello from ${hit.headers.host}`);
};

/** A server that records every request it receives, closed when the test ends. */
async function serve(
  t: TestContext,
  handler: Handler = ok,
  host = '127.0.0.1',
  server: http.Server = http.createServer(),
  port = 0,
): Promise<TestServer> {
  const hits: Hit[] = [];
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      hits.push(hit);
      handler(req, res, hit);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, hits };
}

function policy(yaml: string): CompiledPolicy {
  const read = readPolicy(`version: "1.0"\n${yaml}`);
  assert.ok(read.document, JSON.stringify(read.diagnostics));
  return compilePolicy(read.document);
}

const LOOPBACK_AND_API = policy(`network:
  allow:
    - cidr: "127.0.0.0/8"
    - host: api.test
    - host: other.test
    - host: rebind.test
    - host: meta.test
`);

interface Resolver {
  (hostname: string): Promise<string[]>;
  calls: string[];
}

/** Resolves from a table; a list of answers is used one per call, the last one repeating. */
function resolver(table: Record<string, string[] | string[][]>): Resolver {
  const calls: string[] = [];
  const seen = new Map<string, number>();
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const entry = table[hostname];
    if (entry === undefined) throw new Error(`ENOTFOUND ${hostname}`);
    if (!Array.isArray(entry[0])) return entry as string[];
    const n = seen.get(hostname) ?? 0;
    seen.set(hostname, n + 1);
    const answers = entry as string[][];
    return answers[Math.min(n, answers.length - 1)]!;
  };
  return Object.assign(resolve, { calls });
}

const NAMES = {
  'api.test': ['127.0.0.1'],
  'other.test': ['127.0.0.1'],
  'evil.test': ['127.0.0.1'],
  'rebind.test': ['169.254.169.254'],
  'meta.test': ['169.254.169.254'],
};

function service(options: Partial<EgressOptions> = {}): {
  egress: EgressService;
  violations: Violation[];
  resolve: Resolver;
} {
  const violations: Violation[] = [];
  const resolve = resolver(NAMES);
  const egress = new EgressService({
    policy: LOOPBACK_AND_API,
    component: 'guest-1',
    resolver: resolve,
    onViolation: (v) => violations.push(v),
    ...options,
  });
  return { egress, violations, resolve: (options.resolver as Resolver | undefined) ?? resolve };
}

async function fails(promise: Promise<unknown>, code: EgressErrorCode): Promise<EgressError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof EgressError, `expected an EgressError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected \`${code}\`, but the request succeeded`);
}

// A missing deadline or cap must fail its test, not hang the run.
const BOUNDED = { timeout: 5000 };

const text = (body: Uint8Array) => Buffer.from(body).toString('utf8');

it('pins the error codes of the public API', () => {
  assert.deepEqual(
    [...EGRESS_ERROR_CODES],
    [
      'denied',
      'invalid-request',
      'dns',
      'connect',
      'timeout',
      'too-large',
      'too-many-redirects',
      'aborted',
      'protocol',
      'limited',
    ],
  );
  assert.ok(Object.isFrozen(EGRESS_ERROR_CODES));
  const e = new EgressError('dns', 'm', 'http://x/');
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'EgressError');
});

describe('allowed requests', () => {
  it(
    'passes method, headers and body through and connects to the checked address',
    BOUNDED,
    async (t) => {
      const s = await serve(t, (_req, res, hit) => {
        res.statusCode = 201;
        res.statusMessage = 'Made';
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.end(`got ${hit.body}`);
      });
      const { egress, resolve } = service();
      const r = await egress.fetch({
        url: `http://api.test:${s.port}/items?q=1`,
        method: 'post',
        headers: [
          ['X-Custom', 'one'],
          ['Content-Type', 'text/plain'],
          ['Host', 'evil.test'],
          ['Connection', 'close'],
          ['Proxy-Authorization', 'Basic eA=='],
          ['Transfer-Encoding', 'chunked'],
          ['Content-Length', '999'],
        ],
        body: 'payload ✓',
      });
      assert.equal(r.status, 201);
      assert.equal(r.statusText, 'Made');
      assert.equal(text(r.body), 'got payload ✓');
      assert.equal(r.address, '127.0.0.1');
      assert.equal(r.url, `http://api.test:${s.port}/items?q=1`);
      assert.equal(r.redirects, 0);
      assert.deepEqual(
        r.headers.filter(([n]) => n === 'set-cookie'),
        [
          ['set-cookie', 'a=1'],
          ['set-cookie', 'b=2'],
        ],
      );
      assert.equal(s.hits.length, 1);
      const hit = s.hits[0]!;
      assert.equal(hit.method, 'POST');
      assert.equal(hit.url, '/items?q=1');
      assert.equal(hit.headers.host, `api.test:${s.port}`);
      assert.equal(hit.headers['x-custom'], 'one');
      assert.equal(hit.headers['content-type'], 'text/plain');
      assert.equal(hit.headers['content-length'], String(Buffer.byteLength('payload ✓')));
      assert.equal(hit.headers['proxy-authorization'], undefined);
      assert.equal(hit.headers['transfer-encoding'], undefined);
      assert.deepEqual(resolve.calls, ['api.test']);
    },
  );

  it('accepts headers as a record and a Uint8Array body', BOUNDED, async (t) => {
    const s = await serve(t, (_req, res, hit) => res.end(hit.body));
    const { egress } = service();
    const r = await egress.fetch({
      url: `http://api.test:${s.port}/`,
      method: 'PUT',
      headers: { 'x-a': '1' },
      body: new Uint8Array([104, 105]),
    });
    assert.equal(text(r.body), 'hi');
    assert.equal(s.hits[0]!.headers['x-a'], '1');
  });
});

describe('the URL decision', () => {
  it('refuses a host no rule grants before resolving or connecting', BOUNDED, async (t) => {
    const s = await serve(t);
    const { egress, violations, resolve } = service();
    const url = `http://evil.test:${s.port}/steal`;
    const e = await fails(egress.fetch({ url, method: 'DELETE' }), 'denied');
    assert.match(e.message, /network access to `evil\.test` is not granted/);
    assert.match(e.message, /no `network\.allow` rule grants this host/);
    assert.equal(e.decision?.code, 'not-granted');
    assert.equal(e.url, url);
    assert.equal(s.hits.length, 0);
    assert.deepEqual(resolve.calls, []);
    assert.equal(violations.length, 1);
    const v = violations[0]!;
    assert.equal(v.component, 'guest-1');
    assert.equal(v.capability, 'network');
    assert.equal(v.target, url);
    assert.equal(v.access, 'DELETE');
    assert.equal(v.rule, null);
    assert.equal(v.reason, 'no `network.allow` rule grants this host');
  });

  it('names the deny rule that refused', BOUNDED, async (t) => {
    const s = await serve(t);
    const { egress, violations } = service({
      policy: policy(`network:
  allow:
    - cidr: "127.0.0.0/8"
    - host: "*.test"
  deny:
    - host: evil.test
`),
    });
    const e = await fails(egress.fetch({ url: `http://evil.test:${s.port}/` }), 'denied');
    assert.match(e.message, /`evil\.test` is denied/);
    assert.equal(violations[0]!.rule?.text, 'evil.test');
    assert.equal(violations[0]!.rule?.list, 'deny');
    assert.equal(s.hits.length, 0);
  });

  it('applies the ports, schemes, methods and paths of a rule', BOUNDED, async (t) => {
    const s = await serve(t);
    const other = await serve(t);
    const { egress } = service({
      policy: policy(`network:
  allow:
    - cidr: "127.0.0.0/8"
    - host: api.test
      ports: [${s.port}]
      schemes: [http]
      methods: [GET]
      paths: [/v1]
`),
    });
    const r = await egress.fetch({ url: `http://api.test:${s.port}/v1/items` });
    assert.equal(r.status, 200);
    const refused: Array<[string, string]> = [
      [`http://api.test:${other.port}/v1/items`, 'GET'],
      [`https://api.test:${s.port}/v1/items`, 'GET'],
      [`http://api.test:${s.port}/v1/items`, 'POST'],
      [`http://api.test:${s.port}/v2/items`, 'GET'],
      [`http://api.test:${s.port}/v10`, 'GET'],
    ];
    for (const [url, method] of refused) {
      await fails(egress.fetch({ url, method }), 'denied');
    }
    assert.equal(s.hits.length, 1);
    assert.equal(other.hits.length, 0);
  });

  it('refuses userinfo and schemes other than http and https', BOUNDED, async () => {
    const { egress, resolve, violations } = service();
    const e = await fails(
      egress.fetch({ url: 'http://user:secret@api.test:1/' }),
      'invalid-request',
    );
    assert.match(e.message, /userinfo/);
    assert.doesNotMatch(e.message, /secret/);
    await fails(egress.fetch({ url: 'http://api.test@evil.test/' }), 'invalid-request');
    for (const url of ['file:///etc/passwd', 'ftp://api.test/x', 'gopher://api.test/', 'nope']) {
      await fails(egress.fetch({ url }), 'invalid-request');
    }
    assert.deepEqual(resolve.calls, []);
    assert.equal(violations.length, 0);
  });

  it('refuses malformed methods and headers before connecting', BOUNDED, async (t) => {
    const s = await serve(t);
    const { egress } = service();
    const url = `http://api.test:${s.port}/`;
    await fails(egress.fetch({ url, method: 'GET /x' }), 'invalid-request');
    await fails(egress.fetch({ url, method: 'CONNECT' }), 'invalid-request');
    await fails(egress.fetch({ url, headers: { 'bad name': 'x' } }), 'invalid-request');
    await fails(egress.fetch({ url, headers: { 'x-a': 'v\r\nX-Injected: 1' } }), 'invalid-request');
    assert.equal(s.hits.length, 0);
  });

  it('decides every spelling of a loopback IP like 127.0.0.1', BOUNDED, async (t) => {
    const s = await serve(t);
    const spellings = [
      `http://127.0.0.1:${s.port}/`,
      `http://0x7f.1:${s.port}/`,
      `http://2130706433:${s.port}/`,
      `http://017700000001:${s.port}/`,
      `http://127.1:${s.port}/`,
      `http://[::ffff:127.0.0.1]:${s.port}/`,
    ];
    const strict = service({ policy: policy('network:\n  allow:\n    - host: api.test\n') });
    for (const url of spellings) {
      const e = await fails(strict.egress.fetch({ url }), 'denied');
      assert.equal(e.decision?.code, 'special-address', url);
    }
    assert.equal(s.hits.length, 0);
    assert.equal(strict.violations.length, spellings.length);
    assert.deepEqual(strict.resolve.calls, []);

    const open = service();
    for (const url of spellings) {
      const r = await open.egress.fetch({ url });
      assert.equal(r.status, 200, url);
      assert.equal(r.address, '127.0.0.1', url);
    }
    assert.equal(s.hits.length, spellings.length);
    assert.deepEqual(open.resolve.calls, []);
  });
});

describe('the address decision', () => {
  it('refuses a granted name that resolves to the metadata address', BOUNDED, async () => {
    const { egress, violations } = service();
    const e = await fails(egress.fetch({ url: 'http://rebind.test/latest/meta-data' }), 'denied');
    assert.equal(e.decision?.code, 'special-address');
    assert.match(e.message, /`rebind\.test`.*`169\.254\.169\.254`/);
    assert.equal(violations.length, 1);
    assert.match(violations[0]!.reason, /169\.254\.169\.254/);
    assert.equal(violations[0]!.target, 'http://rebind.test/latest/meta-data');
  });

  it(
    'refuses a granted name that resolves to loopback unless a cidr rule names it',
    BOUNDED,
    async (t) => {
      const s = await serve(t);
      const { egress } = service({
        policy: policy('network:\n  allow:\n    - host: rebind.test\n'),
        resolver: resolver({ 'rebind.test': ['127.0.0.1'] }),
      });
      const e = await fails(egress.fetch({ url: `http://rebind.test:${s.port}/` }), 'denied');
      assert.match(e.message, /loopback/);
      assert.equal(s.hits.length, 0);
    },
  );

  it('refuses loopback behind an IPv4-mapped IPv6 answer', BOUNDED, async (t) => {
    const s = await serve(t);
    const { egress } = service({
      policy: policy('network:\n  allow:\n    - host: rebind.test\n'),
      resolver: resolver({ 'rebind.test': ['::ffff:127.0.0.1'] }),
    });
    await fails(egress.fetch({ url: `http://rebind.test:${s.port}/` }), 'denied');
    assert.equal(s.hits.length, 0);
  });

  it('connects only to the allowed address of a mixed answer', BOUNDED, async (t) => {
    const s = await serve(t);
    const { egress, violations } = service({
      resolver: resolver({ 'api.test': ['169.254.169.254', '10.0.0.1', '127.0.0.1'] }),
    });
    const r = await egress.fetch({ url: `http://api.test:${s.port}/` });
    assert.equal(r.status, 200);
    assert.equal(r.address, '127.0.0.1');
    assert.equal(s.hits.length, 1);
    assert.equal(violations.length, 0);
  });

  it('resolves once per hop and connects where that answer pointed', BOUNDED, async (t) => {
    const first = await serve(t);
    // The whole of 127.0.0.0/8 is loopback on Linux: a second server, same port.
    const second = await serve(t, ok, '127.0.0.2', http.createServer(), first.port);
    const answers = [['127.0.0.1'], ['127.0.0.2'], ['169.254.169.254']];
    const resolve = resolver({ 'api.test': answers });
    const { egress } = service({ resolver: resolve });
    const url = `http://api.test:${first.port}/`;
    const r = await egress.fetch({ url });
    assert.equal(r.address, '127.0.0.1');
    assert.deepEqual(resolve.calls, ['api.test']);
    assert.deepEqual([first.hits.length, second.hits.length], [1, 0]);

    const again = await egress.fetch({ url });
    assert.equal(again.address, '127.0.0.2');
    assert.deepEqual([first.hits.length, second.hits.length], [1, 1]);

    await fails(egress.fetch({ url }), 'denied');
    assert.deepEqual([first.hits.length, second.hits.length], [1, 1]);
    assert.equal(resolve.calls.length, 3);
  });

  it('resolves again for a redirect hop, even to the same name', BOUNDED, async (t) => {
    const first = await serve(t, (_req, res) => {
      res.writeHead(302, { location: '/next' });
      res.end();
    });
    const second = await serve(t, ok, '127.0.0.2', http.createServer(), first.port);
    const resolve = resolver({ 'api.test': [['127.0.0.1'], ['127.0.0.2']] });
    const { egress } = service({ resolver: resolve });
    const r = await egress.fetch({ url: `http://api.test:${first.port}/start` });
    assert.equal(r.address, '127.0.0.2');
    assert.equal(r.redirects, 1);
    assert.deepEqual(resolve.calls, ['api.test', 'api.test']);
    assert.deepEqual(
      [first.hits.map((h) => h.url), second.hits.map((h) => h.url)],
      [['/start'], ['/next']],
    );
  });

  it('keeps the checked address while a later answer would be denied', BOUNDED, async (t) => {
    const s = await serve(t);
    const resolve = resolver({ 'api.test': [['127.0.0.1'], ['169.254.169.254']] });
    const { egress } = service({ resolver: resolve });
    const r = await egress.fetch({ url: `http://api.test:${s.port}/`, body: 'x', method: 'POST' });
    assert.equal(r.address, '127.0.0.1');
    assert.equal(s.hits.length, 1);
    assert.deepEqual(resolve.calls, ['api.test']);
  });

  it('reports resolver failures as dns', BOUNDED, async () => {
    const { egress } = service({
      resolver: resolver({ 'api.test': [] }),
    });
    await fails(egress.fetch({ url: 'http://api.test/' }), 'dns');
    await fails(egress.fetch({ url: 'http://other.test/' }), 'dns');
  });

  it('reports a refused connection as connect', BOUNDED, async () => {
    const s = http.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const { egress } = service();
    await fails(egress.fetch({ url: `http://api.test:${port}/` }), 'connect');
  });
});

describe('redirects', () => {
  it('checks every hop and never contacts a denied one', BOUNDED, async (t) => {
    const denied = await serve(t);
    const s = await serve(t, (_req, res) => {
      res.writeHead(302, { location: `http://evil.test:${denied.port}/collect` });
      res.end();
    });
    const { egress, violations } = service();
    const e = await fails(egress.fetch({ url: `http://api.test:${s.port}/start` }), 'denied');
    assert.equal(e.url, `http://evil.test:${denied.port}/collect`);
    assert.equal(s.hits.length, 1);
    assert.equal(denied.hits.length, 0);
    assert.equal(violations[0]!.target, `http://evil.test:${denied.port}/collect`);
  });

  it('refuses a hop whose name resolves to a denied address', BOUNDED, async (t) => {
    const s = await serve(t, (_req, res) => {
      res.writeHead(307, { location: 'http://meta.test/latest/meta-data' });
      res.end();
    });
    const { egress } = service();
    const e = await fails(egress.fetch({ url: `http://api.test:${s.port}/` }), 'denied');
    assert.equal(e.decision?.code, 'special-address');
  });

  it('refuses a hop to another scheme or with userinfo', BOUNDED, async (t) => {
    let target = 'file:///etc/passwd';
    const s = await serve(t, (_req, res) => {
      res.writeHead(302, { location: target });
      res.end();
    });
    const { egress } = service();
    await fails(egress.fetch({ url: `http://api.test:${s.port}/` }), 'invalid-request');
    target = `http://user:pw@api.test:${s.port}/`;
    await fails(egress.fetch({ url: `http://api.test:${s.port}/` }), 'invalid-request');
    assert.equal(s.hits.length, 2);
  });

  it('follows a hop to an allowed host, rewriting as browsers do', BOUNDED, async (t) => {
    const target = await serve(t, (_req, res, hit) => res.end(`${hit.method} [${hit.body}]`));
    const s = await serve(t, (_req, res, hit) => {
      const status = hit.url === '/see-other' ? 303 : hit.url === '/temporary' ? 307 : 302;
      res.writeHead(status, { location: `http://other.test:${target.port}/done` });
      res.end('ignored');
    });
    const { egress, resolve } = service();
    const base = `http://api.test:${s.port}`;
    const headers = { authorization: 'Bearer t', 'content-type': 'text/plain', 'x-keep': 'k' };

    const r = await egress.fetch({ url: `${base}/see-other`, method: 'POST', headers, body: 'b' });
    assert.equal(r.status, 200);
    assert.equal(text(r.body), 'GET []');
    assert.equal(r.redirects, 1);
    assert.equal(r.url, `http://other.test:${target.port}/done`);
    assert.equal(r.address, '127.0.0.1');
    const hop = target.hits[0]!;
    assert.equal(hop.headers.host, `other.test:${target.port}`);
    assert.equal(hop.headers.authorization, undefined, 'credentials do not cross origins');
    assert.equal(hop.headers['content-type'], undefined);
    assert.equal(hop.headers['x-keep'], 'k');
    assert.deepEqual(resolve.calls, ['api.test', 'other.test']);

    const kept = await egress.fetch({
      url: `${base}/temporary`,
      method: 'PUT',
      headers,
      body: 'b',
    });
    assert.equal(text(kept.body), 'PUT [b]');
    assert.equal(target.hits[1]!.headers['content-type'], 'text/plain');

    const found = await egress.fetch({ url: `${base}/found`, method: 'POST', body: 'b' });
    assert.equal(text(found.body), 'GET []');
  });

  it('resolves a relative Location against the current URL', BOUNDED, async (t) => {
    const s = await serve(t, (_req, res, hit) => {
      if (hit.url === '/a/b') {
        res.writeHead(301, { location: '../c?x=1' });
        res.end();
      } else res.end(hit.url);
    });
    const { egress } = service();
    const r = await egress.fetch({ url: `http://api.test:${s.port}/a/b` });
    assert.equal(text(r.body), '/c?x=1');
    assert.equal(r.url, `http://api.test:${s.port}/c?x=1`);
  });

  it('returns a redirect without Location and refuses one with two', BOUNDED, async (t) => {
    const s = await serve(t, (_req, res, hit) => {
      if (hit.url === '/none') res.writeHead(302);
      else {
        res.setHeader('location', ['/a', '/b']);
        res.writeHead(302);
      }
      res.end('moved');
    });
    const { egress } = service();
    const r = await egress.fetch({ url: `http://api.test:${s.port}/none` });
    assert.equal(r.status, 302);
    assert.equal(text(r.body), 'moved');
    assert.equal(r.redirects, 0);
    await fails(egress.fetch({ url: `http://api.test:${s.port}/two` }), 'protocol');
    assert.equal(s.hits.length, 2);
  });

  it('stops a redirect loop', BOUNDED, async (t) => {
    const s = await serve(t, (_req, res) => {
      res.writeHead(302, { location: '/loop' });
      res.end();
    });
    const { egress } = service({ maxRedirects: 3 });
    await fails(egress.fetch({ url: `http://api.test:${s.port}/loop` }), 'too-many-redirects');
    assert.equal(s.hits.length, 4);
  });
});

describe('limits', () => {
  it('aborts a response streaming past the cap', BOUNDED, async (t) => {
    let closed = false;
    const s = await serve(t, (_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 120);
      res.on('close', () => {
        closed = true;
      });
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const { egress } = service({ maxResponseBytes: 256 * 1024 });
    const start = Date.now();
    const e = await fails(egress.fetch({ url: `http://api.test:${s.port}/big` }), 'too-large');
    assert.ok(Date.now() - start < 3000);
    assert.match(e.message, /256KiB/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(closed, 'the server sees the connection dropped');
  });

  it('refuses a declared length over the cap without waiting for the body', BOUNDED, async (t) => {
    const s = await serve(t, (_req, res, hit) => {
      if (hit.url === '/big') {
        res.setHeader('content-length', 1025);
        res.write('only the start');
        return;
      }
      res.setHeader('content-length', 1024);
      res.end(Buffer.alloc(1024));
    });
    const { egress } = service({ maxResponseBytes: 1024, timeoutMs: 5000 });
    const start = Date.now();
    await fails(egress.fetch({ url: `http://api.test:${s.port}/big` }), 'too-large');
    assert.ok(Date.now() - start < 1000);
    const r = await egress.fetch({ url: `http://api.test:${s.port}/fits` });
    assert.equal(r.body.byteLength, 1024);
  });

  it('refuses a request body over the cap before connecting', BOUNDED, async (t) => {
    const s = await serve(t);
    const { egress, resolve } = service({ maxRequestBytes: 4 });
    const url = `http://api.test:${s.port}/`;
    await fails(egress.fetch({ url, method: 'POST', body: 'abcde' }), 'too-large');
    await fails(egress.fetch({ url, method: 'POST', body: 'ééé' }), 'too-large');
    await fails(egress.fetch({ url, method: 'POST', body: new Uint8Array(5) }), 'too-large');
    assert.equal(s.hits.length, 0);
    assert.deepEqual(resolve.calls, []);
    const r = await egress.fetch({ url, method: 'POST', body: 'abcd' });
    assert.equal(r.status, 200);
  });

  it('times out on a server that never answers', BOUNDED, async (t) => {
    const s = await serve(t, () => {});
    const { egress } = service({ timeoutMs: 300 });
    const start = Date.now();
    await fails(egress.fetch({ url: `http://api.test:${s.port}/` }), 'timeout');
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= 250 && elapsed < 2000, `took ${elapsed} ms`);
  });

  it('times out on a body that never ends', BOUNDED, async (t) => {
    const s = await serve(t, (_req, res) => {
      res.write('partial');
    });
    const { egress } = service({ timeoutMs: 300 });
    const start = Date.now();
    await fails(egress.fetch({ url: `http://api.test:${s.port}/` }), 'timeout');
    assert.ok(Date.now() - start < 2000);
  });

  it('times out on a resolver that never answers', BOUNDED, async () => {
    const { egress } = service({ timeoutMs: 200, resolver: () => new Promise(() => {}) });
    const start = Date.now();
    await fails(egress.fetch({ url: 'http://api.test/' }), 'timeout');
    assert.ok(Date.now() - start < 2000);
  });

  it('counts redirects against the same deadline', BOUNDED, async (t) => {
    const s = await serve(t, (_req, res, hit) => {
      setTimeout(() => {
        res.writeHead(302, { location: `/n${hit.url.length}` });
        res.end();
      }, 120);
    });
    const { egress } = service({ timeoutMs: 300, maxRedirects: 10 });
    await fails(egress.fetch({ url: `http://api.test:${s.port}/` }), 'timeout');
    assert.ok(s.hits.length <= 3);
  });

  it('stops when the caller aborts', BOUNDED, async (t) => {
    const s = await serve(t, () => {});
    const { egress } = service();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const start = Date.now();
    await fails(egress.fetch({ url: `http://api.test:${s.port}/` }, controller.signal), 'aborted');
    assert.ok(Date.now() - start < 2000);

    const before = s.hits.length;
    await fails(
      egress.fetch({ url: `http://api.test:${s.port}/` }, AbortSignal.abort()),
      'aborted',
    );
    assert.equal(s.hits.length, before);
  });
});

describe('TLS', () => {
  // Self-signed for `api.test`, valid until 2126; trusted by nothing.
  const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgrHpqyeI/I2iTME3j
lzp/Y6ZMjDczQxzeR0IxFczLayahRANCAARxCf0qzZ9+82qFLCg2zSa3VUjDKxjo
HiswIqLb4V/IWQ19HU9OznF2dJh0mPL9lw+/Req7+SoJeFVxP1/ycXg2
-----END PRIVATE KEY-----
`;
  const CERT = `-----BEGIN CERTIFICATE-----
MIIBkzCCATigAwIBAgIUQTLN/jV38934QumGCK7jJTjXAXcwCgYIKoZIzj0EAwIw
EzERMA8GA1UEAwwIYXBpLnRlc3QwIBcNMjYxMTIyMDYyNDMxWhgPMjEyNjEwMjkw
NjI0MzFaMBMxETAPBgNVBAMMCGFwaS50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEcQn9Ks2ffvNqhSwoNs0mt1VIwysY6B4rMCKi2+FfyFkNfR1PTs5xdnSY
dJjy/ZcPv0Xqu/kqCXhVcT9f8nF4NqNoMGYwHQYDVR0OBBYEFGKiLGSQmAVyj+X3
q9mA/uWxmvhKMB8GA1UdIwQYMBaAFGKiLGSQmAVyj+X3q9mA/uWxmvhKMA8GA1Ud
EwEB/wQFMAMBAf8wEwYDVR0RBAwwCoIIYXBpLnRlc3QwCgYIKoZIzj0EAwIDSQAw
RgIhAPZO93uYUL0ccKJJ0S6dQ2N3fReWRlPXSJOaM85+7G1tAiEArjBTuy59HvEM
Pb8NroNblda70RWvuGNMjYH6Kes4P+0=
-----END CERTIFICATE-----
`;

  it('sends the original name as SNI and refuses an untrusted certificate', BOUNDED, async (t) => {
    const names: string[] = [];
    const context = tls.createSecureContext({ key: KEY, cert: CERT });
    const server = https.createServer({
      SNICallback: (name, cb) => {
        names.push(name);
        cb(null, context);
      },
    });
    const s = await serve(t, ok, '127.0.0.1', server);
    const { egress } = service();
    const e = await fails(egress.fetch({ url: `https://api.test:${s.port}/` }), 'connect');
    assert.match(e.message, /certificate/i);
    assert.equal(s.hits.length, 0);
    assert.deepEqual(names, ['api.test']);
  });
});
