import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { EgressRequest, EgressResponse } from '../egress.js';
import { EGRESS_ERROR_CODES, EgressError, type EgressErrorCode } from '../egress-error.js';
import { Cancelled } from '../wasi/aborts.js';
import { MAX_REQUEST_BODY } from './http.js';
import {
  errOf,
  hostFor,
  type InputStream,
  type OutputStream,
  type Pollable,
  str,
  text,
} from './testing.js';
import type { Wasi2Options } from './wasi2.js';

interface Fields {
  get(name: string): Uint8Array[];
  has(name: string): boolean;
  set(name: string, values: Uint8Array[]): void;
  delete(name: string): void;
  append(name: string, value: Uint8Array): void;
  entries(): Array<[string, Uint8Array]>;
  clone(): Fields;
}
interface OutgoingBody {
  write(): OutputStream;
  [Symbol.dispose](): void;
}
interface OutgoingRequest {
  body(): OutgoingBody;
  setMethod(m: { tag: string; val?: string }): void;
  setScheme(s: { tag: string; val?: string } | undefined): void;
  setAuthority(a: string | undefined): void;
  setPathWithQuery(p: string | undefined): void;
  headers(): Fields;
}
interface IncomingBody {
  stream(): InputStream;
}
interface IncomingResponse {
  status(): number;
  headers(): Fields;
  consume(): IncomingBody;
}
type Got =
  | undefined
  | { tag: 'err' }
  | {
      tag: 'ok';
      val:
        | { tag: 'ok'; val: IncomingResponse }
        | { tag: 'err'; val: { tag: string; val?: unknown } };
    };
interface Future {
  subscribe(): Pollable;
  get(): Got;
}
interface Types {
  Fields: (new () => Fields) & { fromList(e: Array<[string, Uint8Array]>): Fields };
  OutgoingRequest: new (headers: Fields) => OutgoingRequest;
  OutgoingBody: { finish(body: OutgoingBody, trailers: Fields | undefined): void };
  IncomingBody: { finish(body: IncomingBody): { get(): unknown } };
  RequestOptions: new () => {
    setConnectTimeout(d: bigint): void;
    connectTimeout(): bigint | undefined;
  };
  httpErrorCode(e: unknown): unknown;
}

function client(http?: Wasi2Options['http'], extra: Partial<Wasi2Options> = {}) {
  const h = hostFor('version: "1.0"', { ...(http ? { http } : {}), ...extra });
  const types = h.wasi.imports['wasi:http/types'] as unknown as Types;
  const { handle } = h.wasi.imports['wasi:http/outgoing-handler'] as {
    handle(r: OutgoingRequest, o: unknown): Future;
  };
  const request = (url: string, method = 'get') => {
    const u = new URL(url);
    const r = new types.OutgoingRequest(new types.Fields());
    r.setMethod(method === method.toLowerCase() ? { tag: method } : { tag: 'other', val: method });
    r.setScheme(u.protocol === 'https:' ? { tag: 'HTTPS' } : { tag: 'HTTP' });
    r.setAuthority(u.host);
    r.setPathWithQuery(`${u.pathname}${u.search}`);
    return r;
  };
  return { h, types, handle, request };
}

