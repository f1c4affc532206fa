// An OAuth 2.1 resource server, as the MCP authorization spec describes it:
// a JWT access token is valid when its signature checks against the issuer's
// JWKS (fetched and cached by jose, fetched again for an unknown key id, so
// keys can rotate), its `iss` is the issuer, its `aud` names this server's
// resource URI (RFC 8707), and `exp`/`nbf` hold within a small skew. Its
// role comes from a claim or from its scopes. Checked tokens are remembered
// briefly, so a session's later requests cost a map lookup, not a signature.

import { readFileSync, statSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { OAuthSettings } from './model.js';
import type { Principal } from './principal.js';

export type OAuthOutcome =
  | { ok: true; principal: Principal }
  /** 401: the token is not valid at all. */
  | { ok: false; status: 401; error: string }
  /** 403: a valid token whose scopes map to no role. */
  | { ok: false; status: 403; error: string; scope: string };

/** How long a checked token is trusted before its signature is checked again. */
const REMEMBER_MS = 60_000;
const REMEMBER_MAX = 10_000;

function localKeys(file: string): JWTVerifyGetKey {
  let mtimeMs = -1;
  let keys: JWTVerifyGetKey | undefined;
  const load = () => {
    const m = statSync(file).mtimeMs;
    if (m !== mtimeMs || !keys) {
      keys = createLocalJWKSet(JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet);
      mtimeMs = m;
    }
    return keys;
  };
  load();
  // A file changed on disk (a rotated key) is read again on the next token.
  return (header, token) => load()(header, token);
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'the token was issued by another issuer';
    if (error.claim === 'aud') return 'the token is not meant for this server (its audience)';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's \`${error.claim}\` claim is not valid: ${error.reason}`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'the token is signed with an algorithm this server does not accept';
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return "the token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey)
    return "no key of the issuer's key set verifies the token";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return 'the token is not a well-formed signed JWT';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSEError)
    return `the token could not be checked: ${(error as Error).message}`;
  return 'the token could not be checked';
}

export class OAuthVerifier {
  readonly #s: OAuthSettings;
  readonly #keys: JWTVerifyGetKey;
  readonly #roles: ReadonlySet<string>;
  readonly #remembered = new Map<string, { principal: Principal; until: number }>();

  constructor(settings: OAuthSettings, roles: ReadonlySet<string>) {
    this.#s = settings;
    this.#roles = roles;
    this.#keys = /^https?:\/\//.test(settings.jwks)
      ? createRemoteJWKSet(new URL(settings.jwks), {
          cacheMaxAge: 10 * 60_000,
          // After a fetch, an unknown key id fetches again only this much later.
          cooldownDuration: 5_000,
          timeoutDuration: 5_000,
        })
      : localKeys(settings.jwks);
  }

  get settings(): OAuthSettings {
    return this.#s;
  }

  /** Every scope that maps to a role, for `WWW-Authenticate` and the resource metadata. */
  get scopes(): string[] {
    return this.#s.scopes.map((s) => s.scope);
  }

  async verify(token: string, now = Date.now()): Promise<OAuthOutcome> {
    // Keyed by the token itself: hashing it would cost more than the lookup saves.
    const key = token;
    const known = this.#remembered.get(key);
    if (known !== undefined) {
      if (now < known.until) return { ok: true, principal: known.principal };
      this.#remembered.delete(key);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#s.issuer,
        audience: this.#s.resource,
        algorithms: [...this.#s.algorithms],
        clockTolerance: this.#s.clockSkewMs / 1000,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(now),
      }));
    } catch (error) {
      return { ok: false, status: 401, error: describe(error) };
    }
    const scopes =
      typeof payload.scope === 'string' ? payload.scope.split(' ').filter((s) => s.length > 0) : [];
    const role = this.#roleOf(payload, scopes);
    if (role === undefined) {
      return {
        ok: false,
        status: 403,
        error:
          this.#s.roleClaim && payload[this.#s.roleClaim] !== undefined
            ? `the token's \`${this.#s.roleClaim}\` claim names no role of this server`
            : 'the token has no scope that grants a role on this server',
        scope: this.scopes.join(' '),
      };
    }
    const expiresAt = (payload.exp as number) * 1000;
    const principal: Principal = {
      id: `oauth:${this.#s.issuer}#${payload.sub}`,
      role,
      via: 'oauth',
      name: String(payload.sub),
      scopes,
      expiresAt,
    };
    if (this.#remembered.size >= REMEMBER_MAX) this.#remembered.clear();
    this.#remembered.set(key, {
      principal,
      until: Math.min(now + REMEMBER_MS, expiresAt + this.#s.clockSkewMs),
    });
    return { ok: true, principal };
  }

  #roleOf(payload: JWTPayload, scopes: readonly string[]): string | undefined {
    if (this.#s.roleClaim !== undefined) {
      const claimed = payload[this.#s.roleClaim];
      if (typeof claimed === 'string') return this.#roles.has(claimed) ? claimed : undefined;
    }
    for (const { scope, role } of this.#s.scopes) if (scopes.includes(scope)) return role;
    return undefined;
  }
}
