// The `trust:` section as parsed (plain data, paths absolute), before keys
// are turned into key objects by compile.

import type { SourceRef } from '@mcpkit/wasm-policy';

export interface KeySignerSpec {
  readonly kind: 'key';
  readonly id: string;
  readonly pem: string;
  /** The key file's absolute path, or 'inline'. */
  readonly from: string;
}

export interface KeylessSignerSpec {
  readonly kind: 'keyless';
  readonly id: string;
  readonly identity: string;
  readonly issuer: string;
  readonly trustedRoot: string;
}

export type SignerSpec = KeySignerSpec | KeylessSignerSpec;

export interface SourceRuleSpec {
  readonly name: string;
  readonly pointer: string;
  /** Where the rule is written (file, line, column). */
  readonly at?: SourceRef;
  readonly match: readonly string[];
  readonly signers: readonly SignerSpec[];
  readonly digestPin: boolean;
  readonly deny: boolean;
}

export interface TrustSection {
  readonly sources: readonly SourceRuleSpec[];
  readonly allowDirs: readonly string[];
  readonly fetch: {
    readonly maxBytes?: number;
    readonly timeoutMs?: number;
    readonly caFile?: string;
    readonly network: ReadonlyArray<{ readonly cidr: string }>;
  };
}
