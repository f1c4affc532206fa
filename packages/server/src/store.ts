// The component store: each loaded component is a directory in the data
// directory holding its wasm, its policy, its runtime grants and a meta file
// written last. Everything is written atomically and read back on restart; a
// corrupt or missing file is reported and that component skipped.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import envPaths from 'env-paths';
import { writeFileAtomic } from './atomic.js';

export type ComponentKind = 'module' | 'component';

export interface ComponentMeta {
  readonly id: string;
  /** Where it was loaded from (a path; later a URL or OCI reference). */
  readonly source: string;
  /** SHA-256 of the wasm, hex. */
  readonly digest: string;
  readonly kind: ComponentKind;
  readonly loadedAt: string;
  /** The policy file the component came with, if any (copied into the store). */
  readonly policySource?: string;
  /** A remote source's canonical URI, digest included (`oci://host/repo@sha256:…`). */
  readonly resolved?: string;
  /** An OCI source's manifest digest: what a later load of the same tag uses. */
  readonly manifestDigest?: string;
  /** Why it was trusted when it was loaded. */
  readonly trust?: ComponentOrigin['trust'];
}

/** Where a component came from and why it was trusted. */
export interface ComponentOrigin {
  readonly resolved?: string;
  readonly manifestDigest?: string;
  readonly trust?: {
    readonly rule: string;
    readonly reason: string;
    readonly signer?: { readonly kind: string; readonly id: string; readonly issuer?: string };
    readonly at: string;
  };
}

export interface StoredComponent {
  readonly meta: ComponentMeta;
  readonly dir: string;
  readonly wasmPath: string;
  /** The component's own policy, as text, if it has one. */
  readonly policyText?: string;
  /** Runtime grants, as text, if any were made. */
  readonly grantsText?: string;
  /** A sidecar tool manifest, as text, if it came with one. */
  readonly manifestText?: string;
  /** Doc comments of a component's WIT (JSON object), if it came with a `wit/` directory. */
  readonly docsText?: string;
  /** Set while the component is quarantined: who, when, why (JSON). */
  readonly quarantineText?: string;
  /** An Extism plugin's settings beyond its policy (JSON), if it was given any. */
  readonly pluginText?: string;
}

export interface StoreProblem {
  readonly id: string;
  readonly message: string;
}

const META = 'meta.json';
const WASM = 'component.wasm';
const POLICY = 'policy.yaml';
const GRANTS = 'grants.yaml';
const MANIFEST = 'tools.json';
const DOCS = 'wit-docs.json';
const QUARANTINE = 'quarantine.json';
const PLUGIN = 'plugin.json';

export function defaultDataDir(): string {
  return process.env.MCPKIT_DATA_DIR ?? envPaths('mcpkit', { suffix: '' }).data;
}

/** A component id from where it came from: `…/fs-tool.wasm` -> `fs-tool`. */
export function componentIdFrom(source: string): string {
  const base = basename(source).replace(/\.wasm$/i, '');
  const id = base
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 64);
  return id.length > 0 ? id : 'component';
}

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function isComponentId(id: string): boolean {
  return ID.test(id);
}

export class ComponentStore {
  readonly dir: string;
  readonly #components: string;

  constructor(dataDir: string) {
    this.dir = dataDir;
    this.#components = join(dataDir, 'components');
  }

  /** Create the data directory if needed; a clear error when that is impossible. */
  async init(): Promise<void> {
    try {
      await mkdir(this.#components, { recursive: true, mode: 0o700 });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new Error(
        `cannot use data directory \`${this.dir}\`: ${e.code ?? ''} ${e.message}`.trim(),
      );
    }
  }

  #dirOf(id: string): string {
    if (!isComponentId(id)) throw new Error(`\`${id}\` is not a component id`);
    return join(this.#components, id);
  }

