// What a fetcher hands the trust check about one artifact: where it came
// from, its digests, and the signatures or bundles found beside it.

export type Evidence =
  | {
      kind: 'sigstore-bundle';
      /** Parsed JSON of a Sigstore bundle. */
      bundle: unknown;
      /** Where the bundle was found (a file path, URL or OCI reference). */
      origin: string;
    }
  | {
      kind: 'cosign-signature';
      /** The cosign simple-signing JSON payload bytes. */
      payload: Uint8Array;
      /** Base64, from the layer annotation dev.cosignproject.cosign/signature. */
      signature: string;
      /** PEM, from the annotations dev.sigstore.cosign/certificate and /chain. */
      certificate?: string;
      chain?: string;
      /** Parsed annotation dev.sigstore.cosign/bundle (the Rekor bundle). */
      rekorBundle?: unknown;
      origin: string;
    };

export interface ArtifactEvidence {
  /** Canonical source URI: file:///abs, https://…, oci://host:port/repo@sha256:… */
  source: string;
  /** 'sha256:<hex>' of the wasm bytes. */
  digest: string;
  /**
   * OCI: the manifest digest (what cosign signs; the simple-signing payload's
   * critical.image.docker-manifest-digest must equal it).
   */
  manifestDigest?: string;
  /** The source named a digest pin and it matched. */
  pinned: boolean;
  /** Loaded by the operator (serve --component, CLI) rather than a client's load-component. */
  operator: boolean;
  /** Real path for file sources. */
  localPath?: string;
  /**
   * The wasm bytes. A message-signature bundle (cosign sign-blob) signs the
   * bytes themselves, so it can only be checked with them; when absent,
   * they are read from localPath.
   */
  bytes?: Uint8Array;
  /** Signatures and bundles the fetcher found. */
  evidence: Evidence[];
}
