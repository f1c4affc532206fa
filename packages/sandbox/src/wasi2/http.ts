// wasi:http/{types,outgoing-handler} over the egress service. A request is
// sent once, synchronously, when the guest first waits for or asks for its
// response (after it finished the body); the egress service decides it by
// the policy. Every failure reaches the guest as a wasi:http `error-code`.

import type { EgressRequest, EgressResponse } from '../egress.js';
import { GuestAbort } from '../wasi/aborts.js';
import { type Context, Failure, guardClass, guardFunction } from './context.js';
import { type HttpErrorCode, httpErrorOf } from './http-errors.js';
import { createFields } from './http-fields.js';
import { ALWAYS_READY, type Io, StreamFailure } from './io.js';

/** Performs one request through the egress service, synchronously; throws EgressError. */
export type HttpFunction = (request: EgressRequest) => EgressResponse;

/** Request bodies are held in memory until sent; the egress service's own default cap. */
export const MAX_REQUEST_BODY = 10 * 1024 * 1024;

type Method =
  | {
      tag: 'get' | 'head' | 'post' | 'put' | 'delete' | 'connect' | 'options' | 'trace' | 'patch';
    }
  | { tag: 'other'; val: string };
type Scheme = { tag: 'HTTP' } | { tag: 'HTTPS' } | { tag: 'other'; val: string };
type Entry = [string, Uint8Array];
type Outcome = { tag: 'ok'; val: unknown } | { tag: 'err'; val: HttpErrorCode };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
// host or [IPv6], optional port; no userinfo, path, query or fragment.
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@\\[\]:]+)(?::[0-9]{1,5})?$/;
const PATH_WITH_QUERY = /^\/[^\s#\x00-\x1f\x7f]*$/;

const URI_INVALID: HttpErrorCode = Object.freeze({ tag: 'HTTP-request-URI-invalid' });

interface BodyState {
  chunks: Uint8Array[];
  size: number;
  finished: boolean;
  /** Dropped without `finish`: the request must not be sent. */
  abandoned: boolean;
  streamTaken: boolean;
  failure?: HttpErrorCode;
}

interface RequestState {
  method: Method;
  scheme: Scheme | undefined;
  authority: string | undefined;
  pathWithQuery: string | undefined;
  headers: Entry[];
  body: BodyState | undefined;
}

interface Pending {
  readonly url: string;
  readonly method: string;
  readonly headers: Entry[];
  readonly body: BodyState | undefined;
  outcome?: Outcome;
  taken: boolean;
}

function methodName(m: Method): string {
  return m.tag === 'other' ? m.val : m.tag.toUpperCase();
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

export function createHttp(
  ctx: Context,
  io: Io,
  http: HttpFunction | undefined,
): Record<string, Record<string, unknown>> {
  const KEY = Symbol('http');
  const fields = createFields(ctx);

  const bodySink = (b: BodyState) => ({
    write(data: Uint8Array) {
      if (b.finished || b.abandoned)
        throw new StreamFailure({ debug: 'the request body was already finished' });
      if (b.size + data.length > MAX_REQUEST_BODY) {
        b.failure = { tag: 'HTTP-request-body-size', val: BigInt(b.size + data.length) };
        throw new StreamFailure({
          debug: `the request body exceeds ${MAX_REQUEST_BODY} bytes`,
          http: b.failure,
        });
      }
      b.chunks.push(data.slice());
      b.size += data.length;
    },
  });

  class OutgoingBody {
    #b: BodyState | undefined;
    constructor(key: symbol, state: BodyState) {
      if (key !== KEY) throw new TypeError('outgoing bodies are created by the host');
      this.#b = state;
    }
    #state(): BodyState {
      if (!this.#b) throw new TypeError('this outgoing body was already finished');
      return this.#b;
    }
    write(): unknown {
      const b = this.#state();
      if (b.streamTaken) throw new Failure(undefined);
      b.streamTaken = true;
      return io.outputStream(bodySink(b));
    }
    static finish(body: unknown, trailers: unknown): void {
      if (!(body instanceof OutgoingBody)) throw new TypeError('not an outgoing body');
      const b = body.#state();
      body.#b = undefined;
      if (trailers !== undefined && trailers !== null && fields.take(trailers).length > 0) {
        b.abandoned = true;
        throw new Failure({ tag: 'internal-error', val: 'request trailers are not supported' });
      }
      if (b.failure) {
        b.abandoned = true;
        throw new Failure(b.failure);
      }
      b.finished = true;
    }
    [Symbol.dispose](): void {
      const b = this.#b;
      this.#b = undefined;
      if (b && !b.finished) b.abandoned = true;
    }
  }

  const newBody = (): BodyState => ({
    chunks: [],
    size: 0,
    finished: false,
    abandoned: false,
    streamTaken: false,
  });

  let takeRequest: (request: unknown) => RequestState;

  class OutgoingRequest {
    #r: RequestState | undefined;
    constructor(headers: unknown) {
      ctx.enter();
      this.#r = {
        method: { tag: 'get' },
        scheme: undefined,
        authority: undefined,
        pathWithQuery: undefined,
        headers: fields.take(headers),
        body: undefined,
      };
    }
    static {
      takeRequest = (request) => {
        if (typeof request !== 'object' || request === null || !(#r in request))
          throw new TypeError('not an outgoing request of this instance');
        const r = (request as OutgoingRequest).#r;
        if (!r) throw new TypeError('this outgoing request was already sent');
        (request as OutgoingRequest).#r = undefined;
        return r;
      };
    }
    #state(): RequestState {
      if (!this.#r) throw new TypeError('this outgoing request was already sent');
      return this.#r;
    }
    body(): OutgoingBody {
      const r = this.#state();
      if (r.body) throw new Failure(undefined);
      r.body = newBody();
      return new OutgoingBody(KEY, r.body);
    }
    method(): Method {
      return this.#state().method;
    }
    setMethod(method: Method): void {
      const r = this.#state();
      if (method.tag === 'other' && !TOKEN.test(method.val)) throw new Failure(undefined);
      r.method = method;
    }
    pathWithQuery(): string | undefined {
      return this.#state().pathWithQuery;
    }
    setPathWithQuery(path: string | undefined): void {
      const r = this.#state();
      if (path !== undefined && path !== null && !PATH_WITH_QUERY.test(path))
        throw new Failure(undefined);
      r.pathWithQuery = path ?? undefined;
    }
    scheme(): Scheme | undefined {
      return this.#state().scheme;
    }
    setScheme(scheme: Scheme | undefined): void {
      const r = this.#state();
      if (scheme?.tag === 'other' && !SCHEME.test(scheme.val)) throw new Failure(undefined);
      r.scheme = scheme ?? undefined;
    }
    authority(): string | undefined {
      return this.#state().authority;
    }
    setAuthority(authority: string | undefined): void {
      const r = this.#state();
      if (authority !== undefined && authority !== null && !AUTHORITY.test(authority))
        throw new Failure(undefined);
      r.authority = authority ?? undefined;
    }
    headers(): unknown {
      return fields.fixed(this.#state().headers.map(([n, v]): Entry => [n, v.slice()]));
    }
  }

  class RequestOptions {
    #connect: bigint | undefined;
    #firstByte: bigint | undefined;
    #betweenBytes: bigint | undefined;
    constructor() {
      ctx.enter();
    }
    // Kept for the guest to read back; the egress service applies its own deadline.
    connectTimeout(): bigint | undefined {
      return this.#connect;
    }
    setConnectTimeout(d: bigint | undefined): void {
      this.#connect = d ?? undefined;
    }
    firstByteTimeout(): bigint | undefined {
      return this.#firstByte;
    }
    setFirstByteTimeout(d: bigint | undefined): void {
      this.#firstByte = d ?? undefined;
    }
    betweenBytesTimeout(): bigint | undefined {
      return this.#betweenBytes;
    }
    setBetweenBytesTimeout(d: bigint | undefined): void {
      this.#betweenBytes = d ?? undefined;
    }
  }

  class FutureTrailers {
    #taken = false;
    constructor(key: symbol) {
      if (key !== KEY) throw new TypeError('future trailers are created by the host');
    }
    subscribe(): unknown {
      return io.pollable(ALWAYS_READY);
    }
    get(): unknown {
      if (this.#taken) return { tag: 'err', val: undefined };
      this.#taken = true;
      // Responses arrive whole, without trailers.
      return { tag: 'ok', val: { tag: 'ok', val: undefined } };
    }
  }

  class IncomingBody {
    #bytes: Uint8Array | undefined;
    #streamTaken = false;
    constructor(key: symbol, bytes: Uint8Array) {
      if (key !== KEY) throw new TypeError('incoming bodies are created by the host');
      this.#bytes = bytes;
    }
    stream(): unknown {
      const bytes = this.#bytes;
      if (!bytes || this.#streamTaken) throw new Failure(undefined);
      this.#streamTaken = true;
      let pos = 0;
      return io.inputStream({
        read(max) {
          if (pos >= bytes.length) return undefined;
          const chunk = bytes.slice(pos, pos + max);
          pos += chunk.length;
          return chunk;
        },
      });
    }
    static finish(body: unknown): FutureTrailers {
      if (!(body instanceof IncomingBody)) throw new TypeError('not an incoming body');
      body.#bytes = undefined;
      return new FutureTrailers(KEY);
    }
  }

  class IncomingResponse {
    readonly #status: number;
    readonly #headers: Entry[];
    #body: Uint8Array | undefined;
    constructor(key: symbol, res: EgressResponse) {
      if (key !== KEY) throw new TypeError('incoming responses are created by the host');
      this.#status = res.status;
      this.#headers = res.headers.map(([n, v]): Entry => [n, Buffer.from(v, 'latin1')]);
      this.#body = res.body;
    }
    status(): number {
      return this.#status;
    }
    headers(): unknown {
      return fields.fixed(this.#headers.map(([n, v]): Entry => [n, v.slice()]));
    }
    consume(): IncomingBody {
      const body = this.#body;
      if (!body) throw new Failure(undefined);
      this.#body = undefined;
      return new IncomingBody(KEY, body);
    }
  }

  /** Send the request once it can be: the body finished (or never asked for). */
  const settle = (p: Pending, force: boolean): boolean => {
    if (p.outcome) return true;
    const b = p.body;
    if (b && !b.finished) {
      if (!force && !b.abandoned && !b.failure) return false;
      p.outcome = {
        tag: 'err',
        val: b.failure ?? {
          tag: 'internal-error',
          val: b.abandoned
            ? 'the request body was dropped without being finished'
            : 'the response was awaited before the request body was finished',
        },
      };
      return true;
    }
    p.outcome = send(p);
    return true;
  };

  const send = (p: Pending): Outcome => {
    const request: EgressRequest = {
      url: p.url,
      method: p.method,
      headers: p.headers.map(([n, v]): [string, string] => [n, latin1(v)]),
    };
    if (p.body && p.body.size > 0) request.body = concat(p.body.chunks, p.body.size);
    let res: EgressResponse;
    try {
      res = http!(request);
    } catch (error) {
      if (error instanceof GuestAbort) throw error;
      // A call cancelled while its request was under way ends here, not as an HTTP error.
      ctx.enter();
      return { tag: 'err', val: httpErrorOf(error) };
    }
    return { tag: 'ok', val: new IncomingResponse(KEY, res) };
  };

  class FutureIncomingResponse {
    readonly #p: Pending;
    constructor(key: symbol, pending: Pending) {
      if (key !== KEY) throw new TypeError('future responses are created by the host');
      this.#p = pending;
    }
    subscribe(): unknown {
      const p = this.#p;
      return io.pollable({
        ready: () => settle(p, false),
        block: () => {
          settle(p, true);
        },
      });
    }
    get(): unknown {
      const p = this.#p;
      if (!settle(p, false)) return undefined;
      if (p.taken) return { tag: 'err', val: undefined };
      p.taken = true;
      return { tag: 'ok', val: p.outcome };
    }
  }

  // The incoming side (serving requests) is not offered; these exist so that
  // glue which names them loads.
  class IncomingRequest {
    constructor() {
      throw new TypeError('this host serves no incoming requests');
    }
  }
  class ResponseOutparam {
    constructor() {
      throw new TypeError('this host serves no incoming requests');
    }
    static set(): void {
      throw new TypeError('this host serves no incoming requests');
    }
  }
  class OutgoingResponse {
    #status = 200;
    readonly #headers: Entry[];
    #bodyTaken = false;
    constructor(headers: unknown) {
      ctx.enter();
      this.#headers = fields.take(headers);
    }
    statusCode(): number {
      return this.#status;
    }
    setStatusCode(code: number): void {
      if (!Number.isInteger(code) || code < 100 || code > 599) throw new Failure(undefined);
      this.#status = code;
    }
    headers(): unknown {
      return fields.fixed(this.#headers.map(([n, v]): Entry => [n, v.slice()]));
    }
    body(): OutgoingBody {
      if (this.#bodyTaken) throw new Failure(undefined);
      this.#bodyTaken = true;
      return new OutgoingBody(KEY, newBody());
    }
  }

  for (const cls of [
    OutgoingBody,
    OutgoingRequest,
    RequestOptions,
    FutureTrailers,
    IncomingBody,
    IncomingResponse,
    FutureIncomingResponse,
    IncomingRequest,
    ResponseOutparam,
    OutgoingResponse,
  ]) {
    guardClass(ctx, cls);
  }

  const handle = (request: unknown, _options: unknown): FutureIncomingResponse => {
    const r = takeRequest(request);
    const method = methodName(r.method);
    const scheme =
      r.scheme === undefined
        ? 'https'
        : r.scheme.tag === 'HTTP'
          ? 'http'
          : r.scheme.tag === 'HTTPS'
            ? 'https'
            : r.scheme.val.toLowerCase();
    const url = `${scheme}://${r.authority ?? ''}${r.pathWithQuery ?? '/'}`;
    if (!http) {
      ctx.deny('network', url, method, 'this guest has no network access');
      throw new Failure({ tag: 'HTTP-request-denied' });
    }
    if (scheme !== 'http' && scheme !== 'https') throw new Failure(URI_INVALID);
    if (!r.authority) throw new Failure(URI_INVALID);
    if (method === 'CONNECT') throw new Failure({ tag: 'HTTP-request-method-invalid' });
    if (!URL.canParse(url)) throw new Failure(URI_INVALID);
    return new FutureIncomingResponse(KEY, {
      url,
      method,
      headers: r.headers,
      body: r.body,
      taken: false,
    });
  };

  /** The wasi:http error behind a body stream's wasi:io/error, if there is one. */
  const httpErrorCode = (error: unknown): unknown => io.problemOf(error)?.http;

  return {
    'wasi:http/types': {
      Fields: fields.Fields,
      IncomingRequest,
      OutgoingRequest,
      RequestOptions,
      ResponseOutparam,
      IncomingBody,
      FutureTrailers,
      OutgoingResponse,
      OutgoingBody,
      FutureIncomingResponse,
      IncomingResponse,
      httpErrorCode: guardFunction(ctx, httpErrorCode),
    },
    'wasi:http/outgoing-handler': { handle: guardFunction(ctx, handle) },
  };
}
