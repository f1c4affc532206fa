// Test harness: a real Docker Distribution registry (Debian's
// `docker-registry`) on 127.0.0.1 with a temporary config, open or behind
// htpasswd (Basic); a programmable HTTP server in front of it for
// tampering; the real cosign CLI. Nothing here skips: a missing tool fails.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../testing.js';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface TokenAuth {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  readonly certPath: string;
}

export async function startRegistry(
  options: { user?: string; password?: string; token?: TokenAuth } = {},
): Promise<TestRegistry> {
  const bin = '/usr/bin/docker-registry';
  if (!existsSync(bin))
    throw new Error(`${bin} is missing: install Debian's docker-registry package`);
  const dir = tempDir('mcpkit-registry-');
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  let auth = '';
  if (options.user) {
    const line = execFileSync('htpasswd', ['-Bbn', options.user, options.password ?? ''], {
      encoding: 'utf8',
    });
    writeFileSync(join(dir, 'htpasswd'), line);
    auth = `auth:\n  htpasswd:\n    realm: mcpkit-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  if (options.token) {
    const t = options.token;
    auth = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.certPath}\n`;
  }
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const child: ChildProcess = spawn(bin, ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
    if (ok) break;
    if (i > 200) throw new Error(`docker-registry did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export type Intercept = (
  req: IncomingMessage,
  body: Buffer,
) => { status: number; headers?: Record<string, string>; body?: Buffer | string } | undefined;

/** An HTTP server passing requests to `target` unless `intercept` answers them itself. */
export async function startProxy(
  target: string,
  intercept: { current: Intercept | undefined },
): Promise<{ host: string; server: Server; stop(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const own = intercept.current?.(req, body);
      if (own) {
        res.writeHead(own.status, own.headers ?? {});
        res.end(own.body ?? '');
        return;
      }
      const [host, port] = target.split(':');
      const up = request(
        {
          host,
          port: Number(port),
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target },
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    server,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The cosign binary: `$COSIGN`, else `$(go env GOPATH)/bin/cosign`. */
export function cosignPath(): string {
  if (process.env.COSIGN && existsSync(process.env.COSIGN)) return process.env.COSIGN;
  const candidates: string[] = [];
  for (const go of ['go', '/usr/local/go/bin/go']) {
    try {
      candidates.push(
        join(execFileSync(go, ['env', 'GOPATH'], { encoding: 'utf8' }).trim(), 'bin', 'cosign'),
      );
      break;
    } catch {
      // try the next
    }
  }
  candidates.push('/root/go/bin/cosign');
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new Error(
      `cosign is missing (looked at ${candidates.join(', ')}): go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5`,
    );
  return found;
}

/** Run cosign with a password for its keys, in `cwd`; returns stdout. */
export function cosign(args: string[], cwd: string, password = 'test-password'): string {
  return execFileSync(cosignPath(), args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      COSIGN_PASSWORD: password,
      COSIGN_YES: 'true',
      HOME: cwd,
      DOCKER_CONFIG: join(cwd, '.docker'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

/** `cosign sign --key` of an image in a plain-HTTP registry on this machine, no log upload. */
export function cosignSign(key: string, image: string, cwd: string): string {
  return cosign(
    [
      'sign',
      '--key',
      key,
      '--tlog-upload=false',
      '--allow-insecure-registry',
      '--allow-http-registry',
      image,
    ],
    cwd,
  );
}

/** A key pair `<name>.key` / `<name>.pub` in `dir`. */
export function cosignKeyPair(dir: string, name = 'cosign'): { key: string; pub: string } {
  const sub = join(dir, name);
  mkdirSync(sub, { recursive: true });
  cosign(['generate-key-pair'], sub);
  return { key: join(sub, 'cosign.key'), pub: join(sub, 'cosign.pub') };
}

/** A CA made for the test and a server certificate it signed for 127.0.0.1 and localhost. */
export function testCa(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=mcpkit test CA',
  ]);
  run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  ]);
  writeFileSync(
    join(dir, 'san.cnf'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n',
  );
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  ]);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.pem'), cert: read('server.pem'), key: read('server.key') };
}

/**
 * A token server for the registry's `auth: token` (the distribution token
 * flow): Basic credentials in, an ES256 JWT out, its certificate in `x5c`;
 * anonymous requests get a token granting nothing.
 */
export async function startTokenServer(
  user: string,
  password: string,
): Promise<{ auth: TokenAuth; issued: () => number; stop(): Promise<void> }> {
  const dir = tempDir('mcpkit-token-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'token.key',
      '-out',
      'token.pem',
      '-days',
      '2',
      '-subj',
      '/CN=mcpkit test token issuer',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const key = createPrivateKey(readFileSync(join(dir, 'token.key')));
  const der = new X509Certificate(readFileSync(join(dir, 'token.pem'))).raw.toString('base64');
  const service = 'mcpkit-test-registry';
  const issuer = 'mcpkit-test-issuer';
  let issued = 0;
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const basic = req.headers.authorization?.startsWith('Basic ')
      ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8')
      : undefined;
    if (basic !== undefined && basic !== `${user}:${password}`) {
      res.writeHead(401);
      res.end('{"details":"wrong credentials"}');
      return;
    }
    const access = [];
    const scope = url.searchParams.get('scope');
    if (basic !== undefined && scope) {
      const [type, name, actions] = scope.split(':');
      access.push({ type, name, actions: (actions ?? '').split(',') });
    }
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ typ: 'JWT', alg: 'ES256', x5c: [der] });
    const body = b64({
      iss: issuer,
      sub: basic ? user : '',
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: `t${++issued}`,
      access,
    });
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), {
      key,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${head}.${body}.${sig}`, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    auth: {
      realm: `http://127.0.0.1:${port}/token`,
      service,
      issuer,
      certPath: join(dir, 'token.pem'),
    },
    issued: () => issued,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
