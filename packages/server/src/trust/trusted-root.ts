// Reading a Sigstore trusted_root.json given by the operator into the trust
// material @sigstore/verify checks against. Built from the file alone: no
// TUF repository and no public Sigstore service is ever contacted.

import { readFileSync, statSync } from 'node:fs';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';

export interface LoadedRoot {
  readonly material: TrustMaterial;
  readonly ctlogs: number;
}

const cache = new Map<string, { mtimeMs: number; size: number; root: LoadedRoot }>();

export class TrustedRootError extends Error {
  readonly code = 'trust-root-invalid';
}

/** The trust material of a trusted_root.json, cached until the file changes. */
export function loadTrustedRoot(path: string): LoadedRoot {
  let st: { mtimeMs: number; size: number };
  try {
    st = statSync(path);
  } catch (e) {
    throw new TrustedRootError(`cannot read trusted root ${path}: ${(e as Error).message}`);
  }
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.root;
  let root: LoadedRoot;
  try {
    const parsed = TrustedRoot.fromJSON(JSON.parse(readFileSync(path, 'utf8')));
    root = {
      material: toTrustMaterial(parsed, () => {
        throw new TrustedRootError('a trusted root names no public keys');
      }),
      ctlogs: parsed.ctlogs.length,
    };
  } catch (e) {
    throw new TrustedRootError(`trusted root ${path} is not valid: ${(e as Error).message}`);
  }
  cache.set(path, { ...st, root });
  return root;
}
