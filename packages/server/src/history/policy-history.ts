// Every change to a component's runtime grants or policy, kept in
// `<data dir>/history/`: one hash-chained JSON-lines file per component (who,
// when, what, digests of the text before and after), the texts themselves in
// `blobs/`. A record is one write(2) of a whole line after its texts are
// stored, so a crash leaves at most a torn last line, dropped at the next
// record.

import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GENESIS, isLineProblem, LineMac, openLine, sealLine } from '../audit/chain.js';
import { type AuditClient, isAuditClient } from '../audit/entry.js';
import { HeadWriter, headPath } from '../audit/head.js';
import { readLines, tailOf } from '../audit/lines.js';
import { isComponentId } from '../store.js';
import { BlobStore } from './blobs.js';
import { HistoryError } from './errors.js';
import { type HistoryReport, verifyHistory } from './history-verify.js';

export type HistoryKind = 'grants' | 'policy';

export interface HistoryChange {
  readonly component: string;
  readonly kind: HistoryKind;
  readonly by: AuditClient;
  /** `grant`, `revoke`, `reset`, `load`, `approve`, `rollback`... */
  readonly action: string;
  /** The text before the change; absent when there was none. */
  readonly before?: string;
  /** The text after it; absent when there is none (grants reset, component unloaded). */
  readonly after?: string;
  /** Why, in a few words (`to version 3`). */
  readonly reason?: string;
}

export interface HistoryEntry {
  readonly component: string;
  readonly version: number;
  readonly time: string;
  readonly kind: HistoryKind;
  readonly by: AuditClient;
  readonly action: string;
  readonly reason?: string;
  /** `sha256:<hex>` of the text before; absent when there was none. */
  readonly before?: string;
  readonly after?: string;
}

const MAX_TEXT = 4 << 20;

function invalid(message: string): never {
  throw new HistoryError('history-invalid', `policy history: ${message}`);
}

/** A history record's fields as an entry, or undefined when they do not make one. */
export function entryOf(fields: Readonly<Record<string, unknown>>): HistoryEntry | undefined {
  const f = fields as Partial<Record<keyof HistoryEntry, unknown>>;
  const by = f.by;
  if (
    typeof f.component !== 'string' ||
    !Number.isSafeInteger(f.version) ||
    typeof f.time !== 'string' ||
    (f.kind !== 'grants' && f.kind !== 'policy') ||
    typeof f.action !== 'string' ||
    !isAuditClient(by)
  )
    return undefined;
  return {
    component: f.component,
    version: f.version as number,
    time: f.time,
    kind: f.kind,
    by: { id: by.id, role: by.role, via: by.via },
    action: f.action,
    ...(typeof f.reason === 'string' ? { reason: f.reason } : {}),
    ...(typeof f.before === 'string' ? { before: f.before } : {}),
    ...(typeof f.after === 'string' ? { after: f.after } : {}),
  };
}

export class PolicyHistory {
  readonly dir: string;
  readonly #blobs: BlobStore;
  readonly #mac: LineMac | undefined;
  /** Records of this instance go one at a time, so versions follow each other. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, options: { key?: Uint8Array } = {}) {
    this.dir = join(dataDir, 'history');
    this.#blobs = new BlobStore(join(this.dir, 'blobs'));
    this.#mac = options.key ? new LineMac(options.key) : undefined;
  }

  /** The file holding `component`'s chain. */
  fileOf(component: string): string {
    if (!isComponentId(component)) invalid(`\`${component}\` is not a component id`);
    return join(this.dir, `${component}.jsonl`);
  }

  get blobs(): BlobStore {
    return this.#blobs;
  }

  get mac(): LineMac | undefined {
    return this.#mac;
  }

