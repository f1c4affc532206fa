// Authenticating an HTTP request from its `Authorization` header: a static
// mcpkit token or an OAuth JWT access token, each giving a principal with a
// role. The refusals carry the `WWW-Authenticate` header RFC 6750 and the
// MCP authorization spec ask for, pointing clients at the protected
// resource metadata (RFC 9728) when OAuth is configured.

import type { OAuthVerifier } from './oauth.js';
import type { Principal } from './principal.js';
import { looksLikeStaticToken, type TokenVerifier } from './tokens.js';

export type AuthResult =
  | { ok: true; principal: Principal }
  | {
      ok: false;
      status: 401 | 403;
      /** Stable: `missing-token`, `invalid-token`, `insufficient-scope`. */
      code: 'missing-token' | 'invalid-token' | 'insufficient-scope';
      message: string;
      headers: Record<string, string>;
    };

/** The RFC 9728 metadata URL of a resource: the well-known path inserted before the resource's path. */
export function resourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}/.well-known/oauth-protected-resource${path}`;
}

/** A quoted-string for an auth-param: no quotes, backslashes or control characters inside. */
const q = (text: string) => `"${text.replace(/["\\\u0000-\u001f\u007f]/g, ' ')}"`;

export class Authenticator {
  readonly #tokens: TokenVerifier | undefined;
  readonly #oauth: OAuthVerifier | undefined;
  readonly #metadata: string | undefined;

  constructor(options: { tokens?: TokenVerifier; oauth?: OAuthVerifier }) {
    this.#tokens = options.tokens;
    this.#oauth = options.oauth;
    this.#metadata = options.oauth
      ? resourceMetadataUrl(options.oauth.settings.resource)
      : undefined;
  }

  /** The metadata document's URL, when OAuth is configured. */
  get metadataUrl(): string | undefined {
    return this.#metadata;
  }

  get oauth(): OAuthVerifier | undefined {
    return this.#oauth;
  }

  #challenge(params: Record<string, string>): Record<string, string> {
    const all = {
      realm: 'mcpkit',
      ...(this.#metadata ? { resource_metadata: this.#metadata } : {}),
      ...params,
    };
    return {
      'WWW-Authenticate': `Bearer ${Object.entries(all)
        .map(([k, v]) => `${k}=${q(v)}`)
        .join(', ')}`,
    };
  }

  #refuse(code: 'missing-token' | 'invalid-token', message: string): AuthResult {
    return {
      ok: false,
      status: 401,
      code,
      message,
      headers: this.#challenge(
        code === 'invalid-token' ? { error: 'invalid_token', error_description: message } : {},
      ),
    };
  }

  async authenticate(authorization: string | undefined, now = Date.now()): Promise<AuthResult> {
    if (authorization === undefined || authorization.trim() === '')
      return this.#refuse(
        'missing-token',
        'this server needs a bearer token: send `Authorization: Bearer <token>`',
      );
    const m = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(authorization);
    if (!m)
      return this.#refuse('invalid-token', 'the `Authorization` header is not `Bearer <token>`');
    const bearer = m[1]!;
    if (looksLikeStaticToken(bearer)) {
      if (!this.#tokens)
        return this.#refuse('invalid-token', 'this server accepts no static tokens');
      const r = this.#tokens.verify(bearer, now);
      return 'error' in r ? this.#refuse('invalid-token', r.error) : { ok: true, principal: r };
    }
    if (!this.#oauth)
      return this.#refuse('invalid-token', 'the token is not a well-formed mcpkit token');
    const r = await this.#oauth.verify(bearer, now);
    if (r.ok) return r;
    if (r.status === 401) return this.#refuse('invalid-token', r.error);
    return {
      ok: false,
      status: 403,
      code: 'insufficient-scope',
      message: r.error,
      headers: this.#challenge({
        error: 'insufficient_scope',
        scope: r.scope,
        error_description: r.error,
      }),
    };
  }

  /** The challenge of a 403 for a valid token that lacks a right; `scope` would grant it. */
  insufficientScope(message: string, scope?: string): Record<string, string> {
    return this.#challenge({
      error: 'insufficient_scope',
      ...(scope ? { scope } : {}),
      error_description: message,
    });
  }

  /** The protected resource metadata document (RFC 9728), when OAuth is configured. */
  metadata(): Record<string, unknown> | undefined {
    const o = this.#oauth;
    if (!o) return undefined;
    return {
      resource: o.settings.resource,
      authorization_servers: [...o.settings.authorizationServers],
      scopes_supported: o.scopes,
      bearer_methods_supported: ['header'],
      resource_name: 'mcpkit',
    };
  }
}
