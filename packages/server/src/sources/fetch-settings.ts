// How sources are fetched: caps, deadline, extra CAs, and which special
// addresses (loopback, private, link-local) a source host may have. Public
// hosts are always reachable; special ones only through an explicit CIDR.

export interface FetchSettings {
  /** The most bytes one download (a wasm, a blob) may have. Default 64 MiB. */
  readonly maxBytes: number;
  /** The most one manifest may have. Default 4 MiB, as Docker's registry. */
  readonly maxManifestBytes: number;
  /** One request, redirects included. Default 60 s. */
  readonly timeoutMs: number;
  /** PEM certificate authorities trusted instead of Node's bundled ones. */
  readonly ca?: string;
  /** CIDRs a source host may resolve to although they are special (`127.0.0.0/8`). */
  readonly allowCidrs: readonly string[];
  /** Most layers in one manifest; default 16. */
  readonly maxLayers: number;
  /** Most manifests in one index, and index-in-index depth; defaults 64 and 2. */
  readonly maxIndexEntries: number;
  readonly maxIndexDepth: number;
  /** Default: the system resolver. Tests pin names to addresses with it. */
  readonly resolver?: (hostname: string) => Promise<string[]>;
}

const MiB = 1024 * 1024;

export const DEFAULT_FETCH: FetchSettings = Object.freeze({
  maxBytes: 64 * MiB,
  maxManifestBytes: 4 * MiB,
  timeoutMs: 60_000,
  allowCidrs: Object.freeze([]) as readonly string[],
  maxLayers: 16,
  maxIndexEntries: 64,
  maxIndexDepth: 2,
});

export function fetchSettings(partial: Partial<FetchSettings> = {}): FetchSettings {
  const out: FetchSettings = { ...DEFAULT_FETCH };
  for (const [k, v] of Object.entries(partial))
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return Object.freeze(out);
}
