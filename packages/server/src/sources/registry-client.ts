// A client of the OCI distribution API for one repository: manifests by tag
// or digest, blobs (every digest and size verified), referrers, uploads. It
// is written here rather than taken from a library because every request
// must go through `SourceHttp` (the egress checks, caps and pinned DNS) and
// a blob's declared size must be refused before its download starts.

import { quote } from '@mcpkit/wasm-policy';
import { sha256Digest } from './digest.js';
import { type Descriptor, MANIFEST_ACCEPT } from './oci-manifest.js';
import { answerChallenge, parseChallenge } from './registry-auth.js';
import type { RegistryCredential } from './registry-credentials.js';
import { SourceError } from './source-error.js';
import type { SourceHttp, SourceRequest, SourceResponse } from './source-http.js';

export interface RegistryClientOptions {
  readonly http: SourceHttp;
  /** `host` or `host:port`. */
  readonly registry: string;
  readonly repository: string;
  readonly credential?: RegistryCredential;
  /** Default: plain HTTP for loopback registries only (as Docker does), HTTPS otherwise. */
  readonly plainHttp?: boolean;
}

export interface FetchedManifest {
  readonly digest: string;
  readonly bytes: Uint8Array;
  readonly contentType: string | undefined;
}

export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : registry.split(':')[0]!;
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

export class RegistryClient {
  readonly #o: RegistryClientOptions;
  readonly #base: string;
  /** The Authorization header that last worked, per scope. */
  readonly #auth = new Map<string, string>();

  constructor(options: RegistryClientOptions) {
    this.#o = options;
    const scheme = (options.plainHttp ?? isLoopbackRegistry(options.registry)) ? 'http' : 'https';
    this.#base = `${scheme}://${options.registry}/v2/${options.repository}`;
  }

  get where(): string {
    return `${this.#o.registry}/${this.#o.repository}`;
  }

