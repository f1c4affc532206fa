// Shared by the access tests: a small OAuth 2.1 authorization server on
// 127.0.0.1 (metadata, JWKS, a client_credentials token endpoint), tokens
// signed as it would sign them and as an attacker might, and a free port.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface AuthServer {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** Sign a token with the server's key (or another key, for a bad signature). */
  sign(
    claims: JWTPayload,
    options?: { expiresIn?: string | number; key?: 'own' | 'stranger' },
  ): Promise<string>;
  /** Tokens issued by the token endpoint, in order. */
  readonly issued: string[];
  /** Replace the signing key; the JWKS then offers the new one (and drops the old). */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

export interface AuthClient {
  readonly secret: string;
  /** The scopes this client may be given. */
  readonly scopes: readonly string[];
}

/** A port that was free a moment ago (for a server whose URL a policy must name first). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startAuthServer(clients: Record<string, AuthClient>): Promise<AuthServer> {
  let key = await generateKeyPair('ES256', { extractable: true });
  let kid = 'k1';
  const stranger = await generateKeyPair('ES256', { extractable: true });
  const issued: string[] = [];
  let issuer = '';
  const sign = async (
    claims: JWTPayload,
    options: { expiresIn?: string | number; key?: 'own' | 'stranger' } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuedAt()
      .setIssuer(typeof claims.iss === 'string' ? claims.iss : issuer)
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(options.key === 'stranger' ? stranger.privateKey : key.privateKey);

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'GET' && url.pathname === '/.well-known/oauth-authorization-server') {
      return send(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/jwks') {
      void exportJWK(key.publicKey).then((jwk) =>
        send(200, { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] }),
      );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        const [id, secret] = basic
          ? Buffer.from(basic[1]!, 'base64').toString().split(':').map(decodeURIComponent)
          : [];
        const client = id ? clients[id] : undefined;
        if (!client || client.secret !== secret) return send(401, { error: 'invalid_client' });
        if (form.get('grant_type') !== 'client_credentials')
          return send(400, { error: 'unsupported_grant_type' });
        const asked = (form.get('scope') ?? client.scopes.join(' ')).split(' ').filter(Boolean);
        const scope = asked.filter((s) => client.scopes.includes(s)).join(' ');
        const resource = form.get('resource');
        void sign({ sub: id, scope, ...(resource ? { aud: resource } : {}) }).then((token) => {
          issued.push(token);
          send(200, { access_token: token, token_type: 'Bearer', expires_in: 300, scope });
        });
      });
      return;
    }
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    sign,
    issued,
    async rotate() {
      key = await generateKeyPair('ES256', { extractable: true });
      kid = `k${Number(kid.slice(1)) + 1}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