  async put(input: {
    id: string;
    source: string;
    kind: ComponentKind;
    bytes: Uint8Array;
    policyText?: string;
    policySource?: string;
    manifestText?: string;
    docsText?: string;
    pluginText?: string;
    origin?: ComponentOrigin;
  }): Promise<StoredComponent> {
    const dir = this.#dirOf(input.id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // The meta file goes last and marks the directory complete; remove it first
    // so a crash half way leaves an incomplete directory, not a mixed one.
    await rm(join(dir, META), { force: true });
    await writeFileAtomic(join(dir, WASM), input.bytes);
    if (input.policyText !== undefined) await writeFileAtomic(join(dir, POLICY), input.policyText);
    else await rm(join(dir, POLICY), { force: true });
    if (input.manifestText !== undefined)
      await writeFileAtomic(join(dir, MANIFEST), input.manifestText);
    else await rm(join(dir, MANIFEST), { force: true });
    if (input.docsText !== undefined) await writeFileAtomic(join(dir, DOCS), input.docsText);
    else await rm(join(dir, DOCS), { force: true });
    if (input.pluginText !== undefined) await writeFileAtomic(join(dir, PLUGIN), input.pluginText);
    else await rm(join(dir, PLUGIN), { force: true });
    const meta: ComponentMeta = {
      id: input.id,
      source: input.source,
      digest: createHash('sha256').update(input.bytes).digest('hex'),
      kind: input.kind,
      loadedAt: new Date().toISOString(),
      ...(input.policySource ? { policySource: input.policySource } : {}),
      ...(input.origin?.resolved ? { resolved: input.origin.resolved } : {}),
      ...(input.origin?.manifestDigest ? { manifestDigest: input.origin.manifestDigest } : {}),
      ...(input.origin?.trust ? { trust: input.origin.trust } : {}),
    };
    await writeFileAtomic(join(dir, META), `${JSON.stringify(meta, null, 2)}\n`);
    return this.read(input.id);
  }

  async read(id: string): Promise<StoredComponent> {
    const dir = this.#dirOf(id);
    let meta: ComponentMeta;
    try {
      meta = JSON.parse(await readFile(join(dir, META), 'utf8')) as ComponentMeta;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOENT'
          ? `component \`${id}\` is incomplete (no ${META})`
          : `component \`${id}\` has a corrupt ${META}: ${(error as Error).message}`,
      );
    }
    if (meta.id !== id || typeof meta.digest !== 'string' || typeof meta.source !== 'string') {
      throw new Error(`component \`${id}\` has a ${META} that does not describe it`);
    }
    const wasmPath = join(dir, WASM);
    const bytes = await readFile(wasmPath).catch(() => {
      throw new Error(`component \`${id}\` has no ${WASM}`);
    });
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== meta.digest) {
      throw new Error(
        `component \`${id}\`'s wasm does not match its recorded digest (changed on disk?)`,
      );
    }
    const optional = async (name: string) =>
      readFile(join(dir, name), 'utf8').catch(() => undefined);
    const policyText = await optional(POLICY);
    const grantsText = await optional(GRANTS);
    const manifestText = await optional(MANIFEST);
    const docsText = await optional(DOCS);
    const quarantineText = await optional(QUARANTINE);
    const pluginText = await optional(PLUGIN);
    return {
      meta,
      dir,
      wasmPath,
      ...(policyText !== undefined ? { policyText } : {}),
      ...(grantsText !== undefined ? { grantsText } : {}),
      ...(manifestText !== undefined ? { manifestText } : {}),
      ...(docsText !== undefined ? { docsText } : {}),
      ...(quarantineText !== undefined ? { quarantineText } : {}),
      ...(pluginText !== undefined ? { pluginText } : {}),
    };
  }

  /** Every complete component, and a problem for each directory that is not. */
  async list(): Promise<{ components: StoredComponent[]; problems: StoreProblem[] }> {
    const components: StoredComponent[] = [];
    const problems: StoreProblem[] = [];
    let names: string[] = [];
    try {
      names = (await readdir(this.#components)).sort();
    } catch {
      return { components, problems };
    }
    for (const name of names) {
      if (!isComponentId(name)) continue;
      if (
        !(await stat(join(this.#components, name)).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        continue;
      try {
        components.push(await this.read(name));
      } catch (error) {
        problems.push({ id: name, message: (error as Error).message });
      }
    }
    return { components, problems };
  }

  async writeGrants(id: string, text: string | undefined): Promise<void> {
    const path = join(this.#dirOf(id), GRANTS);
    if (text === undefined) await rm(path, { force: true });
    else await writeFileAtomic(path, text);
  }

  async writeQuarantine(id: string, text: string | undefined): Promise<void> {
    const path = join(this.#dirOf(id), QUARANTINE);
    if (text === undefined) await rm(path, { force: true });
    else await writeFileAtomic(path, text);
    // Tells a server running on this store to look again (see quarantineSignal).
    await writeFileAtomic(this.quarantineSignal, `${Date.now()}\n`);
  }

  /** Rewritten whenever a quarantine is set or lifted. */
  get quarantineSignal(): string {
    return join(this.dir, 'quarantine-changed');
  }

  async remove(id: string): Promise<void> {
    await rm(this.#dirOf(id), { recursive: true, force: true });
  }

  async has(id: string): Promise<boolean> {
    return stat(join(this.#dirOf(id), META)).then(
      () => true,
      () => false,
    );
  }
}