  async #send(
    path: string,
    what: string,
    req: SourceRequest,
    push = false,
  ): Promise<SourceResponse> {
    const scope = `repository:${this.#o.repository}:${push ? 'pull,push' : 'pull'}`;
    const url =
      path.startsWith('http://') || path.startsWith('https://') ? path : `${this.#base}${path}`;
    const withAuth = (auth: string | undefined): SourceRequest => ({
      ...req,
      headers: [
        ...(req.headers ?? []),
        ...(auth ? ([['Authorization', auth]] as Array<[string, string]>) : []),
      ],
    });
    let res = await this.#o.http.request(url, what, withAuth(this.#auth.get(scope)));
    if (res.status !== 401) return res;
    const header = res.header('www-authenticate');
    const challenge = header ? parseChallenge(header) : undefined;
    if (!challenge)
      throw new SourceError(
        'auth-failed',
        `registry ${this.#o.registry} answered 401 without a usable \`WWW-Authenticate\` challenge`,
      );
    const auth = await answerChallenge(
      this.#o.http,
      challenge,
      scope,
      this.#o.credential,
      this.#o.registry,
    );
    res = await this.#o.http.request(url, what, withAuth(auth));
    if (res.status === 401 || res.status === 403)
      throw new SourceError(
        'auth-failed',
        `registry ${this.#o.registry} refused ${this.#o.credential ? 'the credentials' : 'anonymous access'} to ${quote(this.#o.repository)} (HTTP ${res.status})`,
        this.#o.credential
          ? `check the credentials from ${this.#o.credential.from}`
          : "log in with `docker login` (read from Docker's config.json) or pass `--registry-auth user:password`",
      );
    if (auth) this.#auth.set(scope, auth);
    return res;
  }

  /** A manifest by tag or digest; a digest reference is verified against the bytes. */
  async manifest(reference: string, maxBytes: number): Promise<FetchedManifest> {
    const found = await this.manifestIfExists(reference, maxBytes);
    if (!found)
      throw new SourceError(
        'not-found',
        `registry ${this.#o.registry} has no manifest ${quote(reference)} in ${quote(this.#o.repository)}`,
        'check the repository and tag (`oci://REGISTRY/REPOSITORY:TAG`)',
      );
    return found;
  }

  async manifestIfExists(
    reference: string,
    maxBytes: number,
  ): Promise<FetchedManifest | undefined> {
    const what = `the manifest ${this.where}:${reference}`;
    const res = await this.#send(`/manifests/${reference}`, what, {
      headers: [['Accept', MANIFEST_ACCEPT]],
      maxBytes,
    });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#failed(res, what);
    const digest = sha256Digest(res.body);
    if (reference.startsWith('sha256:') && digest !== reference)
      throw new SourceError(
        'digest-mismatch',
        `the manifest ${this.where}@${reference} that registry ${this.#o.registry} sent has digest ${digest}`,
        'the registry or something between changed it; do not use this artifact',
      );
    const claimed = res.header('docker-content-digest');
    if (claimed?.startsWith('sha256:') && claimed !== digest)
      throw new SourceError(
        'digest-mismatch',
        `registry ${this.#o.registry} says ${what} has digest ${claimed}, but its bytes have ${digest}`,
      );
    return { digest, bytes: res.body, contentType: res.header('content-type') };
  }

  /** A blob, refused by its declared size before any of it is fetched; digest and size verified. */
  async blob(
    d: Descriptor,
    maxBytes: number,
    onProgress?: (received: number, total: number | undefined) => void,
  ): Promise<Uint8Array> {
    const what = `blob ${d.digest} of ${this.where}`;
    if (d.size > maxBytes)
      throw new SourceError(
        'too-large',
        `${what} is ${d.size} bytes, over the ${maxBytes} byte limit; it was not downloaded`,
        'raise `trust.fetch.max_bytes` if this artifact is expected to be that large',
      );
    const res = await this.#send(`/blobs/${d.digest}`, what, {
      maxBytes: Math.min(maxBytes, d.size),
      ...(onProgress ? { onProgress } : {}),
    });
    if (res.status !== 200) throw this.#failed(res, what);
    if (res.body.byteLength !== d.size)
      throw new SourceError(
        'digest-mismatch',
        `${what} has ${res.body.byteLength} bytes; its manifest says ${d.size}`,
      );
    const digest = sha256Digest(res.body);
    if (digest !== d.digest)
      throw new SourceError(
        'digest-mismatch',
        `${what} has digest ${digest}: its content is not what the manifest names`,
        'the registry content was changed after the manifest was written; do not use this artifact',
      );
    return res.body;
  }

  /** The OCI 1.1 referrers of a manifest; undefined when the registry does not offer the API. */
  async referrers(
    digest: string,
    artifactType: string | undefined,
    maxBytes: number,
  ): Promise<Descriptor[] | undefined> {
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const what = `the referrers of ${this.where}@${digest}`;
    const res = await this.#send(`/referrers/${digest}${query}`, what, {
      headers: [['Accept', 'application/vnd.oci.image.index.v1+json']],
      maxBytes,
    });
    if (res.status === 404 || res.status === 400 || res.status === 405) return undefined;
    if (res.status !== 200) throw this.#failed(res, what);
    const type = res.header('content-type') ?? '';
    if (!type.startsWith('application/vnd.oci.image.index.v1+json')) return undefined;
    let json: { manifests?: unknown };
    try {
      json = JSON.parse(Buffer.from(res.body).toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(json.manifests)) return undefined;
    return (json.manifests as Descriptor[]).filter(
      (m) =>
        m &&
        typeof m.digest === 'string' &&
        typeof m.mediaType === 'string' &&
        (!artifactType || m.artifactType === artifactType),
    );
  }

  async pushBlob(bytes: Uint8Array): Promise<Descriptor & { mediaType: '' }> {
    const digest = sha256Digest(bytes);
    const what = `blob ${digest} to ${this.where}`;
    // No HEAD first: the egress cap applies to a HEAD's declared length too,
    // and uploading a blob the registry already has is harmless.
    const start = await this.#send(
      '/blobs/uploads/',
      `an upload to ${this.where}`,
      { method: 'POST', maxBytes: 64 * 1024 },
      true,
    );
    const location = start.header('location');
    if (start.status !== 202 || !location)
      throw this.#failed(start, `starting the upload of ${what}`, 'push-failed');
    const url = new URL(location, `${this.#base}/`);
    url.searchParams.set('digest', digest);
    const put = await this.#send(
      url.href,
      what,
      {
        method: 'PUT',
        headers: [['Content-Type', 'application/octet-stream']],
        body: bytes,
        maxBytes: 64 * 1024,
      },
      true,
    );
    if (put.status !== 201) throw this.#failed(put, `uploading ${what}`, 'push-failed');
    return { mediaType: '', digest, size: bytes.byteLength };
  }

  async pushManifest(reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const what = `the manifest ${this.where}:${reference}`;
    const res = await this.#send(
      `/manifests/${reference}`,
      what,
      { method: 'PUT', headers: [['Content-Type', mediaType]], body: bytes, maxBytes: 64 * 1024 },
      true,
    );
    if (res.status !== 201) throw this.#failed(res, `pushing ${what}`, 'push-failed');
    return sha256Digest(bytes);
  }

  #failed(
    res: SourceResponse,
    what: string,
    code: 'fetch-failed' | 'push-failed' = 'fetch-failed',
  ): SourceError {
    let detail = '';
    try {
      const body = JSON.parse(Buffer.from(res.body).toString('utf8')) as {
        errors?: Array<{ code?: unknown; message?: unknown }>;
      };
      const e = body.errors?.[0];
      if (e) detail = `: ${quote(String(e.code ?? ''))} ${quote(String(e.message ?? ''), 120)}`;
    } catch {
      // not a registry error body: the status says enough
    }
    return new SourceError(
      code,
      `${what}: registry ${this.#o.registry} answered HTTP ${res.status}${detail}`,
    );
  }
}
