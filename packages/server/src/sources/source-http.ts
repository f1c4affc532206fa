// Every request a source makes — a wasm over HTTPS, a registry's manifests,
// blobs and tokens — goes through the sandbox's egress service: the host is
// decided by a policy built from the fetch settings, each resolved address is
// checked and connected to directly, redirects are checked again, the body
// is capped (a declared length over the cap is refused before it is read).

import { EgressError, type EgressResponse, EgressService } from '@mcpkit/sandbox';
import { compilePolicy, readPolicy } from '@mcpkit/wasm-policy';
import type { FetchSettings } from './fetch-settings.js';
import { SourceError } from './source-error.js';

export interface SourceRequest {
  readonly method?: string;
  readonly headers?: Array<[string, string]>;
  readonly body?: Uint8Array | string;
  readonly maxBytes?: number;
  readonly onProgress?: (received: number, total: number | undefined) => void;
}

export interface SourceResponse {
  readonly status: number;
  readonly headers: Array<[string, string]>;
  readonly body: Uint8Array;
  readonly url: string;
  header(name: string): string | undefined;
}

export class SourceHttp {
  readonly settings: FetchSettings;
  readonly #egress: EgressService;

  constructor(settings: FetchSettings) {
    this.settings = settings;
    const doc = {
      version: '1.0',
      network: { allow: [{ host: '*' }, ...settings.allowCidrs.map((cidr) => ({ cidr }))] },
    };
    const r = readPolicy(JSON.stringify(doc), { file: 'trust.fetch' });
    if (!r.document)
      throw new Error(
        `invalid fetch network rules: ${r.diagnostics.map((d) => d.message).join('; ')}`,
      );
    this.#egress = new EgressService({
      policy: compilePolicy(r.document),
      component: 'component sources',
      maxResponseBytes: Math.max(settings.maxBytes, settings.maxManifestBytes),
      maxRequestBytes: settings.maxBytes,
      timeoutMs: settings.timeoutMs,
      ...(settings.ca ? { ca: settings.ca } : {}),
      ...(settings.resolver ? { resolver: settings.resolver } : {}),
    });
  }

  /** One request; failures of the transport are `SourceError`s naming `what`. */
  async request(
    url: string,
    what: string,
    req: SourceRequest = {},
    signal?: AbortSignal,
  ): Promise<SourceResponse> {
    let res: EgressResponse;
    try {
      res = await this.#egress.fetch(
        {
          url,
          method: req.method ?? 'GET',
          ...(req.headers ? { headers: req.headers } : {}),
          ...(req.body !== undefined ? { body: req.body } : {}),
        },
        signal,
        {
          maxResponseBytes: req.maxBytes ?? this.settings.maxBytes,
          ...(req.onProgress ? { onProgress: req.onProgress } : {}),
        },
      );
    } catch (error) {
      throw fromEgress(error, what, req.maxBytes ?? this.settings.maxBytes);
    }
    const headers = res.headers;
    return {
      status: res.status,
      headers,
      body: res.body,
      url: res.url,
      header(name) {
        const lower = name.toLowerCase();
        return headers.find(([k]) => k.toLowerCase() === lower)?.[1];
      },
    };
  }
}

function fromEgress(error: unknown, what: string, max: number): SourceError {
  if (!(error instanceof EgressError))
    return new SourceError(
      'fetch-failed',
      `fetching ${what} failed: ${(error as Error).message}`,
      undefined,
      { cause: error },
    );
  switch (error.code) {
    case 'denied':
      return new SourceError(
        'denied',
        `fetching ${what} is refused: ${error.message}`,
        'a source host on a loopback, private or link-local address needs a `trust.fetch.network` rule with its CIDR',
      );
    case 'too-large':
      return new SourceError(
        'too-large',
        `${what} is larger than the ${max} byte limit`,
        'raise `trust.fetch.max_bytes` if this artifact is expected to be that large',
      );
    case 'timeout':
      return new SourceError(
        'timeout',
        `fetching ${what} timed out: ${error.message}`,
        'raise `trust.fetch.timeout` for slow servers',
      );
    default:
      return new SourceError('fetch-failed', `fetching ${what} failed: ${error.message}`);
  }
}
