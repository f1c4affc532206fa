// Loading, keeping and changing components: from a path into the store,
// from the store into a running guest under its effective policy, and the
// runtime grants that change what a component may do.

import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  binaryKind,
  type EgressOptions,
  isExtismPlugin,
  NotWasmError,
  type ViolationListener,
  type WorkerPool,
} from '@mcpkit/sandbox';
import {
  type CeilingViolation,
  type ExtensionRegistry,
  emptyPolicy,
  intersectPolicy,
  mergePolicies,
  outsideCeiling,
  type PolicyDocument,
  quote,
  readPolicy,
} from '@mcpkit/wasm-policy';
import type { AuditClient } from './audit/index.js';
import { CommandGuest } from './command-guest.js';
import { ComponentGuest } from './component-guest.js';
import type { Guest } from './guest.js';
import { type PolicyHistory, rollbackGrants } from './history/index.js';
import { type Manifest, manifestFromSections, parseManifest } from './manifest.js';
import { PluginGuest } from './plugin-guest.js';
import { effectivePolicy, parsePolicy, policyText, SERVER_ONLY_SECTIONS } from './policies.js';
import type { SecretStore } from './secrets.js';
import type { Progress } from './sources/artifact.js';
import { SourceError } from './sources/source-error.js';
import { SourceLoader, TrustRefusedError } from './sources/source-loader.js';
import type { SourceRef } from './sources/source-ref.js';
import {
  type ComponentMeta,
  type ComponentOrigin,
  type ComponentStore,
  componentIdFrom,
  type StoredComponent,
  type StoreProblem,
} from './store.js';
import { type WitDocs, witDocsFromDir } from './wit-docs.js';

/** A component ready to serve. */
export interface LoadedComponent {
  readonly meta: ComponentMeta;
  /** Its own policy (from its policy file; empty when it came with none). */
  readonly policy: PolicyDocument;
  /** Runtime grants made to it, as stored (suspended ones included). */
  readonly grants: PolicyDocument | undefined;
  /**
   * Stored grants the server's ceiling no longer covers (it was narrowed
   * since they were made): kept, but not in force until the ceiling covers them again.
   */
  readonly suspended: readonly CeilingViolation[];
  /** What it runs under: policy + grants in force + the server's denies and limits. */
  readonly effective: PolicyDocument;
  readonly guest: Guest;
  /** Set while it is quarantined: kept, but nothing of it may be called. */
  readonly quarantine?: QuarantineRecord;
}

