// HTTP requests made on behalf of a guest. Every hop is decided by the
// policy twice, by URL and by each resolved address, and the connection goes
// to an address that passed, never to a fresh lookup of the name.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type CompiledPolicy, canonicalIp, type Decision } from '@mcpkit/wasm-policy';
import type { EgressBudget } from './egress-budget.js';
import { EgressError } from './egress-error.js';
import {
  type EgressRequest,
  isRedirect,
  parseTarget,
  prepareRequest,
  redirected,
} from './egress-request.js';
import { classify, type Destination, type Exchange, exchange } from './egress-transport.js';
import { type ViolationListener, violation } from './violation.js';

export { EGRESS_ERROR_CODES, EgressError, type EgressErrorCode } from './egress-error.js';
export type { EgressRequest } from './egress-request.js';

export interface EgressResponse {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
  /** The URL of the last hop, after redirects. */
  url: string;
  redirects: number;
  /** The IP address actually connected to on the last hop. */
  address: string;
}

export interface EgressOptions {
  policy: CompiledPolicy;
  /** Id of the guest, for violation events. */
  component: string;
  /** Default: the system resolver (`dns.lookup`, all addresses). */
  resolver?: (hostname: string) => Promise<string[]>;
  onViolation?: ViolationListener;
  /** Default 10 MiB. */
  maxResponseBytes?: number;
  /** Default 10 MiB. */
  maxRequestBytes?: number;
  /** The whole request: DNS, connecting, every redirect, the body. Default 30 s. */
  timeoutMs?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** The component's `network.limits` budget, shared across its calls. */
  budget?: EgressBudget;
  /**
   * Certificate authorities (PEM) trusted for HTTPS instead of Node's bundled
   * ones, for servers with a private CA. Certificates are always verified.
   */
  ca?: string | readonly string[];
}

/** Settings of one request, within the service's own limits. */
export interface EgressFetchOptions {
  /** A lower response cap for this request (the service's cap still applies). */
  maxResponseBytes?: number;
  /** Called as the body arrives: bytes so far, and the declared length if any. */
  onProgress?: (received: number, total: number | undefined) => void;
}

const MiB = 1024 * 1024;

async function systemResolver(hostname: string): Promise<string[]> {
  const found = await lookup(hostname, { all: true, order: 'verbatim' });
  return found.map((a) => a.address);
}

function limit(name: string, value: number | undefined, fallback: number, max = 2 ** 53): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`\`${name}\` must be an integer from 0 to ${max}, got ${value}`);
  }
  return value;
}

const REFUSED: Record<Decision['code'], string> = {
  allowed: 'is allowed',
  denied: 'is denied',
  'not-granted': 'is not granted',
  invalid: 'is refused',
  'special-address': 'is refused',
};

export class EgressService {
  readonly #policy: CompiledPolicy;
  readonly #component: string;
  readonly #resolve: (hostname: string) => Promise<string[]>;
  readonly #onViolation: ViolationListener | undefined;
  readonly #maxResponseBytes: number;
  readonly #maxRequestBytes: number;
  readonly #timeoutMs: number;
  readonly #maxRedirects: number;
  readonly #budget: EgressBudget | undefined;
  readonly #ca: string | readonly string[] | undefined;

  constructor(options: EgressOptions) {
    this.#policy = options.policy;
    this.#component = options.component;
    this.#resolve = options.resolver ?? systemResolver;
    this.#onViolation = options.onViolation;
    this.#maxResponseBytes = limit('maxResponseBytes', options.maxResponseBytes, 10 * MiB);
    this.#maxRequestBytes = limit('maxRequestBytes', options.maxRequestBytes, 10 * MiB);
    // setTimeout fires at once for anything longer than a signed 32-bit count.
    this.#timeoutMs = limit('timeoutMs', options.timeoutMs, 30_000, 2 ** 31 - 1);
    this.#maxRedirects = limit('maxRedirects', options.maxRedirects, 5);
    this.#budget = options.budget?.limited ? options.budget : undefined;
    this.#ca = options.ca;
  }

