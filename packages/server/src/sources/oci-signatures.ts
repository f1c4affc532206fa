// Signatures of an OCI artifact, found where cosign puts them: the
// `sha256-<hex>.sig` tag (each layer a simple-signing payload, the signature
// and certificate in annotations), and Sigstore bundles attached as OCI 1.1
// referrers when the registry has that API (Distribution 2.8 does not).

import type { Evidence } from './artifact.js';
import { digestHex } from './digest.js';
import { parseManifest } from './oci-manifest.js';
import type { RegistryClient } from './registry-client.js';
import { SIDE_FILE_BYTES } from './source-context.js';

export const SIGSTORE_BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const MAX_SIGNATURES = 16;

const ANN = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
};

export async function findSignatures(
  client: RegistryClient,
  digest: string,
  maxManifestBytes: number,
): Promise<Evidence[]> {
  const out: Evidence[] = [];
  const limits = { maxLayers: MAX_SIGNATURES, maxIndexEntries: MAX_SIGNATURES };
  const tag = `sha256-${digestHex(digest)}.sig`;
  const sig = await client.manifestIfExists(tag, maxManifestBytes);
  if (sig) {
    const m = parseManifest(sig.bytes, sig.contentType, `${client.where}:${tag}`, limits);
    if (m.kind === 'manifest') {
      for (const layer of m.layers) {
        const signature = layer.annotations?.[ANN.signature];
        if (signature === undefined) continue;
        const payload = await client.blob(layer, SIDE_FILE_BYTES);
        let rekorBundle: unknown;
        const rb = layer.annotations?.[ANN.bundle];
        if (rb !== undefined) {
          try {
            rekorBundle = JSON.parse(rb);
          } catch {
            rekorBundle = undefined;
          }
        }
        const certificate = layer.annotations?.[ANN.certificate];
        const chain = layer.annotations?.[ANN.chain];
        out.push({
          kind: 'cosign-signature',
          payload,
          signature,
          ...(certificate ? { certificate } : {}),
          ...(chain ? { chain } : {}),
          ...(rekorBundle !== undefined ? { rekorBundle } : {}),
          origin: `oci://${client.where}:${tag}`,
        });
      }
    }
  }
  const referrers = await client.referrers(digest, SIGSTORE_BUNDLE_TYPE, maxManifestBytes);
  for (const r of (referrers ?? []).slice(0, MAX_SIGNATURES)) {
    const fetched = await client.manifest(r.digest, maxManifestBytes);
    const m = parseManifest(
      fetched.bytes,
      fetched.contentType,
      `${client.where}@${r.digest}`,
      limits,
    );
    if (m.kind !== 'manifest') continue;
    const layer = m.layers.find((l) => l.mediaType === SIGSTORE_BUNDLE_TYPE) ?? m.layers[0];
    if (!layer) continue;
    const bytes = await client.blob(layer, SIDE_FILE_BYTES);
    try {
      out.push({
        kind: 'sigstore-bundle',
        bundle: JSON.parse(Buffer.from(bytes).toString('utf8')),
        origin: `oci://${client.where}@${r.digest}`,
      });
    } catch {
      // not a bundle: nothing to verify, so no evidence
    }
  }
  return out;
}
