// The compiled `trust:` section of a server policy.

import type { KeyObject } from 'node:crypto';
import type { SourceRef } from '@mcpkit/wasm-policy';

export interface KeySigner {
  readonly kind: 'key';
  readonly id: string;
  /** PEM of the public key (ECDSA P-256 or Ed25519). */
  readonly pem: string;
  readonly key: KeyObject;
  /** Where the key came from: a file path or 'inline'. */
  readonly from: string;
}

export interface KeylessSigner {
  readonly kind: 'keyless';
  readonly id: string;
  /** Exact identity or a glob (`*` within a segment, `**` across). */
  readonly identity: string;
  readonly issuer: string;
  /** Absolute path of a Sigstore trusted_root.json. */
  readonly trustedRoot: string;
}

export type Signer = KeySigner | KeylessSigner;

export interface SourceRule {
  /** A name for messages: `trust.sources[i]` or the rule's own `name`. */
  readonly name: string;
  /** JSON pointer of the rule in the policy (for explain). */
  readonly pointer: string;
  readonly at?: SourceRef;
  readonly match: readonly string[];
  readonly signers: readonly Signer[];
  readonly digestPin: boolean;
  /** `deny: true`: the sources are refused outright. */
  readonly deny: boolean;
}

/** A special address range (loopback, private, link-local) source hosts may be on. */
export interface NetworkRule {
  readonly cidr: string;
}

export interface FetchSettings {
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  /** Absolute path of a PEM CA bundle for private HTTPS servers/registries. */
  readonly caFile?: string;
  /** Loopback/private source hosts allowed to be fetched from. */
  readonly network: readonly NetworkRule[];
}

export interface CompiledTrust {
  readonly sources: readonly SourceRule[];
  /** Absolute directories a client's local path may lie in. */
  readonly allowDirs: readonly string[];
  readonly fetch: FetchSettings;
}

export const EMPTY_TRUST: CompiledTrust = Object.freeze({
  sources: Object.freeze([]),
  allowDirs: Object.freeze([]),
  fetch: Object.freeze({ network: Object.freeze([]) }),
});