  async fetch(
    request: EgressRequest,
    signal?: AbortSignal,
    options: EgressFetchOptions = {},
  ): Promise<EgressResponse> {
    const hop = { url: request.url };
    if (signal?.aborted) throw aborted(hop.url);
    const controller = new AbortController();
    let ended: 'timeout' | 'aborted' | undefined;
    const end = (why: 'timeout' | 'aborted') => {
      ended ??= why;
      controller.abort();
    };
    const timer = setTimeout(() => end('timeout'), this.#timeoutMs);
    const onAbort = () => end('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.#run(request, controller.signal, hop, options);
    } catch (err) {
      // Once the plug is pulled, whatever undici or the resolver throws is a
      // consequence; the deadline or the caller is the cause.
      if (ended === 'timeout') {
        throw new EgressError(
          'timeout',
          `the request to \`${hop.url}\` did not complete within ${this.#timeoutMs} ms`,
          hop.url,
          { cause: err },
        );
      }
      if (ended === 'aborted') throw aborted(hop.url, err);
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async #run(
    request: EgressRequest,
    signal: AbortSignal,
    hop: { url: string },
    options: EgressFetchOptions,
  ): Promise<EgressResponse> {
    const maxResponseBytes = Math.min(
      this.#maxResponseBytes,
      limit('maxResponseBytes', options.maxResponseBytes, this.#maxResponseBytes),
    );
    let url = parseTarget(request.url);
    hop.url = url.href;
    let prepared = prepareRequest(request, this.#maxRequestBytes);
    for (let redirects = 0; ; redirects++) {
      const dest = await this.#admit(url, prepared.method, signal);
      const admission = this.#budget?.admit(dest.rule);
      if (admission && !admission.ok)
        throw new EgressError(
          'limited',
          `the request to \`${url.href}\` is refused by the policy's limits: ${admission.reason}`,
          url.href,
        );
      let res: Exchange;
      try {
        res = await exchange(dest, prepared, signal, this.#timeoutMs, this.#ca);
      } catch (err) {
        admission?.release();
        throw classify(err, dest);
      }
      try {
        if (isRedirect(res.status) && res.location !== undefined) {
          if (redirects >= this.#maxRedirects) {
            throw new EgressError(
              'too-many-redirects',
              `\`${url.href}\` redirects again after ${redirects} redirects; the limit is ${this.#maxRedirects}`,
              url.href,
            );
          }
          if (typeof res.location !== 'string') {
            // Which one a client would follow is anyone's guess; follow none.
            throw new EgressError(
              'protocol',
              `\`${url.href}\` redirects with ${res.location.length} \`Location\` headers`,
              url.href,
            );
          }
          let next: URL;
          try {
            next = new URL(res.location, url);
          } catch {
            throw new EgressError(
              'protocol',
              `\`${url.href}\` redirects to \`${res.location}\`, which is not a URL`,
              url.href,
            );
          }
          const target = parseTarget(next.href, 'the redirect target');
          prepared = redirected(prepared, res.status, url, target);
          url = target;
          hop.url = url.href;
          continue;
        }
        const body = await res.read(
          Math.min(maxResponseBytes, admission?.maxResponseBytes ?? Number.POSITIVE_INFINITY),
          options.onProgress,
        );
        return {
          status: res.status,
          statusText: res.statusText,
          headers: res.headers,
          body,
          url: url.href,
          redirects,
          address: dest.address,
        };
      } catch (err) {
        throw classify(err, dest);
      } finally {
        await res.close();
        admission?.release();
      }
    }
  }

  /** Steps 1 and 2 for one hop: the URL, then the addresses its host resolves to. */
  async #admit(
    url: URL,
    method: string,
    signal: AbortSignal,
  ): Promise<Destination & { rule: number | undefined }> {
    const byName = this.#policy.decideUrl(url, method);
    const bracketed = url.hostname.startsWith('[');
    const host = bracketed ? url.hostname.slice(1, -1) : url.hostname;
    if (!byName.allowed) {
      throw this.#deny(
        url,
        method,
        byName,
        `network access to \`${host}\` ${REFUSED[byName.code]} (\`${method} ${url.href}\`): ${byName.reason}`,
      );
    }
    // WHATWG URL already turned every IPv4 spelling into dotted decimal; the
    // URL decision above was made on this exact address.
    // The allow rule that let the URL through: its limits apply to the request.
    const rule = byName.rule?.list === 'allow' ? byName.rule.index : undefined;
    if (bracketed || isIP(host) !== 0) {
      return { url, address: canonicalIp(host) ?? host, servername: undefined, rule };
    }
    let addresses: string[];
    try {
      addresses = await untilAborted(this.#resolve(host), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new EgressError('dns', `could not resolve \`${host}\`: ${why}`, url.href, {
        cause: err,
      });
    }
    if (!Array.isArray(addresses) || addresses.length === 0) {
      throw new EgressError('dns', `\`${host}\` resolved to no addresses`, url.href);
    }
    const target = {
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      scheme: url.protocol.slice(0, -1),
      method,
      path: url.pathname,
    };
    let first: { address: string; decision: Decision } | undefined;
    // Only one address is ever connected to, so the first allowed one ends the
    // search; the denied ones before it are simply never used.
    for (const address of addresses) {
      const d = this.#policy.decideAddress(address, target, byName);
      if (d.allowed) {
        // SNI carries no trailing dot (RFC 6066); the certificate check ignores it too.
        const servername = host.endsWith('.') ? host.slice(0, -1) : host;
        return { url, address: canonicalIp(address) ?? address, servername, rule };
      }
      first ??= { address, decision: d };
    }
    const { address, decision } = first!;
    const others = addresses.length > 1 ? ` (and ${addresses.length - 1} more, none allowed)` : '';
    throw this.#deny(
      url,
      method,
      decision,
      `network access to \`${host}\` ${REFUSED[decision.code]}: it resolves to \`${address}\`${others}, and ${decision.reason}`,
      `\`${host}\` resolves to \`${address}\`: ${decision.reason}`,
    );
  }

  #deny(
    url: URL,
    method: string,
    decision: Decision,
    message: string,
    reason = decision.reason,
  ): EgressError {
    if (this.#onViolation) {
      const event = violation(this.#component, 'network', url.href, method, {
        rule: decision.rule,
        reason,
      });
      try {
        this.#onViolation(event);
      } catch {
        // A failing listener must not turn a refusal into something else.
      }
    }
    return new EgressError('denied', message, url.href, { decision });
  }
}

function aborted(url: string, cause?: unknown): EgressError {
  return new EgressError(
    'aborted',
    `the request to \`${url}\` was aborted`,
    url,
    cause === undefined ? undefined : { cause },
  );
}

/** The resolver takes no signal, so stop waiting for it instead. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