const ok = (req: EgressRequest, status = 200, body = 'ok'): EgressResponse => ({
  status,
  statusText: '',
  headers: [
    ['content-type', 'text/plain'],
    ['set-cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
  ],
  body: text(body),
  url: req.url,
  redirects: 0,
  address: '192.0.2.1',
});

function response(got: Got): IncomingResponse {
  assert.ok(got && got.tag === 'ok' && got.val.tag === 'ok', inspect(got));
  return got.val.val;
}

function errorOf(got: Got): { tag: string; val?: unknown } {
  assert.ok(got && got.tag === 'ok' && got.val.tag === 'err', inspect(got));
  return got.val.val;
}

function readBody(body: IncomingBody): string {
  const s = body.stream();
  let all = '';
  for (;;) {
    try {
      all += str(s.blockingRead(4n));
    } catch (e) {
      assert.deepEqual((e as { payload: unknown }).payload, { tag: 'closed' });
      return all;
    }
  }
}

describe('wasi:http outgoing requests', () => {
  it('sends a streamed request once, after its body is finished', () => {
    const seen: EgressRequest[] = [];
    const { types, handle } = client((req) => {
      seen.push(req);
      return ok(req, 201, 'created');
    });
    const headers = new types.Fields();
    headers.append('Content-Type', text('application/json'));
    headers.append('x-trace', text('1'));
    headers.append('x-trace', text('2'));
    const req = new types.OutgoingRequest(headers);
    req.setMethod({ tag: 'post' });
    req.setScheme({ tag: 'HTTPS' });
    req.setAuthority('api.example.com:8443');
    req.setPathWithQuery('/v1/items?q=1');
    const body = req.body();
    const out = body.write();
    const future = handle(req, undefined);
    // The body is not finished: nothing is sent yet.
    assert.equal(future.get(), undefined);
    assert.equal(future.subscribe().ready(), false);
    assert.equal(seen.length, 0);
    out.write(text('{"a":'));
    out.blockingWriteAndFlush(text('1}'));
    out[Symbol.dispose]();
    types.OutgoingBody.finish(body, undefined);
    assert.equal(future.subscribe().ready(), true);
    assert.equal(seen.length, 1);
    const sent = seen[0]!;
    assert.equal(sent.url, 'https://api.example.com:8443/v1/items?q=1');
    assert.equal(sent.method, 'POST');
    assert.deepEqual(sent.headers, [
      ['Content-Type', 'application/json'],
      ['x-trace', '1'],
      ['x-trace', '2'],
    ]);
    assert.equal(str(sent.body as Uint8Array), '{"a":1}');
    const res = response(future.get());
    assert.equal(res.status(), 201);
    assert.deepEqual(res.headers().get('SET-COOKIE').map(str), ['a=1', 'b=2']);
    const incoming = res.consume();
    assert.equal(
      errOf(() => res.consume()),
      undefined,
    );
    assert.equal(readBody(incoming), 'created');
    assert.deepEqual(types.IncomingBody.finish(incoming).get(), {
      tag: 'ok',
      val: { tag: 'ok', val: undefined },
    });
    // A future gives its response once; the request went out once.
    assert.deepEqual(future.get(), { tag: 'err', val: undefined });
    assert.equal(seen.length, 1);
  });

  it('a request without a body goes out when the guest first waits for it', () => {
    const seen: EgressRequest[] = [];
    const { handle, request } = client((req) => {
      seen.push(req);
      return ok(req);
    });
    const future = handle(request('http://example.com/'), undefined);
    assert.equal(seen.length, 0);
    future.subscribe().block();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.body, undefined);
    assert.equal(response(future.get()).status(), 200);
    assert.equal(seen.length, 1);
  });

  it('poll sends a request that is waited for alongside a clock', () => {
    const { h, handle, request } = client((req) => ok(req));
    const { poll } = h.wasi.imports['wasi:io/poll'] as { poll(p: Pollable[]): Uint32Array };
    const { subscribeDuration } = h.wasi.imports['wasi:clocks/monotonic-clock'] as {
      subscribeDuration(d: bigint): Pollable;
    };
    const future = handle(request('http://example.com/'), undefined);
    const started = Date.now();
    assert.deepEqual([...poll([subscribeDuration(30_000_000_000n), future.subscribe()])], [1]);
    assert.ok(Date.now() - started < 1000);
  });

  it('maps every egress failure to a wasi:http error-code, never a host exception', () => {
    const expected: Record<EgressErrorCode, string> = {
      denied: 'HTTP-request-denied',
      'invalid-request': 'HTTP-request-URI-invalid',
      dns: 'DNS-error',
      connect: 'connection-refused',
      timeout: 'connection-timeout',
      'too-large': 'HTTP-response-body-size',
      'too-many-redirects': 'loop-detected',
      aborted: 'connection-terminated',
      protocol: 'HTTP-protocol-error',
      limited: 'HTTP-request-denied',
    };
    assert.deepEqual(Object.keys(expected).sort(), [...EGRESS_ERROR_CODES].sort());
    for (const code of EGRESS_ERROR_CODES) {
      const { handle, request } = client((req) => {
        throw new EgressError(code, `failed: ${code}`, req.url);
      });
      const future = handle(request('https://example.com/'), undefined);
      assert.equal(errorOf(future.get()).tag, expected[code], code);
    }
    // An egress error that crossed a thread boundary as plain data.
    const { handle, request } = client(() => {
      throw Object.assign(new Error('denied'), { name: 'EgressError', code: 'denied' });
    });
    assert.equal(
      errorOf(handle(request('https://x.example/'), undefined).get()).tag,
      'HTTP-request-denied',
    );
  });

  it('without an http function every request is denied and reported', () => {
    const { h, handle, request } = client(undefined);
    assert.deepEqual(
      errOf(() => handle(request('https://example.com/a?b'), undefined)),
      {
        tag: 'HTTP-request-denied',
      },
    );
    assert.equal(h.violations.length, 1);
    assert.equal(h.violations[0]!.capability, 'network');
    assert.equal(h.violations[0]!.target, 'https://example.com/a?b');
    assert.equal(h.violations[0]!.access, 'GET');
  });

  it('refuses requests that are not well-formed http(s)', () => {
    let calls = 0;
    const { types, handle, request } = client((req) => {
      calls++;
      return ok(req);
    });
    const ftp = request('http://example.com/');
    ftp.setScheme({ tag: 'other', val: 'ftp' });
    assert.deepEqual(
      errOf(() => handle(ftp, undefined)),
      { tag: 'HTTP-request-URI-invalid' },
    );
    const noHost = new types.OutgoingRequest(new types.Fields());
    assert.deepEqual(
      errOf(() => handle(noHost, undefined)),
      { tag: 'HTTP-request-URI-invalid' },
    );
    const connect = request('http://example.com/', 'CONNECT');
    assert.deepEqual(
      errOf(() => handle(connect, undefined)),
      { tag: 'HTTP-request-method-invalid' },
    );
    const r = request('http://example.com/');
    for (const a of ['user@evil.example', 'a/b', 'a b', 'x?y', '']) {
      assert.equal(
        errOf(() => r.setAuthority(a)),
        undefined,
        a,
      );
    }
    for (const p of ['no-slash', '/a b', '/x#frag', '/\n']) {
      assert.equal(
        errOf(() => r.setPathWithQuery(p)),
        undefined,
        p,
      );
    }
    assert.equal(
      errOf(() => r.setMethod({ tag: 'other', val: 'BAD METHOD' })),
      undefined,
    );
    assert.equal(calls, 0);
  });

  it('headers: forbidden names, syntax, immutability', () => {
    const { types, request } = client();
    const f = new types.Fields();
    for (const name of [
      'Host',
      'connection',
      'Transfer-Encoding',
      'proxy-authorization',
      'upgrade',
      'TE',
    ]) {
      assert.deepEqual(
        errOf(() => f.append(name, text('x'))),
        { tag: 'forbidden' },
        name,
      );
      assert.deepEqual(
        errOf(() => f.set(name, [text('x')])),
        { tag: 'forbidden' },
        name,
      );
    }
    assert.deepEqual(
      errOf(() => f.append('bad name', text('x'))),
      { tag: 'invalid-syntax' },
    );
    assert.deepEqual(
      errOf(() => f.append('x', text('a\r\nInjected: 1'))),
      { tag: 'invalid-syntax' },
    );
    assert.deepEqual(
      errOf(() => types.Fields.fromList([['host', text('evil')]])),
      { tag: 'forbidden' },
    );
    const g = types.Fields.fromList([
      ['Accept', text('a')],
      ['accept', text('b')],
    ]);
    assert.deepEqual(g.get('ACCEPT').map(str), ['a', 'b']);
    g.set('accept', [text('c')]);
    assert.deepEqual(
      g.entries().map(([n, v]) => [n, str(v)]),
      [['accept', 'c']],
    );
    const c = g.clone();
    c.delete('accept');
    assert.equal(c.has('accept'), false);
    assert.equal(g.has('accept'), true);
    const req = request('http://example.com/');
    assert.deepEqual(
      errOf(() => req.headers().append('x', text('y'))),
      { tag: 'immutable' },
    );
  });

  it('a body dropped unfinished, or awaited before it is finished, fails without a request', () => {
    let calls = 0;
    const { handle, request } = client((req) => {
      calls++;
      return ok(req);
    });
    const r1 = request('http://example.com/', 'post');
    const b1 = r1.body();
    const f1 = handle(r1, undefined);
    b1[Symbol.dispose]();
    assert.equal(errorOf(f1.get()).tag, 'internal-error');
    const r2 = request('http://example.com/', 'post');
    r2.body();
    const f2 = handle(r2, undefined);
    f2.subscribe().block();
    assert.equal(errorOf(f2.get()).tag, 'internal-error');
    assert.equal(calls, 0);
  });

  it('caps the request body', () => {
    let calls = 0;
    const { types, handle, request } = client((req) => {
      calls++;
      return ok(req);
    });
    const r = request('http://example.com/', 'put');
    const body = r.body();
    const out = body.write();
    const chunk = new Uint8Array(Number(out.checkWrite()));
    let failure: { tag: string; val?: unknown } | undefined;
    for (let sent = 0; sent <= MAX_REQUEST_BODY; sent += chunk.length) {
      try {
        out.write(chunk);
      } catch (e) {
        failure = (e as { payload: { tag: string; val?: unknown } }).payload;
        break;
      }
    }
    assert.equal(failure?.tag, 'last-operation-failed');
    assert.equal(
      (types.httpErrorCode(failure?.val) as { tag: string }).tag,
      'HTTP-request-body-size',
    );
    const future = handle(r, undefined);
    assert.equal(errorOf(future.get()).tag, 'HTTP-request-body-size');
    assert.equal(calls, 0);
  });

  it('a call cancelled while its request is under way ends, and host aborts pass through', () => {
    let cancelled = false;
    const { handle, request } = client(
      (req) => {
        cancelled = true;
        throw new EgressError('aborted', 'aborted', req.url);
      },
      { cancelled: () => cancelled },
    );
    const future = handle(request('http://example.com/'), undefined);
    assert.throws(() => future.get(), Cancelled);
    const second = client(() => {
      throw new Cancelled();
    });
    const f = second.handle(second.request('http://example.com/'), undefined);
    assert.throws(() => f.subscribe().block(), Cancelled);
  });

  it('keeps request options for the guest to read back', () => {
    const { types } = client();
    const o = new types.RequestOptions();
    assert.equal(o.connectTimeout(), undefined);
    o.setConnectTimeout(5_000_000_000n);
    assert.equal(o.connectTimeout(), 5_000_000_000n);
  });
});