  /** Keep one change; its version (1 for a component's first). */
  record(change: HistoryChange): Promise<{ version: number }> {
    const run = this.#queue.then(() => this.#record(change));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #record(change: HistoryChange): Promise<{ version: number }> {
    const file = this.fileOf(change.component);
    if (change.kind !== 'grants' && change.kind !== 'policy')
      invalid('`kind` must be `grants` or `policy`');
    const by = change.by;
    if (!isAuditClient(by))
      invalid('`by` needs `id`, `role` and `via` (stdio, token, oauth or anonymous)');
    if (typeof change.action !== 'string' || change.action.length === 0)
      invalid('`action` must be a non-empty string');
    for (const t of [change.before, change.after])
      if (t !== undefined && (typeof t !== 'string' || t.length > MAX_TEXT))
        invalid(`\`before\` and \`after\` must be texts of at most ${MAX_TEXT} characters`);
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const before = change.before !== undefined ? await this.#blobs.put(change.before) : undefined;
      const after = change.after !== undefined ? await this.#blobs.put(change.after) : undefined;
      const fd = openSync(file, 'a+', 0o600);
      try {
        const { version, prev } = this.#continue(file, fd);
        const fields = {
          version,
          time: new Date().toISOString(),
          component: change.component,
          kind: change.kind,
          by: { id: by.id, role: by.role, via: by.via },
          action: change.action,
          ...(change.reason !== undefined ? { reason: String(change.reason) } : {}),
          ...(before ? { before } : {}),
          ...(after ? { after } : {}),
        };
        const sealed = sealLine(fields, prev, this.#mac);
        const bytes = Buffer.from(`${sealed.line}\n`);
        let done = 0;
        while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
        // The head names the last version, so a cut end shows.
        const head = new HeadWriter(headPath(file));
        try {
          head.write(version, sealed.hash, sealed.hmac);
        } finally {
          head.close();
        }
        return { version };
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if (e instanceof HistoryError) throw e;
      throw new HistoryError(
        'history-unavailable',
        `cannot record the change to \`${change.component}\` in \`${this.dir}\`: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /** The next version and the hash it follows; a torn last line is dropped first. */
  #continue(file: string, fd: number): { version: number; prev: string } {
    const tail = tailOf(fd);
    if (tail.tornBytes > 0) ftruncateSync(fd, tail.size - tail.tornBytes);
    if (tail.last === undefined) {
      if (tail.tooLong) corrupt(file, 'it ends with a line too long to be a record');
      return { version: 1, prev: GENESIS };
    }
    const r = openLine(tail.last);
    const version = isLineProblem(r) ? undefined : r.fields.version;
    if (isLineProblem(r) || !Number.isSafeInteger(version))
      corrupt(file, 'its last line is not a history record');
    return { version: (version as number) + 1, prev: r.hash };
  }

  /** Entries of one component, or of all, oldest first. Unreadable lines are left to `verify`. */
  async list(component?: string): Promise<HistoryEntry[]> {
    const files = component !== undefined ? [this.fileOf(component)] : await this.#files();
    const entries: HistoryEntry[] = [];
    for (const file of files) {
      try {
        for (const line of readLines(file)) {
          if (!line.complete) continue;
          const r = openLine(line.text);
          if (isLineProblem(r)) continue;
          const e = entryOf(r.fields);
          if (e) entries.push(e);
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    if (component === undefined)
      entries.sort((a, b) =>
        a.time < b.time ? -1 : a.time > b.time ? 1 : a.component.localeCompare(b.component),
      );
    return entries;
  }

  /** One version with its texts, each checked against its digest. */
  async get(
    component: string,
    version: number,
  ): Promise<HistoryEntry & { before?: string; after?: string }> {
    const entries = await this.list(component);
    const e = entries.find((x) => x.version === version);
    if (!e) {
      const span = entries.length
        ? `it has versions ${entries[0]!.version}–${entries.at(-1)!.version}`
        : 'it has no history';
      throw new HistoryError(
        'history-not-found',
        `no version ${version} in the history of \`${component}\` (${span})`,
      );
    }
    const text = async (digest: string | undefined) => {
      if (digest === undefined) return undefined;
      const got = await this.#blobs.get(digest);
      if ('problem' in got)
        throw new HistoryError(
          'history-corrupt',
          `version ${version} of \`${component}\`: ${got.problem}`,
        );
      return got.text;
    };
    const before = await text(e.before);
    const after = await text(e.after);
    return {
      ...e,
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
    };
  }

  /** Check every component's chain, texts and head; or one component's. */
  verify(component?: string): Promise<HistoryReport> {
    return verifyHistory(this, component);
  }

  /** The components that have a history. */
  async components(): Promise<string[]> {
    return (await this.#files()).map((f) => f.slice(this.dir.length + 1, -'.jsonl'.length));
  }

  async #files(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.jsonl') && isComponentId(n.slice(0, -6)))
      .sort()
      .map((n) => join(this.dir, n));
  }
}

function corrupt(file: string, what: string): never {
  throw new HistoryError(
    'history-corrupt',
    `the history \`${file}\` cannot be continued: ${what}. Run \`mcpkit policy history --verify\` to see where`,
  );
}
