// Checking one piece of evidence against one configured signer.

import type { ArtifactEvidence, Evidence } from './evidence.js';
import type { Signer } from './model.js';
import type { SignerInfo } from './verify.js';

export type SignerCheck = { ok: true; signer: SignerInfo } | { ok: false; reason: string };

export async function verifyWithSigner(
  _a: ArtifactEvidence,
  _ev: Evidence,
  _signer: Signer,
): Promise<SignerCheck> {
  return { ok: false, reason: 'signature verification is not available yet' };
}
