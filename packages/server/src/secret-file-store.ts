// Secrets in files, one per component: `<data dir>/secrets/<id>.yaml`, a
// flat map of keys to text values as Wassette keeps them, readable by the
// owner alone (mode 0600 in a 0700 directory) and always written whole, with
// write-then-rename. A file others may read is refused rather than used.

import { type FSWatcher, watch } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from '@mcpkit/wasm-policy';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from './atomic.js';
import {
  checkComponentId,
  checkSecretKey,
  checkSecretValue,
  SecretError,
  type SecretStore,
} from './secrets.js';

export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly location: string;

  constructor(dir: string) {
    this.location = dir;
  }

  #file(id: string): string {
    checkComponentId(id);
    return join(this.location, `${id}.yaml`);
  }

  async #read(id: string): Promise<Record<string, string>> {
    const file = this.#file(id);
    let mode: number;
    try {
      mode = (await stat(file)).mode;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new SecretError(`cannot read the secrets of ${quote(id)}: ${(error as Error).message}`);
    }
    if ((mode & 0o077) !== 0)
      throw new SecretError(
        `the secrets file ${quote(file)} may be read by others (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${file}\` so that only you can`,
      );
    let data: unknown;
    try {
      data = parse(await readFile(file, 'utf8'));
    } catch {
      // The parser's message may quote the file's text, and so a value.
      throw new SecretError(`the secrets file ${quote(file)} is not valid YAML`);
    }
    if (data === null || data === undefined) return {};
    if (typeof data !== 'object' || Array.isArray(data))
      throw new SecretError(`the secrets file ${quote(file)} must be a map of keys to values`);
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      checkSecretKey(key);
      // Wassette writes numbers and booleans unquoted at times; they are text to a guest.
      const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
      checkSecretValue(key, text);
      out[key] = text;
    }
    return out;
  }

  async #write(id: string, secrets: Record<string, string>): Promise<void> {
    const file = this.#file(id);
    if (Object.keys(secrets).length === 0) {
      await rm(file, { force: true });
      return;
    }
    await mkdir(this.location, { recursive: true, mode: 0o700 });
    await chmod(this.location, 0o700);
    const sorted = Object.fromEntries(Object.entries(secrets).sort(([a], [b]) => (a < b ? -1 : 1)));
    await writeFileAtomic(file, stringify(sorted, { lineWidth: 0 }), 0o600);
  }

  async keys(id: string): Promise<string[]> {
    return Object.keys(await this.#read(id)).sort();
  }

  values(id: string): Promise<Record<string, string>> {
    return this.#read(id);
  }

  async set(id: string, key: string, value: string): Promise<void> {
    checkSecretKey(key);
    checkSecretValue(key, value);
    const secrets = await this.#read(id);
    secrets[key] = value;
    await this.#write(id, secrets);
  }

  async delete(id: string, key: string): Promise<boolean> {
    checkSecretKey(key);
    const secrets = await this.#read(id);
    if (!Object.hasOwn(secrets, key)) return false;
    delete secrets[key];
    await this.#write(id, secrets);
    return true;
  }

  watch(listener: (componentId: string) => void): () => void {
    let watcher: FSWatcher | undefined;
    const timers = new Map<string, NodeJS.Timeout>();
    const start = async () => {
      await mkdir(this.location, { recursive: true, mode: 0o700 });
      watcher = watch(this.location, (_event, name) => {
        const m = /^([a-z0-9][a-z0-9_-]{0,63})\.yaml$/.exec(String(name ?? ''));
        if (!m) return;
        const id = m[1]!;
        // One change is several events (temporary file, rename): tell once.
        clearTimeout(timers.get(id));
        timers.set(
          id,
          setTimeout(() => {
            timers.delete(id);
            listener(id);
          }, 50),
        );
      });
      watcher.on('error', () => watcher?.close());
    };
    const started = start().catch(() => {});
    return () => {
      void started.then(() => watcher?.close());
      for (const t of timers.values()) clearTimeout(t);
    };
  }
}
