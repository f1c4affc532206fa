// Content digests in the OCI form `sha256:<64 lowercase hex>`.

import { createHash } from 'node:crypto';

const SHA256 = /^sha256:[a-f0-9]{64}$/;

export function isSha256Digest(text: string): boolean {
  return SHA256.test(text);
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The hex part of a digest: `sha256:ab…` -> `ab…`. */
export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}
