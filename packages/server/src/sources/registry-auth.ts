// The registry's `WWW-Authenticate` challenge and the Bearer token flow of
// the distribution spec: ask the realm for a token for a scope, with Basic
// credentials when there are some; Basic challenges get the credentials directly.

import type { RegistryCredential } from './registry-credentials.js';
import { SourceError } from './source-error.js';
import type { SourceHttp } from './source-http.js';

export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parse `Bearer realm="…",service="…",scope="…"` (quoted or token values). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2] ?? '';
  re.lastIndex = 0;
  while (re.lastIndex < rest.length) {
    const p = re.exec(rest);
    if (p === null) break;
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

/** The Authorization header value answering a challenge, or undefined for none. */
export async function answerChallenge(
  http: SourceHttp,
  challenge: Challenge,
  scope: string,
  credential: RegistryCredential | undefined,
  registry: string,
): Promise<string | undefined> {
  if (challenge.scheme === 'basic') {
    if (!credential)
      throw new SourceError(
        'auth-failed',
        `registry ${registry} asks for a user name and password`,
        "log in with `docker login` (credentials are read from Docker's config.json) or pass `--registry-auth user:password`",
      );
    return credential.basic();
  }
  if (challenge.scheme !== 'bearer')
    throw new SourceError(
      'auth-failed',
      `registry ${registry} asks for \`${challenge.scheme}\` authentication, which is not supported`,
    );
  const realm = challenge.params.realm;
  if (!realm)
    throw new SourceError(
      'auth-failed',
      `registry ${registry} sent a Bearer challenge without a realm`,
    );
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new SourceError(
      'auth-failed',
      `registry ${registry} sent a token realm that is not a URL`,
    );
  }
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', challenge.params.scope ?? scope);
  const headers: Array<[string, string]> = [['Accept', 'application/json']];
  if (credential) headers.push(['Authorization', credential.basic()]);
  const res = await http.request(url.href, `a token from ${url.host}`, {
    headers,
    maxBytes: 256 * 1024,
  });
  if (res.status === 401 || res.status === 403)
    throw new SourceError(
      'auth-failed',
      `the token server ${url.host} for ${registry} refused ${credential ? 'the credentials' : 'anonymous access'} (HTTP ${res.status})`,
      credential
        ? `check the credentials from ${credential.from}`
        : 'log in with `docker login` or pass `--registry-auth user:password`',
    );
  if (res.status !== 200)
    throw new SourceError(
      'auth-failed',
      `the token server ${url.host} for ${registry} answered HTTP ${res.status}`,
    );
  let token: unknown;
  try {
    const body = JSON.parse(Buffer.from(res.body).toString('utf8')) as {
      token?: unknown;
      access_token?: unknown;
    };
    token = body.token ?? body.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '' || /[\r\n\0]/.test(token))
    throw new SourceError(
      'auth-failed',
      `the token server ${url.host} for ${registry} sent no usable token`,
    );
  return `Bearer ${token}`;
}
