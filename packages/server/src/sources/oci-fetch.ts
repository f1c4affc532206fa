// A component from an OCI registry: the tag resolved to a manifest digest
// once, an index followed to its wasm manifest (bounded depth), every blob
// verified (from the cache when it has the digest), and the signatures.

import type { FetchedArtifact } from './artifact.js';
import {
  artifactLayers,
  type Descriptor,
  type ImageManifest,
  parseManifest,
  pickFromIndex,
} from './oci-manifest.js';
import { findSignatures } from './oci-signatures.js';
import { RegistryClient } from './registry-client.js';
import { SIDE_FILE_BYTES, type SourceContext } from './source-context.js';
import { SourceError } from './source-error.js';
import { type OciSource, ociDigestUri } from './source-ref.js';

export async function fetchOci(ref: OciSource, ctx: SourceContext): Promise<FetchedArtifact> {
  const s = ctx.http.settings;
  const credential = await ctx.credential?.(ref.registry);
  const plain = ctx.plainHttp?.(ref.registry);
  const client = new RegistryClient({
    http: ctx.http,
    registry: ref.registry,
    repository: ref.repository,
    ...(credential ? { credential } : {}),
    ...(plain !== undefined ? { plainHttp: plain } : {}),
  });
  const limits = { maxLayers: s.maxLayers, maxIndexEntries: s.maxIndexEntries };
  // The digest, once known, is the reference from here on: a tag moving
  // half way through cannot mix two artifacts.
  const top = await client.manifest(ref.digest ?? ref.tag ?? 'latest', s.maxManifestBytes);
  let current = top;
  let manifest: ImageManifest | undefined;
  for (let depth = 0; ; depth++) {
    const where = `${client.where}@${current.digest}`;
    const parsed = parseManifest(current.bytes, current.contentType, where, limits);
    if (parsed.kind === 'manifest') {
      manifest = parsed;
      break;
    }
    if (depth >= s.maxIndexDepth)
      throw new SourceError(
        'limit-exceeded',
        `the index ${where} nests indexes more than ${s.maxIndexDepth} deep`,
        'a wasm artifact is a manifest, or an index of manifests',
      );
    const chosen = pickFromIndex(parsed, where);
    current = await client.manifest(chosen.digest, s.maxManifestBytes);
  }
  const where = `${client.where}@${current.digest}`;
  const layers = artifactLayers(manifest, where);
  const blob = async (d: Descriptor, max: number, progress: boolean) => {
    const cached = await ctx.cache.get(d.digest);
    if (cached && cached.byteLength === d.size) return cached;
    const onProgress =
      progress && ctx.onProgress
        ? (n: number, t: number | undefined) => ctx.onProgress?.(n, t ?? d.size, `${ref.uri}`)
        : undefined;
    const bytes = await client.blob(d, max, onProgress);
    await ctx.cache.put(bytes);
    return bytes;
  };
  const bytes = await blob(layers.wasm, s.maxBytes, true);
  const text = async (d: Descriptor | undefined, what: string) => {
    if (!d) return undefined;
    const b = await blob(d, SIDE_FILE_BYTES, false);
    const t = Buffer.from(b).toString('utf8');
    if (t.includes('\uFFFD'))
      throw new SourceError('bad-manifest', `the ${what} layer of ${where} is not UTF-8 text`);
    return t;
  };
  const policyText = await text(layers.policy, 'policy');
  const manifestText = await text(layers.tools, 'tool manifest');
  const evidence = await findSignatures(client, top.digest, s.maxManifestBytes);
  if (current.digest !== top.digest)
    evidence.push(...(await findSignatures(client, current.digest, s.maxManifestBytes)));
  return {
    ref,
    bytes,
    ...(policyText !== undefined
      ? { policyText, policySource: `${ociDigestUri(ref, top.digest)} (policy layer)` }
      : {}),
    ...(manifestText !== undefined ? { manifestText } : {}),
    evidence: {
      source: ociDigestUri(ref, top.digest),
      digest: layers.wasm.digest,
      manifestDigest: top.digest,
      pinned: ref.digest !== undefined,
      operator: ctx.operator,
      evidence,
    },
  };
}