export interface QuarantineRecord {
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

/** What decides how far a grant may reach, beyond the server's ceiling (a client's role). */
export interface GrantBound {
  readonly name: string;
  /** Undefined: no bound beyond the server's ceiling. */
  readonly policy: PolicyDocument | undefined;
  readonly everything: boolean;
}

export interface ComponentManagerOptions {
  store: ComponentStore;
  registry: ExtensionRegistry;
  serverPolicy: PolicyDocument;
  pool?: WorkerPool;
  /** The environment guests may be given (filtered by each policy). */
  env?: Readonly<Record<string, string>>;
  onViolation?: ViolationListener;
  /** Egress settings for components' HTTP requests (resolver, caps, timeout) beyond the policy. */
  egress?: Omit<EgressOptions, 'policy' | 'component' | 'onViolation'>;
  /** Where transpiled components are kept; default `<data dir>/cache/components`. */
  cacheDir?: string;
  /** Things worth telling the operator, such as exports that are not offered as tools. */
  notice?: (component: string, message: string) => void;
  /** Each component's secrets, handed to its guest as environment variables its policy allows. */
  secrets?: SecretStore;
  /** Where every change to a component's policy or grants is kept. */
  history?: PolicyHistory;
  /** Fetching and trusting sources; default: one over the store's data directory. */
  sources?: SourceLoader;
}

/** What an Extism plugin is given beyond its policy, kept with it. */
export interface PluginSettings {
  /** Tools not to offer (regular expressions over whole names). */
  readonly skipTools?: readonly string[];
}

function pluginSettingsOf(text: string | undefined): PluginSettings {
  if (text === undefined) return {};
  const v = JSON.parse(text) as { skipTools?: unknown };
  return Array.isArray(v.skipTools) ? { skipTools: v.skipTools.map(String) } : {};
}

/** Who made a change when no one else is named: the local operator. */
export const OPERATOR_CLIENT: AuditClient = Object.freeze({
  id: 'operator',
  role: 'operator',
  via: 'stdio',
});

export class LoadError extends Error {
  readonly code = 'load-failed';
}

/** The name a remote component is known by: the repository's or URL's last segment. */
function remoteName(ref: SourceRef): string {
  if (ref.kind === 'oci') return ref.repository.split('/').pop() ?? ref.repository;
  if (ref.kind === 'https')
    return new URL(ref.url).pathname.split('/').pop() || new URL(ref.url).hostname;
  return ref.path;
}

export function isRemoteSource(source: string): boolean {
  return /^(https|oci):\/\//.test(source);
}

const POLICY_NAMES = (wasm: string) => {
  const stem = basename(wasm, extname(wasm));
  return [
    `${stem}.policy.yaml`,
    `${stem}.policy.yml`,
    `${stem}.policy.json`,
    'policy.yaml',
    'policy.yml',
    'policy.json',
  ];
};

function quarantineOf(text: string | undefined): QuarantineRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<QuarantineRecord>;
    return {
      by: String(r.by ?? 'unknown'),
      at: String(r.at ?? ''),
      ...(r.reason ? { reason: String(r.reason) } : {}),
    };
  } catch {
    // A damaged record still means quarantined: fail closed.
    return { by: 'unknown', at: '', reason: 'the quarantine record is damaged' };
  }
}

function docsFrom(text: string | undefined): WitDocs {
  if (text === undefined) return new Map();
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    return new Map(
      Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return new Map();
  }
}

