// OCI and Docker manifests and indexes as registries serve them, checked
// before anything they point to is fetched: shape, media types, sizes, layer
// count; and which layer of a Wassette or hyper-mcp artifact is the wasm,
// which is its policy and which its tool manifest.

import { quote } from '@mcpkit/wasm-policy';
import { isSha256Digest } from './digest.js';
import { SourceError } from './source-error.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');

/** What `mcpkit component push` writes; Wassette reads the same types. */
export const WASM_CONFIG = 'application/vnd.wasm.config.v0+json';
export const WASM_LAYER = 'application/wasm';
export const POLICY_LAYER = 'application/vnd.wasm.policy.v1+yaml';
export const TOOLS_LAYER = 'application/vnd.mcpkit.tools.v1+json';

const POLICY_TYPES = new Set([
  POLICY_LAYER,
  'application/vnd.wassette.policy+yaml',
  'application/x-yaml',
  'text/yaml',
]);

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: { readonly os?: string; readonly architecture?: string };
}

export interface ImageManifest {
  readonly kind: 'manifest';
  readonly mediaType: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly artifactType?: string;
}

export interface ImageIndex {
  readonly kind: 'index';
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
}

export interface ManifestLimits {
  readonly maxLayers: number;
  readonly maxIndexEntries: number;
}

function bad(where: string, what: string): SourceError {
  return new SourceError('bad-manifest', `the manifest of ${where} ${what}`);
}

function descriptor(v: unknown, where: string, at: string): Descriptor {
  if (!v || typeof v !== 'object') throw bad(where, `has ${at} that is not an object`);
  const d = v as Record<string, unknown>;
  if (typeof d.mediaType !== 'string') throw bad(where, `has ${at} without a \`mediaType\``);
  if (typeof d.digest !== 'string' || !isSha256Digest(d.digest))
    throw bad(where, `has ${at} whose digest ${quote(d.digest)} is not \`sha256:<64 hex>\``);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)
    throw bad(where, `has ${at} with an invalid \`size\``);
  const annotations =
    d.annotations && typeof d.annotations === 'object'
      ? Object.fromEntries(
          Object.entries(d.annotations).filter(
            (e): e is [string, string] => typeof e[1] === 'string',
          ),
        )
      : undefined;
  const platform =
    d.platform && typeof d.platform === 'object'
      ? (d.platform as Descriptor['platform'])
      : undefined;
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(typeof d.artifactType === 'string' ? { artifactType: d.artifactType } : {}),
    ...(annotations ? { annotations } : {}),
    ...(platform ? { platform } : {}),
  };
}

/** Parse manifest bytes; the media type is the body's, else the response header's. */
export function parseManifest(
  bytes: Uint8Array,
  contentType: string | undefined,
  where: string,
  limits: ManifestLimits,
): ImageManifest | ImageIndex {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw bad(where, 'is not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw bad(where, 'is not a JSON object');
  if (json.schemaVersion !== 2)
    throw bad(where, `has schemaVersion ${quote(json.schemaVersion)}; only 2 is supported`);
  const header = contentType?.split(';')[0]?.trim();
  const mediaType = typeof json.mediaType === 'string' ? json.mediaType : (header ?? '');
  const isIndex =
    mediaType === OCI_INDEX ||
    mediaType === DOCKER_LIST ||
    (mediaType === '' && Array.isArray(json.manifests));
  if (isIndex) {
    if (!Array.isArray(json.manifests)) throw bad(where, 'is an index without `manifests`');
    if (json.manifests.length > limits.maxIndexEntries)
      throw new SourceError(
        'limit-exceeded',
        `the index of ${where} lists ${json.manifests.length} manifests; the limit is ${limits.maxIndexEntries}`,
      );
    return {
      kind: 'index',
      mediaType: mediaType || OCI_INDEX,
      manifests: json.manifests.map((m, i) => descriptor(m, where, `manifests[${i}]`)),
    };
  }
  if (mediaType !== '' && mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST)
    throw bad(
      where,
      `has media type ${quote(mediaType)}, which is neither an OCI nor a Docker manifest`,
    );
  if (!Array.isArray(json.layers)) throw bad(where, 'has no `layers`');
  if (json.layers.length > limits.maxLayers)
    throw new SourceError(
      'limit-exceeded',
      `the manifest of ${where} has ${json.layers.length} layers; the limit is ${limits.maxLayers}`,
      'a wasm artifact has a wasm layer and at most a few small ones (policy, tool manifest)',
    );
  return {
    kind: 'manifest',
    mediaType: mediaType || OCI_MANIFEST,
    config: descriptor(json.config, where, '`config`'),
    layers: json.layers.map((l, i) => descriptor(l, where, `layers[${i}]`)),
    ...(typeof json.artifactType === 'string' ? { artifactType: json.artifactType } : {}),
  };
}

/** The manifest of an index to use: the wasm platform, else the only one. */
export function pickFromIndex(index: ImageIndex, where: string): Descriptor {
  const wasm = index.manifests.filter(
    (m) =>
      m.platform?.architecture === 'wasm' ||
      m.platform?.os === 'wasip1' ||
      m.platform?.os === 'wasip2' ||
      m.platform?.os === 'wasi',
  );
  if (wasm.length >= 1) return wasm[0]!;
  if (index.manifests.length === 1) return index.manifests[0]!;
  throw new SourceError(
    'no-wasm-layer',
    `the index of ${where} lists ${index.manifests.length} manifests and none for the \`wasm\` platform`,
    'pin the manifest you mean with `@sha256:…`',
  );
}

export function isWasmLayer(mediaType: string): boolean {
  const t = mediaType.toLowerCase();
  if (t === 'application/wasm') return true;
  if (POLICY_TYPES.has(t) || t === TOOLS_LAYER || t.endsWith('+json')) return false;
  return (
    t.startsWith('application/vnd.wasm') ||
    t.startsWith('application/vnd.bytecodealliance.wasm') ||
    t.startsWith('application/vnd.module.wasm')
  );
}

export interface ArtifactLayers {
  readonly wasm: Descriptor;
  readonly policy?: Descriptor;
  readonly tools?: Descriptor;
}

export function artifactLayers(manifest: ImageManifest, where: string): ArtifactLayers {
  const wasm = manifest.layers.filter((l) => isWasmLayer(l.mediaType));
  if (wasm.length === 0)
    throw new SourceError(
      'no-wasm-layer',
      `the manifest of ${where} has no wasm layer (layers: ${manifest.layers.map((l) => quote(l.mediaType)).join(', ') || 'none'})`,
      'a wasm layer has media type `application/wasm` or `application/vnd.wasm…`; publish with `mcpkit component push`',
    );
  if (wasm.length > 1)
    throw new SourceError(
      'no-wasm-layer',
      `the manifest of ${where} has ${wasm.length} wasm layers; which one to run is ambiguous`,
    );
  const policy = manifest.layers.find((l) => POLICY_TYPES.has(l.mediaType.toLowerCase()));
  const tools = manifest.layers.find((l) => l.mediaType === TOOLS_LAYER);
  return { wasm: wasm[0]!, ...(policy ? { policy } : {}), ...(tools ? { tools } : {}) };
}
