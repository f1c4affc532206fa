// Registry credentials: given by the operator, or from Docker's config file
// (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, `auths` with a
// base64 `user:password` in `auth`). They are held by a class whose only
// outputs are Authorization header values, so they are never printed.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export class RegistryCredential {
  readonly #username: string;
  readonly #password: string;
  readonly from: string;

  constructor(username: string, password: string, from: string) {
    this.#username = username;
    this.#password = password;
    this.from = from;
  }

  basic(): string {
    return `Basic ${Buffer.from(`${this.#username}:${this.#password}`, 'utf8').toString('base64')}`;
  }

  /** An identity token from `docker login` is sent as a refresh token (OAuth2), see token flow. */
  get username(): string {
    return this.#username;
  }

  toJSON(): string {
    return `[credential for ${this.from}]`;
  }

  toString(): string {
    return this.toJSON();
  }
}

/** `user:password` for one registry, from an option. */
export function credentialFromOption(
  text: string,
  from = 'the --registry-auth option',
): RegistryCredential | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return new RegistryCredential(text.slice(0, colon), text.slice(colon + 1), from);
}

function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG
    ? join(env.DOCKER_CONFIG, 'config.json')
    : join(homedir(), '.docker', 'config.json');
}

/** The key Docker uses for a registry: `host[:port]`, Docker Hub under its legacy URL too. */
function keysFor(registry: string): string[] {
  const keys = [
    registry,
    `https://${registry}`,
    `http://${registry}`,
    `https://${registry}/v1/`,
    `https://${registry}/v2/`,
  ];
  if (registry === 'docker.io' || registry === 'registry-1.docker.io')
    keys.push('https://index.docker.io/v1/');
  return keys;
}

/** Credentials for `registry` from Docker's config file; undefined when it has none. */
export async function dockerCredential(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegistryCredential | undefined> {
  const path = dockerConfigPath(env);
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
  const auths = config?.auths;
  if (!auths || typeof auths !== 'object') return undefined;
  for (const key of keysFor(registry)) {
    const entry = auths[key];
    if (!entry || typeof entry !== 'object') continue;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const c = credentialFromOption(decoded, path);
      if (c) return c;
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string')
      return new RegistryCredential(entry.username, entry.password, path);
  }
  return undefined;
}
