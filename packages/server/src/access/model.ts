// The server policy's `access:` section (who may connect, as which role, and
// what is audited) and a role policy's `role:` section, as parse produces them.

import type { SourceRef } from '@mcpkit/wasm-policy';

/** The role that may do everything: stdio's by default, and every client's without `access`. */
export const OPERATOR = 'operator';

/** An OAuth 2.1 resource server: JWT access tokens checked against an issuer's keys. */
export interface OAuthSettings {
  /** The `iss` a token must carry, exactly. */
  readonly issuer: string;
  /** The issuer's JWKS: an `https://` (or `http://` loopback) URL, or an absolute file path. */
  readonly jwks: string;
  /** This server's resource URI (RFC 8707): the `aud` a token must carry. */
  readonly resource: string;
  /** Authorization servers named in the protected resource metadata (default: the issuer). */
  readonly authorizationServers: readonly string[];
  /** A claim that names the client's role. */
  readonly roleClaim?: string;
  /** Scope to role, in order: the first scope the token has decides. */
  readonly scopes: ReadonlyArray<{ readonly scope: string; readonly role: string }>;
  /** Allowed clock difference for `exp` and `nbf`, in milliseconds. */
  readonly clockSkewMs: number;
  /** Accepted signature algorithms. */
  readonly algorithms: readonly string[];
}

export interface ClientLimits {
  readonly requestsPerMinute?: number;
  readonly concurrentCalls?: number;
}

export const ARGUMENT_LOGGING = ['redact', 'keys', 'include'] as const;
export type ArgumentLogging = (typeof ARGUMENT_LOGGING)[number];

export interface AuditSettings {
  /** Absolute path of the live log file. */
  readonly file: string;
  readonly maxBytes?: number;
  readonly keep?: number;
  /** Absolute path of an HMAC key file. */
  readonly keyFile?: string;
  readonly arguments?: ArgumentLogging;
}

export interface AccessSection {
  /** Absolute path of the static bearer token file. */
  readonly tokens?: string;
  readonly oauth?: OAuthSettings;
  /** Role name to the absolute path of its role policy. */
  readonly roles: Readonly<Record<string, string>>;
  /** The role of the stdio client (default `operator`). */
  readonly stdioRole?: string;
  /** Per-client limits for every role without its own. */
  readonly limits?: ClientLimits;
  readonly audit?: AuditSettings;
  readonly at: SourceRef;
}

export interface RoleSection {
  /** Names or name globs of the management tools the role may call. */
  readonly manage: readonly string[];
  /** Globs over the source URIs the role may load from (`file:///srv/tools/*`, `oci://ghcr.io/acme/*`). */
  readonly sources: readonly string[];
  readonly limits?: ClientLimits;
  readonly at: SourceRef;
}
