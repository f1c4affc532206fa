// What fetching a source yields: the wasm, the files that came with it, and
// the evidence the trust policy decides on.

import type { SourceRef } from './source-ref.js';

// The shape the trust policy reads (packages/server/src/trust/evidence.ts).
export type Evidence =
  | { kind: 'sigstore-bundle'; bundle: unknown; origin: string }
  | {
      kind: 'cosign-signature';
      payload: Uint8Array;
      signature: string;
      certificate?: string;
      chain?: string;
      rekorBundle?: unknown;
      origin: string;
    };

export interface ArtifactEvidence {
  source: string;
  digest: string;
  manifestDigest?: string;
  pinned: boolean;
  operator: boolean;
  localPath?: string;
  evidence: Evidence[];
}

export interface FetchedArtifact {
  readonly ref: SourceRef;
  /** The wasm, digest-checked. */
  readonly bytes: Uint8Array;
  /** The policy that came with it (a layer, or a file beside it). */
  readonly policyText?: string;
  readonly policySource?: string;
  /** A tool manifest that came with it. */
  readonly manifestText?: string;
  /** The directory a local file lies in (relative policy paths resolve against it). */
  readonly baseDir?: string;
  readonly evidence: ArtifactEvidence;
}

export type Progress = (received: number, total: number | undefined, what: string) => void;
