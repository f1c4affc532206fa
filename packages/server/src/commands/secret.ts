// `mcpkit secret list|set|delete`: a component's secrets, in the store the
// server uses (files in the data directory, or the OS keyring). Values are
// printed only by `list --show-values`.

import { resolve } from 'node:path';
import { quote } from '@mcpkit/wasm-policy';
import { openSecretStore } from '../secret-stores.js';
import { checkSecretKey, SecretError, type SecretStoreKind } from '../secrets.js';
import { defaultDataDir } from '../store.js';

export interface SecretOptions {
  dataDir?: string;
  secretStore?: SecretStoreKind;
}

function storeOf(o: SecretOptions) {
  const kind =
    o.secretStore ?? (process.env.MCPKIT_SECRET_STORE === 'keyring' ? 'keyring' : 'file');
  return openSecretStore(kind, resolve(o.dataDir ?? defaultDataDir()));
}

export async function listSecrets(
  o: SecretOptions,
  id: string,
  showValues = false,
): Promise<{ component: string; store: string; keys: string[]; values?: Record<string, string> }> {
  const store = storeOf(o);
  const keys = await store.keys(id);
  return {
    component: id,
    store: store.location,
    keys,
    ...(showValues ? { values: await store.values(id) } : {}),
  };
}

/** `KEY=VALUE` pairs; a bare `KEY` takes `stdinValue` (the one key allowed so). */
export function parseAssignments(
  items: readonly string[],
  stdinValue: () => string | undefined,
): Array<[string, string]> {
  if (items.length === 0)
    throw new SecretError('give at least one KEY=VALUE (or one KEY, with the value on stdin)');
  const bare = items.filter((i) => !i.includes('='));
  if (bare.length > 1 || (bare.length === 1 && items.length > 1))
    throw new SecretError(
      'only a single KEY may take its value from stdin; give the others as KEY=VALUE',
    );
  return items.map((item) => {
    const at = item.indexOf('=');
    const key = at < 0 ? item : item.slice(0, at);
    checkSecretKey(key);
    if (at >= 0) return [key, item.slice(at + 1)];
    const value = stdinValue();
    if (value === undefined)
      throw new SecretError(
        `no value for ${quote(key)}: write KEY=VALUE, or pipe the value on stdin (which keeps it out of your shell's history)`,
      );
    return [key, value];
  });
}

export async function setSecrets(
  o: SecretOptions,
  id: string,
  assignments: ReadonlyArray<[string, string]>,
): Promise<{ component: string; store: string; keys: string[] }> {
  const store = storeOf(o);
  for (const [key, value] of assignments) await store.set(id, key, value);
  return { component: id, store: store.location, keys: assignments.map(([k]) => k) };
}

export async function deleteSecrets(
  o: SecretOptions,
  id: string,
  keys: readonly string[],
): Promise<{ component: string; deleted: string[]; missing: string[] }> {
  const store = storeOf(o);
  const deleted: string[] = [];
  const missing: string[] = [];
  for (const key of keys) ((await store.delete(id, key)) ? deleted : missing).push(key);
  return { component: id, deleted, missing };
}
