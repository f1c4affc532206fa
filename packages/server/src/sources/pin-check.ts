// A digest pin is checked against the bytes before anything parses them.

import { sha256Digest } from './digest.js';
import { SourceError } from './source-error.js';

export function checkPin(bytes: Uint8Array, pin: string | undefined, source: string): string {
  const digest = sha256Digest(bytes);
  if (pin !== undefined && digest !== pin)
    throw new SourceError(
      'digest-mismatch',
      `${source} has digest ${digest}, not the pinned ${pin}`,
      'the content changed since it was pinned: check where it came from before changing the pin',
    );
  return digest;
}
