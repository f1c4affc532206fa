// Publishing a component as an OCI artifact that mcpkit and Wassette load:
// a wasm config, the wasm layer, and optionally its policy and tool
// manifest as further layers (Wassette's media types).

import { binaryKind } from '@mcpkit/sandbox';
import {
  OCI_MANIFEST,
  POLICY_LAYER,
  TOOLS_LAYER,
  WASM_CONFIG,
  WASM_LAYER,
} from './oci-manifest.js';
import type { RegistryClient } from './registry-client.js';
import { SourceError } from './source-error.js';

export interface PushInput {
  readonly wasm: Uint8Array;
  readonly policyText?: string;
  readonly manifestText?: string;
  /** A name for the wasm layer (`org.opencontainers.image.title`). */
  readonly title?: string;
}

export async function pushArtifact(
  client: RegistryClient,
  tag: string,
  input: PushInput,
): Promise<{ digest: string; size: number }> {
  const kind = binaryKind(input.wasm);
  if (kind === 'not-wasm')
    throw new SourceError(
      'push-failed',
      'the file to push is not WebAssembly (it does not start with \\0asm)',
    );
  const layers: Array<Record<string, unknown>> = [];
  const wasm = await client.pushBlob(input.wasm);
  layers.push({
    mediaType: WASM_LAYER,
    digest: wasm.digest,
    size: wasm.size,
    annotations: { 'org.opencontainers.image.title': input.title ?? 'component.wasm' },
  });
  if (input.policyText !== undefined) {
    const p = await client.pushBlob(Buffer.from(input.policyText, 'utf8'));
    layers.push({
      mediaType: POLICY_LAYER,
      digest: p.digest,
      size: p.size,
      annotations: { 'org.opencontainers.image.title': 'policy.yaml' },
    });
  }
  if (input.manifestText !== undefined) {
    const m = await client.pushBlob(Buffer.from(input.manifestText, 'utf8'));
    layers.push({
      mediaType: TOOLS_LAYER,
      digest: m.digest,
      size: m.size,
      annotations: { 'org.opencontainers.image.title': 'tools.json' },
    });
  }
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: 'wasm',
      os: kind === 'component' ? 'wasip2' : 'wasip1',
      layerDigests: [wasm.digest],
    }),
    'utf8',
  );
  const config = await client.pushBlob(configBytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: WASM_CONFIG, digest: config.digest, size: config.size },
      layers,
    }),
    'utf8',
  );
  const digest = await client.pushManifest(tag, manifest, OCI_MANIFEST);
  return { digest, size: manifest.byteLength };
}
