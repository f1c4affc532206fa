// What fetching a source yields: the wasm, the files that came with it, and
// the evidence the trust policy decides on.

import type { ArtifactEvidence } from '../trust/evidence.js';
import type { SourceRef } from './source-ref.js';

export type { ArtifactEvidence, Evidence } from '../trust/evidence.js';

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
