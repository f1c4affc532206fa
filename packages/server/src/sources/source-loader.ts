// Sources for the component manager: parse what was given, fetch it through
// the egress checks into the shared cache, and ask the trust gate.

import { join } from 'node:path';
import type { ArtifactEvidence, FetchedArtifact, Progress } from './artifact.js';
import { BlobCache } from './blob-cache.js';
import { fetchArtifact } from './fetch-artifact.js';
import { type FetchSettings, fetchSettings } from './fetch-settings.js';
import { dockerCredential, type RegistryCredential } from './registry-credentials.js';
import { SourceError } from './source-error.js';
import { SourceHttp } from './source-http.js';
import { parseSource, type SourceRef } from './source-ref.js';
import { operatorOnlyGate, type TrustDecision, type TrustGate } from './trust-gate.js';

export interface SourceLoaderOptions {
  /** The server's data directory; the cache is `<dir>/cache/blobs`. */
  readonly dataDir: string;
  readonly fetch?: Partial<FetchSettings>;
  readonly trust?: TrustGate;
  /** Credentials by registry (`host[:port]`), before Docker's config file. */
  readonly credentials?: ReadonlyMap<string, RegistryCredential>;
  /** Environment for `DOCKER_CONFIG` and the home directory; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface SourceLoad {
  readonly artifact: FetchedArtifact;
  readonly decision: TrustDecision & { allowed: true };
}

/** A load refused by the trust policy: its reason and the rule that would accept it. */
export class TrustRefusedError extends Error {
  readonly code = 'trust-refused';
  readonly help: string;
  readonly evidence: ArtifactEvidence;
  constructor(reason: string, help: string, evidence: ArtifactEvidence) {
    super(reason);
    this.name = 'TrustRefusedError';
    this.help = help;
    this.evidence = evidence;
  }
}

export class SourceLoader {
  readonly settings: FetchSettings;
  readonly cache: BlobCache;
  readonly #http: SourceHttp;
  readonly #o: SourceLoaderOptions;
  #trust: TrustGate;

  constructor(options: SourceLoaderOptions) {
    this.#o = options;
    this.settings = fetchSettings(options.fetch);
    this.cache = new BlobCache(join(options.dataDir, 'cache', 'blobs'));
    this.#http = new SourceHttp(this.settings);
    this.#trust = options.trust ?? operatorOnlyGate;
  }

  set trust(gate: TrustGate) {
    this.#trust = gate;
  }

  parse(text: string, cwd?: string): SourceRef {
    const r = parseSource(text, cwd);
    if (!r.value) {
      const d = r.diagnostics[0]!;
      throw new SourceError('invalid-source', d.message, d.help);
    }
    return r.value;
  }

  async #credential(registry: string): Promise<RegistryCredential | undefined> {
    return (
      this.#o.credentials?.get(registry) ??
      (await dockerCredential(registry, this.#o.env ?? process.env))
    );
  }

  /** Fetch without deciding (for `component verify`, which prints the decision). */
  fetch(ref: SourceRef, operator: boolean, onProgress?: Progress): Promise<FetchedArtifact> {
    return fetchArtifact(ref, {
      http: this.#http,
      cache: this.cache,
      credential: (r) => this.#credential(r),
      operator,
      ...(onProgress ? { onProgress } : {}),
    });
  }

  decide(evidence: ArtifactEvidence): Promise<TrustDecision> {
    return this.#trust(evidence).catch((error: Error) => ({
      allowed: false as const,
      reason: `the trust decision failed: ${error.message}`,
      help: 'check the `trust` section of the server policy',
    }));
  }

  /** Fetch, then refuse unless the trust policy allows it. */
  async load(ref: SourceRef, operator: boolean, onProgress?: Progress): Promise<SourceLoad> {
    const artifact = await this.fetch(ref, operator, onProgress);
    const decision = await this.decide(artifact.evidence);
    if (!decision.allowed)
      throw new TrustRefusedError(decision.reason, decision.help, artifact.evidence);
    return { artifact, decision };
  }
}