/** The module imports the Extism kernel. */
async function isPlugin(bytes: Uint8Array): Promise<boolean> {
  try {
    return isExtismPlugin(
      WebAssembly.Module.imports(await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>)),
    );
  } catch {
    // Not valid: the module loader says why.
    return false;
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export class ComponentManager {
  readonly #o: ComponentManagerOptions;
  #serverPolicy: PolicyDocument;
  readonly #loaded = new Map<string, LoadedComponent>();
  readonly #listeners = new Set<() => void>();
  /** The last change queued per component (see #exclusive). */
  readonly #locks = new Map<string, Promise<void>>();

  readonly #sources: SourceLoader;

  constructor(options: ComponentManagerOptions) {
    this.#o = options;
    this.#serverPolicy = options.serverPolicy;
    this.#sources = options.sources ?? new SourceLoader({ dataDir: options.store.dir });
  }

  get sources(): SourceLoader {
    return this.#sources;
  }

  get serverPolicy(): PolicyDocument {
    return this.#serverPolicy;
  }

  /**
   * Serve under another server policy from now on. Every component is made
   * anew under it, so each stored grant is checked against the new ceiling:
   * one it no longer covers is suspended, one it covers again is back in force.
   */
  async setServerPolicy(policy: PolicyDocument): Promise<StoreProblem[]> {
    this.#serverPolicy = policy;
    const problems: StoreProblem[] = [];
    for (const id of [...this.#loaded.keys()]) {
      try {
        await this.#activate(await this.#o.store.read(id));
      } catch (error) {
        this.#loaded.delete(id);
        problems.push({ id, message: (error as Error).message });
      }
    }
    this.#changed();
    return problems;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }

  get(id: string): LoadedComponent | undefined {
    return this.#loaded.get(id);
  }

  list(): LoadedComponent[] {
    return [...this.#loaded.values()];
  }

  /** Bring every stored component back; the ones that fail are reported, the rest serve. */
  async restore(): Promise<StoreProblem[]> {
    const { components, problems } = await this.#o.store.list();
    const out = [...problems];
    for (const stored of components) {
      try {
        await this.#activate(stored);
      } catch (error) {
        out.push({ id: stored.meta.id, message: (error as Error).message });
      }
    }
    if (components.length > 0) this.#changed();
    return out;
  }

  /**
   * Load a component from a local path: its policy file (`<name>.policy.yaml`
   * or `policy.yaml` beside it, or `policyPath`) and, for a core module, its
   * tool manifest (embedded, or `<name>.tools.json` beside it).
   */
  async load(
    source: string,
    options: {
      policyPath?: string;
      /** The policy itself, instead of one beside the component or at `policyPath`. */
      policy?: { readonly text: string; readonly source: string };
      /** An Extism plugin's settings (hyper-mcp's `skip_tools`), kept with it. */
      plugin?: PluginSettings;
      id?: string;
      by?: AuditClient;
      /** The operator's own load (serve --component, the CLI): trusted as the operator's. */
      operator?: boolean;
      onProgress?: Progress;
    } = {},
  ): Promise<LoadedComponent> {
    const sources = this.#sources;
    let ref: SourceRef;
    try {
      ref = sources.parse(source);
    } catch (error) {
      throw new LoadError((error as SourceError).full);
    }
    // A tag is resolved once: loading the same tag again uses the digest it
    // resolved to then, so a tag moved in the registry cannot swap the code.
    if (ref.kind === 'oci' && ref.digest === undefined) {
      const earlier = this.list().find((c) => c.meta.source === ref.uri && c.meta.manifestDigest);
      if (earlier?.meta.manifestDigest) ref = { ...ref, digest: earlier.meta.manifestDigest };
    }
    const { artifact, decision } = await sources
      .load(ref, options.operator ?? false, options.onProgress)
      .catch((error: unknown) => {
        if (error instanceof SourceError) throw new LoadError(error.full, { cause: error });
        if (error instanceof TrustRefusedError)
          throw new LoadError(`${error.message}; ${error.help}`, { cause: error });
        throw error;
      });
    const path = artifact.ref.kind === 'file' ? (artifact.evidence.localPath ?? ref.uri) : ref.uri;
    const remote = artifact.ref.kind !== 'file';
    const bytes = artifact.bytes;
    const kind = binaryKind(bytes);
    if (kind === 'not-wasm') throw new LoadError(new NotWasmError(quote(path)).message);
    const id = options.id ?? componentIdFrom(remote ? remoteName(artifact.ref) : path);
    const given = options.policyPath !== undefined || options.policy !== undefined;
    let policyText: string | undefined =
      options.policy?.text ?? (given ? undefined : artifact.policyText);
    let policySource: string | undefined =
      options.policy?.source ?? (given ? undefined : artifact.policySource);
    const candidates = options.policy
      ? []
      : options.policyPath
        ? [resolve(options.policyPath)]
        : remote
          ? []
          : POLICY_NAMES(path).map((n) => join(dirname(path), n));
    for (const candidate of candidates) {
      policyText = await readIfExists(candidate);
      if (policyText !== undefined) {
        policySource = candidate;
        break;
      }
    }
    if (options.policyPath && policyText === undefined)
      throw new LoadError(`cannot read policy file ${quote(options.policyPath)}`);
    const manifestText = remote
      ? artifact.manifestText
      : kind === 'module'
        ? await readIfExists(join(dirname(path), `${basename(path, extname(path))}.tools.json`))
        : undefined;
    // A component's WIT doc comments, from the `wit/` directory it was built from.
    const docs =
      kind === 'component' && !remote ? witDocsFromDir(join(dirname(path), 'wit')) : undefined;
    // Check everything before anything is stored: a bad component leaves the store as it was.
    if (policyText !== undefined) {
      const doc = parsePolicy(policyText, policySource ?? 'the policy', this.#o.registry);
      const misplaced = SERVER_ONLY_SECTIONS.filter((k) => doc.extensions[k] !== undefined);
      if (misplaced.length > 0)
        throw new LoadError(
          `the policy of ${quote(id)} has ${misplaced.map((k) => `\`${k}\``).join(' and ')}, which only the server's own policies may have (who may connect is the operator's to say, not a component's)`,
        );
    }
    return this.#exclusive(id, () =>
      this.#store(id, {
        path,
        kind,
        bytes,
        ...(policyText !== undefined ? { policyText } : {}),
        ...(policySource ? { policySource } : {}),
        ...(manifestText !== undefined ? { manifestText } : {}),
        ...(docs && docs.size > 0 ? { docsText: JSON.stringify(Object.fromEntries(docs)) } : {}),
        ...(options.plugin ? { pluginText: `${JSON.stringify(options.plugin)}\n` } : {}),
        ...(options.by ? { by: options.by } : {}),
        origin: {
          ...(remote ? { resolved: artifact.evidence.source } : {}),
          ...(artifact.evidence.manifestDigest
            ? { manifestDigest: artifact.evidence.manifestDigest }
            : {}),
          trust: {
            rule: decision.rule,
            reason: decision.reason,
            ...(decision.signer ? { signer: decision.signer } : {}),
            at: new Date().toISOString(),
          },
        },
      }),
    );
  }

  async #store(
    id: string,
    input: {
      path: string;
      kind: 'module' | 'component';
      bytes: Uint8Array;
      policyText?: string;
      policySource?: string;
      manifestText?: string;
      docsText?: string;
      pluginText?: string;
      by?: AuditClient;
      origin?: ComponentOrigin;
    },
  ): Promise<LoadedComponent> {
    const { path, kind, bytes, policyText, policySource, manifestText, docsText, pluginText } =
      input;
    const before = (await this.#o.store.has(id))
      ? (await this.#o.store.read(id).catch(() => undefined))?.policyText
      : undefined;
    const stored = await this.#o.store.put({
      id,
      source: path,
      kind,
      bytes,
      ...(policyText !== undefined ? { policyText } : {}),
      ...(policySource ? { policySource } : {}),
      ...(manifestText !== undefined ? { manifestText } : {}),
      ...(docsText !== undefined ? { docsText } : {}),
      ...(pluginText !== undefined ? { pluginText } : {}),
      ...(input.origin ? { origin: input.origin } : {}),
    });
    let loaded: LoadedComponent;
    try {
      loaded = await this.#activate(stored);
    } catch (error) {
      await this.#o.store.remove(id);
      this.#loaded.delete(id);
      throw error;
    }
    if (before !== policyText)
      await this.#history(id, 'policy', 'load', input.by, before, policyText);
    this.#changed();
    return loaded;
  }

  async #history(
    component: string,
    kind: 'grants' | 'policy',
    action: string,
    by: AuditClient | undefined,
    before: string | undefined,
    after: string | undefined,
  ): Promise<void> {
    await this.#o.history?.record({
      component,
      kind,
      action,
      by: by ?? OPERATOR_CLIENT,
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
    });
  }

  async unload(id: string, by?: AuditClient): Promise<void> {
    return this.#exclusive(id, async () => {
      if (!this.#loaded.has(id) && !(await this.#o.store.has(id)))
        throw new LoadError(`no component ${quote(id)} is loaded`);
      const stored = await this.#o.store.read(id).catch(() => undefined);
      this.#loaded.delete(id);
      await this.#o.store.remove(id);
      if (stored?.policyText !== undefined)
        await this.#history(id, 'policy', 'unload', by, stored.policyText, undefined);
      this.#changed();
    });
  }

  async #activate(stored: StoredComponent): Promise<LoadedComponent> {
    const { registry } = this.#o;
    const id = stored.meta.id;
    // Relative `fs://` URIs resolve against the component's directory, as
    // Wassette resolves them: the directory it was loaded from.
    // A remote component has no directory of its own but the store's.
    const baseDir = isRemoteSource(stored.meta.source) ? stored.dir : dirname(stored.meta.source);
    const policy =
      stored.policyText !== undefined
        ? parsePolicy(
            stored.policyText,
            stored.meta.policySource ?? `${id}/policy.yaml`,
            registry,
            baseDir,
          )
        : emptyPolicy(`no policy: ${id} may touch nothing`);
    const grants =
      stored.grantsText !== undefined
        ? parsePolicy(stored.grantsText, `${id}/grants.yaml`, registry, baseDir)
        : undefined;
    // Grants were checked against the ceiling when made; the ceiling may have
    // been narrowed since (another --allow-dir, another server policy).
    const suspended = grants ? outsideCeiling(grants, this.#serverPolicy, registry) : [];
    const inForce =
      grants && suspended.length > 0
        ? intersectPolicy(grants, this.#serverPolicy, registry)
        : grants;
    if (suspended.length > 0)
      this.#o.notice?.(
        id,
        `runtime grants suspended, beyond what the server now allows: ${suspended.map((v) => v.message).join('; ')}. They stay stored and apply again once the server's ceiling (its policy, --allow-dir, --allow-host) covers them; revoke-* or reset-permission removes them.`,
      );
    const effective = effectivePolicy(policy, inForce, this.#serverPolicy, registry);
    const env = await this.#envOf(id);
    const bytes = await readFile(stored.wasmPath);
    let guest: Guest;
    if (stored.meta.kind === 'component') {
      guest = await this.#componentGuest(id, bytes, effective, stored, env).catch(
        (error: Error) => {
          throw new LoadError(error.message);
        },
      );
    } else if (await isPlugin(bytes)) {
      const settings = pluginSettingsOf(stored.pluginText);
      guest = await PluginGuest.create({
        id,
        name: basename(stored.meta.source),
        bytes,
        policy: effective,
        ...(this.#o.pool ? { pool: this.#o.pool } : {}),
        env,
        // A plugin's config is its environment: hyper-mcp gives its env_vars as config.
        config: env,
        ...(settings.skipTools ? { skipTools: settings.skipTools } : {}),
        ...(this.#o.onViolation ? { onViolation: this.#o.onViolation } : {}),
        ...(this.#o.egress ? { egress: this.#o.egress } : {}),
      }).catch((error: Error) => {
        throw new LoadError(error.message);
      });
    } else {
      const manifest = await this.#manifest(id, bytes, stored.manifestText);
      guest = await CommandGuest.create({
        id,
        name: basename(stored.meta.source),
        bytes,
        policy: effective,
        manifest,
        ...(this.#o.pool ? { pool: this.#o.pool } : {}),
        env,
        ...(this.#o.onViolation ? { onViolation: this.#o.onViolation } : {}),
      });
    }
    const quarantine = quarantineOf(stored.quarantineText);
    const loaded: LoadedComponent = {
      meta: stored.meta,
      policy,
      grants,
      suspended,
      effective,
      guest,
      ...(quarantine ? { quarantine } : {}),
    };
    this.#loaded.set(id, loaded);
    return loaded;
  }

  /**
   * The environment a component's guest may be given (its policy filters it):
   * the server's, with the component's secrets over it. Secrets that cannot be
   * read are left out (said in the log), never guessed.
   */
  async #envOf(id: string): Promise<Record<string, string>> {
    let secrets: Record<string, string> = {};
    if (this.#o.secrets) {
      try {
        secrets = await this.#o.secrets.values(id);
      } catch (error) {
        this.#o.notice?.(id, `its secrets are left out: ${(error as Error).message}`);
      }
    }
    return { ...this.#o.env, ...secrets };
  }

  /** Make a component anew from the store (its secrets changed, say). */
  async refresh(id: string): Promise<LoadedComponent> {
    return this.#exclusive(id, async () => {
      this.#require(id);
      const loaded = await this.#activate(await this.#o.store.read(id));
      this.#changed();
      return loaded;
    });
  }

  #componentGuest(
    id: string,
    bytes: Uint8Array,
    policy: PolicyDocument,
    stored: StoredComponent,
    env: Readonly<Record<string, string>>,
  ): Promise<ComponentGuest> {
    return ComponentGuest.create({
      id,
      name: basename(stored.meta.source),
      bytes,
      policy,
      docs: docsFrom(stored.docsText),
      cacheDir: this.#o.cacheDir ?? join(this.#o.store.dir, 'cache', 'components'),
      ...(this.#o.pool ? { pool: this.#o.pool } : {}),
      env,
      ...(this.#o.onViolation ? { onViolation: this.#o.onViolation } : {}),
      ...(this.#o.egress ? { egress: this.#o.egress } : {}),
      onSkipped: (fn, reason) =>
        this.#o.notice?.(id, `\`${fn}\` is not offered as a tool: ${reason}`),
    });
  }

  async #manifest(id: string, bytes: Uint8Array, sidecar: string | undefined): Promise<Manifest> {
    const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>).catch((e: Error) => {
      throw new LoadError(`component ${quote(id)} is not valid WebAssembly: ${e.message}`);
    });
    const embedded = manifestFromSections(WebAssembly.Module.customSections(module, 'mcp:tools'));
    const result = embedded ?? (sidecar !== undefined ? parseManifest(sidecar) : undefined);
    if (!result) {
      throw new LoadError(
        `component ${quote(id)} has no tool manifest: embed one with \`mcpkit component embed-manifest\` or put \`<name>.tools.json\` beside the .wasm`,
      );
    }
    if (!result.ok)
      throw new LoadError(
        `the tool manifest of ${quote(id)} is invalid:\n  ${result.problems.join('\n  ')}`,
      );
    return result.manifest;
  }

  // -- runtime grants -------------------------------------------------------

  /**
   * Add `fragment` (allow rules) to a component's grants after checking it
   * against the server's ceiling; persisted before it takes effect.
   */
  async grant(
    id: string,
    fragment: Record<string, unknown>,
    bound?: GrantBound,
    by?: AuditClient,
  ): Promise<LoadedComponent> {
    return this.#exclusive(id, async () => {
      const c = this.#require(id);
      const document = this.prepareGrant(id, fragment, bound);
      const base = c.grants ?? emptyPolicy(`runtime grants for ${id}`);
      const merged = mergePolicies(base, document, this.#o.registry);
      return this.#setGrants(
        id,
        { ...merged, description: `runtime grants for ${id}` },
        'grant',
        by,
      );
    });
  }

  /**
   * What `grant(id, fragment, bound)` would add, parsed and checked against
   * the ceiling and the role's bound; throws LoadError saying why it would be
   * refused. Nothing changes.
   */
  prepareGrant(id: string, fragment: Record<string, unknown>, bound?: GrantBound): PolicyDocument {
    this.#require(id);
    const r = readPolicy(JSON.stringify({ version: '1.0', ...fragment }), {
      registry: this.#o.registry,
      file: 'the grant',
    });
    if (!r.document) {
      throw new LoadError(
        `the grant is invalid: ${r.diagnostics
          .filter((d) => d.severity === 'error')
          .map((d) => d.message + (d.help ? ` (${d.help})` : ''))
          .join('; ')}`,
      );
    }
    const beyond = outsideCeiling(r.document, this.#serverPolicy, this.#o.registry);
    if (beyond.length > 0) {
      throw new LoadError(
        `refused: ${beyond.map((b) => b.message).join('; ')}. The server's ceiling (its policy, --allow-dir, --allow-host) limits what runtime grants may add.`,
      );
    }
    if (bound && !bound.everything) {
      const role = bound.policy ? outsideCeiling(r.document, bound.policy, this.#o.registry) : [];
      const byRole = bound.policy
        ? role.map((b) =>
            b.message.replace('what the server allows', `what role ${quote(bound.name)} may grant`),
          )
        : [`role ${quote(bound.name)} may grant nothing`];
      if (byRole.length > 0)
        throw new LoadError(
          `refused: ${byRole.join('; ')}. A role's policy file (its storage, network and environment allow rules) bounds the grants its clients may make.`,
        );
    }
    return r.document;
  }

  /** Parse one rule the way a grant would be parsed, to compare with existing ones. */
  #rule(fragment: Record<string, unknown>): PolicyDocument {
    const r = readPolicy(JSON.stringify({ version: '1.0', ...fragment }), {
      registry: this.#o.registry,
      file: 'the request',
    });
    if (!r.document) {
      throw new LoadError(
        r.diagnostics
          .filter((d) => d.severity === 'error')
          .map((d) => d.message + (d.help ? ` (${d.help})` : ''))
          .join('; '),
      );
    }
    return r.document;
  }

  /** Take `access` to `uri` away from a component's runtime grants. */
  async revokeStorage(
    id: string,
    uri: string,
    access: readonly ('read' | 'write')[],
    by?: AuditClient,
  ): Promise<LoadedComponent> {
    return this.#exclusive(id, async () => {
      const c = this.#require(id);
      const want = this.#rule({ storage: { allow: [{ uri, access }] } }).storage.allow[0]!;
      const grants = c.grants ?? emptyPolicy();
      let removed = false;
      const allow = grants.storage.allow.flatMap((r) => {
        if (r.pattern !== want.pattern) return [r];
        const left = r.access.filter((a) => !want.access.includes(a));
        if (left.length < r.access.length) removed = true;
        return left.length > 0 ? [{ ...r, access: left }] : [];
      });
      if (!removed)
        this.#notGranted(
          c,
          `${want.access.join(' and ')} access to ${quote(uri)}`,
          c.policy.storage.allow.some((r) => r.pattern === want.pattern),
        );
      return this.#setGrants(
        id,
        { ...grants, storage: { ...grants.storage, allow } },
        'revoke',
        by,
      );
    });
  }

  async revokeNetwork(id: string, host: string, by?: AuditClient): Promise<LoadedComponent> {
    return this.#exclusive(id, async () => {
      const c = this.#require(id);
      const want = this.#rule({ network: { allow: [{ host }] } }).network.allow[0]!;
      const grants = c.grants ?? emptyPolicy();
      const allow = grants.network.allow.filter((r) => r.pattern !== want.pattern);
      if (allow.length === grants.network.allow.length) {
        this.#notGranted(
          c,
          `network access to ${quote(host)}`,
          c.policy.network.allow.some((r) => r.pattern === want.pattern),
        );
      }
      return this.#setGrants(
        id,
        { ...grants, network: { ...grants.network, allow } },
        'revoke',
        by,
      );
    });
  }

  async revokeEnvironment(id: string, key: string, by?: AuditClient): Promise<LoadedComponent> {
    return this.#exclusive(id, async () => {
      const c = this.#require(id);
      this.#rule({ environment: { allow: [{ key }] } });
      const grants = c.grants ?? emptyPolicy();
      const allow = grants.environment.allow.filter((r) => r.key !== key);
      if (allow.length === grants.environment.allow.length) {
        this.#notGranted(
          c,
          `environment variable ${quote(key)}`,
          c.policy.environment.allow.some((r) => r.key === key),
        );
      }
      return this.#setGrants(
        id,
        { ...grants, environment: { ...grants.environment, allow } },
        'revoke',
        by,
      );
    });
  }

  #notGranted(c: LoadedComponent, what: string, inPolicyFile: boolean): never {
    throw new LoadError(
      inPolicyFile
        ? `${what} comes from the policy file of ${quote(c.meta.id)}, not from a runtime grant; edit that file to remove it`
        : `${quote(c.meta.id)} has no runtime grant for ${what}`,
    );
  }

  /** Make a component uncallable, keeping everything of it; persisted, so a restart keeps it so. */
  async quarantine(id: string, who: { by: string; reason?: string }): Promise<LoadedComponent> {
    return this.#exclusive(id, async () => {
      this.#require(id);
      const record: QuarantineRecord = {
        by: who.by,
        at: new Date().toISOString(),
        ...(who.reason ? { reason: who.reason } : {}),
      };
      await this.#o.store.writeQuarantine(id, `${JSON.stringify(record)}\n`);
      return this.#reactivate(id);
    });
  }

  async release(id: string): Promise<LoadedComponent> {
    return this.#exclusive(id, async () => {
      const c = this.#require(id);
      if (!c.quarantine) throw new LoadError(`component ${quote(id)} is not quarantined`);
      await this.#o.store.writeQuarantine(id, undefined);
      return this.#reactivate(id);
    });
  }

  /**
   * Take up quarantines set or lifted by another process (`mcpkit component
   * quarantine` while this server runs).
   */
  async refreshQuarantine(): Promise<void> {
    let changed = false;
    for (const c of [...this.#loaded.values()]) {
      const stored = await this.#o.store.read(c.meta.id).catch(() => undefined);
      if (!stored) continue;
      const now = quarantineOf(stored.quarantineText);
      if ((now === undefined) !== (c.quarantine === undefined)) {
        await this.#activate(stored);
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  async #reactivate(id: string): Promise<LoadedComponent> {
    const loaded = await this.#activate(await this.#o.store.read(id));
    this.#changed();
    return loaded;
  }

  async reset(id: string, by?: AuditClient): Promise<LoadedComponent> {
    return this.#exclusive(id, async () => {
      this.#require(id);
      return this.#setGrants(id, undefined, 'reset', by);
    });
  }

  /** Put a component's grants back as they were at `version` of its history (a new version). */
  async rollback(id: string, version: number, by?: AuditClient): Promise<LoadedComponent> {
    return this.#exclusive(id, async () => {
      this.#require(id);
      if (!this.#o.history) throw new LoadError('this server keeps no policy history');
      await rollbackGrants({
        store: this.#o.store,
        history: this.#o.history,
        component: id,
        version,
        by: by ?? OPERATOR_CLIENT,
      });
      return this.#reactivate(id);
    });
  }

  async #setGrants(
    id: string,
    grants: PolicyDocument | undefined,
    action: string,
    by: AuditClient | undefined,
  ): Promise<LoadedComponent> {
    const empty =
      !grants ||
      (grants.storage.allow.length === 0 &&
        grants.network.allow.length === 0 &&
        grants.environment.allow.length === 0);
    const before = (await this.#o.store.read(id)).grantsText;
    const after = empty ? undefined : policyText(grants, this.#o.registry);
    await this.#o.store.writeGrants(id, after);
    // Kept before the change takes effect: nothing is in force that the history does not show.
    if (before !== after) await this.#history(id, 'grants', action, by, before, after);
    return this.#reactivate(id);
  }

  /**
   * Run changes to one component one after another: each reads the state the
   * one before left, so concurrent grants never lose each other.
   */
  #exclusive<T>(id: string, change: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(id) ?? Promise.resolve();
    const run = before.then(change, change);
    const tail = run.then(
      () => {},
      () => {},
    );
    this.#locks.set(id, tail);
    void tail.then(() => {
      if (this.#locks.get(id) === tail) this.#locks.delete(id);
    });
    return run;
  }

  #require(id: string): LoadedComponent {
    const c = this.#loaded.get(id);
    if (!c) throw new LoadError(`no component ${quote(id)} is loaded`);
    return c;
  }
}
