// Static bearer tokens. The file keeps only each token's SHA-256 (tokens are
// 256 random bits, so a fast hash is enough: there is nothing to guess), its
// id, role and name; the token itself is shown once, when it is made. The
// server reads the file again when it changes, so a revoked token stops
// working without a restart.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic.js';
import type { Principal } from './principal.js';

export interface TokenRecord {
  readonly id: string;
  /** SHA-256 of the secret part, hex. */
  readonly sha256: string;
  readonly role: string;
  readonly name?: string;
  readonly created: string;
  /** ISO time after which the token is refused. */
  readonly expires?: string;
}

interface TokenFile {
  readonly version: 1;
  readonly tokens: readonly TokenRecord[];
}

const PREFIX = 'mcpk_';
/** `mcpk_<16 hex id>.<43 base64url secret>` */
const TOKEN = /^mcpk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export class TokenFileError extends Error {
  readonly code = 'invalid-token-file';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function parseFile(text: string, file: string): TokenFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TokenFileError(`token file \`${file}\` is not JSON: ${(error as Error).message}`);
  }
  const v = value as Partial<TokenFile>;
  if (v?.version !== 1 || !Array.isArray(v.tokens))
    throw new TokenFileError(
      `token file \`${file}\` is not a token file (expected {"version": 1, "tokens": [...]}); make one with \`mcpkit token create\``,
    );
  v.tokens.forEach((t, i) => {
    if (
      typeof t?.id !== 'string' ||
      !/^[0-9a-f]{16}$/.test(t.id) ||
      typeof t.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(t.sha256) ||
      typeof t.role !== 'string'
    )
      throw new TokenFileError(`token file \`${file}\`: entry ${i} is not a token record`);
  });
  return v as TokenFile;
}

async function readTokens(file: string): Promise<TokenFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, tokens: [] };
    throw error;
  }
  return parseFile(text, file);
}

/** Make a token for `role`, store its hash, and return the token (shown once). */
export async function createToken(
  file: string,
  options: { role: string; name?: string; expiresInMs?: number; now?: number },
): Promise<{ token: string; record: TokenRecord }> {
  const current = await readTokens(file);
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const now = options.now ?? Date.now();
  const record: TokenRecord = {
    id,
    sha256: sha256(secret),
    role: options.role,
    ...(options.name ? { name: options.name } : {}),
    created: new Date(now).toISOString(),
    ...(options.expiresInMs ? { expires: new Date(now + options.expiresInMs).toISOString() } : {}),
  };
  const next: TokenFile = { version: 1, tokens: [...current.tokens, record] };
  await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, 0o600);
  return { token: `${PREFIX}${id}.${secret}`, record };
}

/** The tokens of a file, without their hashes. */
export async function listTokens(file: string): Promise<Omit<TokenRecord, 'sha256'>[]> {
  return (await readTokens(file)).tokens.map(({ sha256: _, ...rest }) => rest);
}

export async function revokeToken(file: string, id: string): Promise<boolean> {
  const current = await readTokens(file);
  const tokens = current.tokens.filter((t) => t.id !== id);
  if (tokens.length === current.tokens.length) return false;
  await writeFileAtomic(file, `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`, 0o600);
  return true;
}

/** Whether a bearer value is one of ours at all (so a JWT is not looked up here). */
export function looksLikeStaticToken(bearer: string): boolean {
  return bearer.startsWith(PREFIX);
}

/** How often the file's modification time is looked at. */
const RECHECK_MS = 1000;

export class TokenVerifier {
  readonly #file: string;
  readonly #roles: ReadonlySet<string>;
  #byId = new Map<string, TokenRecord>();
  #mtimeMs = -1;
  #checkedAt = 0;

  /** Throws TokenFileError when the file is malformed or names a role that does not exist. */
  constructor(file: string, roles: ReadonlySet<string>) {
    this.#file = file;
    this.#roles = roles;
    this.#reload(true);
  }

  #reload(initial: boolean): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.#file).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // No file yet: no tokens. Made later with `mcpkit token create`, it is picked up.
      this.#byId = new Map();
      this.#mtimeMs = -1;
      return;
    }
    if (mtimeMs === this.#mtimeMs) return;
    try {
      const parsed = parseFile(readFileSync(this.#file, 'utf8'), this.#file);
      for (const t of parsed.tokens)
        if (!this.#roles.has(t.role))
          throw new TokenFileError(
            `token file \`${this.#file}\`: token ${t.id} names role \`${t.role}\`, which the server policy does not define`,
          );
      this.#byId = new Map(parsed.tokens.map((t) => [t.id, t]));
      this.#mtimeMs = mtimeMs;
    } catch (error) {
      // At start a bad file is an error; later, the last good tokens stay in force.
      if (initial) throw error;
    }
  }

  /** The principal of a valid token, or why it is not valid. */
  verify(bearer: string, now = Date.now()): Principal | { error: string } {
    if (now - this.#checkedAt >= RECHECK_MS) {
      this.#checkedAt = now;
      this.#reload(false);
    }
    const m = TOKEN.exec(bearer);
    if (!m) return { error: 'the token is not a well-formed mcpkit token' };
    const record = this.#byId.get(m[1]!);
    const given = Buffer.from(sha256(m[2]!), 'hex');
    // Compare even for an unknown id, so timing does not tell ids apart.
    const want = Buffer.from(record?.sha256 ?? '0'.repeat(64), 'hex');
    if (!timingSafeEqual(given, want) || record === undefined)
      return { error: 'the token is not known (revoked, or never made)' };
    const expiresAt = record.expires ? Date.parse(record.expires) : undefined;
    if (expiresAt !== undefined && now >= expiresAt) return { error: 'the token has expired' };
    return {
      id: `token:${record.id}`,
      role: record.role,
      via: 'token',
      ...(record.name ? { name: record.name } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
  }
}
