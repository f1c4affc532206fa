// `mcpkit component push` and `mcpkit component verify`: publish a component
// to an OCI registry, and show the trust decision for a source without loading it.

import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { type AppOptions, createApp } from '../app.js';
import type { Progress } from '../sources/artifact.js';
import { pushArtifact } from '../sources/oci-push.js';
import { RegistryClient } from '../sources/registry-client.js';
import { dockerCredential, type RegistryCredential } from '../sources/registry-credentials.js';
import { SourceError } from '../sources/source-error.js';
import { SourceHttp } from '../sources/source-http.js';
import { SourceLoader } from '../sources/source-loader.js';
import type { TrustDecision } from '../sources/trust-gate.js';
import { defaultDataDir } from '../store.js';

export interface PushResult {
  reference: string;
  digest: string;
  layers: string[];
}

async function firstFile(paths: string[]): Promise<{ path: string; text: string } | undefined> {
  for (const path of paths) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined) return { path, text };
  }
  return undefined;
}

export async function pushComponent(
  options: AppOptions,
  wasmPath: string,
  target: string,
  extra: { policyPath?: string; manifestPath?: string } = {},
): Promise<PushResult> {
  const loader = new SourceLoader({
    dataDir: options.dataDir ?? defaultDataDir(),
    ...options.sources,
  });
  const ref = loader.parse(target);
  if (ref.kind !== 'oci' || ref.digest !== undefined)
    throw new SourceError(
      'invalid-source',
      `push needs \`oci://REGISTRY/REPOSITORY:TAG\`, not \`${target}\``,
      'a digest is what a push produces; name a tag',
    );
  const wasm = await readFile(wasmPath).catch(() => {
    throw new SourceError('not-found', `cannot read \`${wasmPath}\``);
  });
  const stem = basename(wasmPath, extname(wasmPath));
  const dir = dirname(wasmPath);
  const policy = extra.policyPath
    ? { path: extra.policyPath, text: await readFile(extra.policyPath, 'utf8') }
    : await firstFile(
        [`${stem}.policy.yaml`, `${stem}.policy.yml`, 'policy.yaml', 'policy.yml'].map((n) =>
          join(dir, n),
        ),
      );
  const manifest = extra.manifestPath
    ? { path: extra.manifestPath, text: await readFile(extra.manifestPath, 'utf8') }
    : await firstFile([join(dir, `${stem}.tools.json`)]);
  const credential: RegistryCredential | undefined =
    options.sources?.credentials?.get(ref.registry) ??
    (await dockerCredential(ref.registry, options.sources?.env ?? process.env));
  const client = new RegistryClient({
    http: new SourceHttp(loader.settings),
    registry: ref.registry,
    repository: ref.repository,
    ...(credential ? { credential } : {}),
  });
  const pushed = await pushArtifact(client, ref.tag ?? 'latest', {
    wasm,
    title: basename(wasmPath),
    ...(policy ? { policyText: policy.text } : {}),
    ...(manifest ? { manifestText: manifest.text } : {}),
  });
  return {
    reference: `oci://${ref.registry}/${ref.repository}@${pushed.digest}`,
    digest: pushed.digest,
    layers: [
      basename(wasmPath),
      ...(policy ? [policy.path] : []),
      ...(manifest ? [manifest.path] : []),
    ],
  };
}

export interface VerifyResult {
  source: string;
  digest: string;
  manifestDigest?: string;
  signatures: number;
  decision: TrustDecision;
}

/** The trust decision for a source, as a client's load (or the operator's) would get it. */
export async function verifySource(
  options: AppOptions,
  source: string,
  operator = false,
  onProgress?: Progress,
): Promise<VerifyResult> {
  const app = await createApp(options);
  try {
    const loader = app.manager.sources;
    const artifact = await loader.fetch(loader.parse(source), operator, onProgress);
    const decision = await loader.decide(artifact.evidence);
    return {
      source: artifact.evidence.source,
      digest: artifact.evidence.digest,
      ...(artifact.evidence.manifestDigest
        ? { manifestDigest: artifact.evidence.manifestDigest }
        : {}),
      signatures: artifact.evidence.evidence.length,
      decision,
    };
  } finally {
    await app.close();
  }
}
