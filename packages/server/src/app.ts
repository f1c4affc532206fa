// Everything a running server is made of, assembled from options: logger,
// policies, store, worker pool, components, the MCP server. Used by `serve`
// and by the one-shot commands that need components (`tool call`).

import { unwatchFile, watchFile } from 'node:fs';
import { resolve } from 'node:path';
import { type EgressOptions, WorkerPool } from '@mcpkit/sandbox';
import {
  type ExtensionRegistry,
  hasErrors,
  loadPolicyFile,
  type PolicyDocument,
} from '@mcpkit/wasm-policy';
import { Access } from './access/access.js';
import { changedMessage, PolicyApprovals, PolicyChangedError } from './approvals.js';
import { AuditLog, readAuditKey } from './audit/index.js';
import { ComponentManager } from './components.js';
import { EmergencyStop } from './emergency.js';
import { PolicyHistory } from './history/index.js';
import type { Logger } from './logging.js';
import { PolicyError, serverPolicyFrom, serverRegistry } from './policies.js';
import { openSecretStore } from './secret-stores.js';
import type { SecretStore, SecretStoreKind } from './secrets.js';
import { type AuditSink, McpkitServer } from './server.js';
import { sourceLoader } from './sources/server-sources.js';
import type { SourceLoaderOptions } from './sources/source-loader.js';
import { ComponentStore, defaultDataDir, type StoreProblem } from './store.js';

export interface AppOptions {
  logger: Logger;
  dataDir?: string;
  /** Server policy file: ceiling, global denies and limits, client tool rules. */
  policyFile?: string;
  /** Directories runtime grants may reach (added to the ceiling). */
  allowDirs?: readonly string[];
  /** Hosts runtime grants may reach (added to the ceiling). */
  allowHosts?: readonly string[];
  builtinTools?: boolean;
  readOnly?: boolean;
  /** The environment guests may be given, filtered by each policy (default: this process's). */
  env?: Readonly<Record<string, string>>;
  poolSize?: number;
  /** Egress settings for components' HTTP requests (resolver, caps, timeout) beyond the policy. */
  egress?: Omit<EgressOptions, 'policy' | 'component' | 'onViolation'>;
  /** Where transpiled components are cached (default `$MCPKIT_CACHE_DIR`, else `<data dir>/cache/components`). */
  cacheDir?: string;
  /** Where components' secrets are kept (default `$MCPKIT_SECRET_STORE`, else files in the data directory). */
  secretStore?: SecretStoreKind;
  /** Where calls and changes are recorded (default: the server policy's `access.audit`). */
  audit?: AuditSink;
  /** How component sources are fetched and trusted (caps, registry credentials, trust gate). */
  sources?: Omit<SourceLoaderOptions, 'dataDir'>;
}

export interface App {
  readonly logger: Logger;
  readonly registry: ExtensionRegistry;
  readonly serverPolicy: PolicyDocument;
  readonly store: ComponentStore;
  readonly pool: WorkerPool;
  readonly manager: ComponentManager;
  readonly server: McpkitServer;
  readonly access: Access;
  readonly emergency: EmergencyStop;
  /** The audit log, when the server policy configures one. */
  readonly audit: AuditSink | undefined;
  readonly history: PolicyHistory;
  /** Every policy file the server runs under (server policy, what it extends, roles). */
  readonly policyFiles: readonly string[];
  readonly secrets: SecretStore;
  /** Problems met restoring stored components (each skipped). */
  readonly problems: readonly StoreProblem[];
  close(): Promise<void>;
}

function processEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** The server policy file and everything it extends, read and checked. */
export async function readServerPolicy(
  file: string,
  registry: ExtensionRegistry,
): Promise<{ document: PolicyDocument; files: string[] }> {
  const r = await loadPolicyFile(resolve(file), { registry });
  if (!r.document || hasErrors(r.diagnostics)) throw new PolicyError(file, r.diagnostics);
  return { document: r.document, files: [...r.files] };
}

/** Every file of the server policy, roles included: what `policy approve` approves. */
export async function serverPolicyFiles(file: string): Promise<string[]> {
  const registry = serverRegistry();
  const { document, files } = await readServerPolicy(file, registry);
  const access = await Access.create(document, registry);
  return [...files, ...access.roleFiles];
}

export async function createApp(options: AppOptions): Promise<App> {
  const registry = serverRegistry();
  const read = options.policyFile
    ? await readServerPolicy(options.policyFile, registry)
    : undefined;
  const allowDirs = (options.allowDirs ?? []).map((d) => resolve(d));
  const serverPolicy = serverPolicyFrom({
    ...(read ? { document: read.document } : {}),
    allowDirs,
    allowHosts: options.allowHosts ?? [],
    registry,
  });
  const access = await Access.create(serverPolicy, registry);
  const policyFiles = [...(read?.files ?? []), ...access.roleFiles];
  const store = new ComponentStore(resolve(options.dataDir ?? defaultDataDir()));
  await store.init();
  if (policyFiles.length > 0) {
    const approvals = new PolicyApprovals(store.dir);
    const check = await approvals.check(policyFiles);
    if (check.changed.length > 0) throw new PolicyChangedError(changedMessage(check.changed));
    if (check.fresh.length > 0) {
      await approvals.approve(check.fresh, 'first use');
      options.logger.info({ files: check.fresh }, 'policy files approved on first use');
    }
  }
  // The audit log opens (and writes its `start` record) before anything is served:
  // a log that cannot be written stops the server here.
  const settings = access.section?.audit;
  const key = settings?.keyFile ? await readAuditKey(settings.keyFile) : undefined;
  const ownLog = settings
    ? AuditLog.open({
        file: settings.file,
        ...(settings.maxBytes !== undefined ? { maxBytes: settings.maxBytes } : {}),
        ...(settings.keep !== undefined ? { keep: settings.keep } : {}),
        ...(key ? { key } : {}),
        ...(settings.arguments ? { arguments: settings.arguments } : {}),
      })
    : undefined;
  const audit: AuditSink | undefined = options.audit ?? ownLog;
  const history = new PolicyHistory(store.dir, key ? { key } : {});
  const pool = new WorkerPool({ ...(options.poolSize ? { size: options.poolSize } : {}), warm: 1 });
  const cacheDir = options.cacheDir ?? process.env.MCPKIT_CACHE_DIR;
  const secrets = openSecretStore(
    options.secretStore ?? (process.env.MCPKIT_SECRET_STORE === 'keyring' ? 'keyring' : 'file'),
    store.dir,
  );
  const manager = new ComponentManager({
    store,
    registry,
    serverPolicy,
    pool,
    env: options.env ?? processEnv(),
    onViolation: (v) =>
      options.logger.warn({ violation: v }, `denied: ${v.capability} ${v.access} ${v.target}`),
    ...(options.egress ? { egress: options.egress } : {}),
    ...(cacheDir ? { cacheDir: resolve(cacheDir) } : {}),
    notice: (component, message) => options.logger.warn({ component }, message),
    secrets,
    history,
    sources: await sourceLoader(store.dir, serverPolicy, registry, allowDirs, options.sources),
  });
  const problems = await manager.restore();
  // Secrets changed by `mcpkit secret set` while serving apply without a restart.
  const unwatch = secrets.watch?.((id) => {
    if (!manager.get(id)) return;
    manager.refresh(id).then(
      () => options.logger.info({ component: id }, 'its secrets changed; made anew'),
      (error: Error) => options.logger.error({ component: id }, error.message),
    );
  });
  for (const p of problems)
    options.logger.error({ component: p.id }, `skipped a stored component: ${p.message}`);
  let server: McpkitServer | undefined;
  const emergency = await EmergencyStop.open(store.dir, (stop) => {
    const ended = pool.stopAll('an emergency stop ended every running call');
    options.logger.error(
      { by: stop.by, reason: stop.reason, ended },
      'EMERGENCY STOP: every running call ended; tool calls are refused until it is lifted',
    );
  });
  // Quarantines set by `mcpkit component quarantine` from another terminal.
  const onQuarantine = () => {
    manager.refreshQuarantine().catch((e: Error) => options.logger.error({ err: e }, e.message));
  };
  watchFile(store.quarantineSignal, { interval: 250, persistent: false }, onQuarantine);
  if (emergency.active)
    options.logger.error(
      { by: emergency.active.by, at: emergency.active.at },
      'an emergency stop is in force: tool calls are refused until it is lifted (`mcpkit emergency lift`)',
    );
  server = new McpkitServer({
    manager,
    registry,
    logger: options.logger,
    builtinTools: options.builtinTools !== false,
    readOnly: options.readOnly === true,
    secrets,
    access,
    emergency,
    ...(audit ? { audit } : {}),
  });
  return {
    logger: options.logger,
    registry,
    serverPolicy,
    store,
    pool,
    manager,
    server,
    access,
    emergency,
    audit,
    history,
    policyFiles,
    problems,
    secrets,
    async close() {
      unwatch?.();
      emergency.close();
      unwatchFile(store.quarantineSignal, onQuarantine);
      await server!.close();
      await pool.close();
      ownLog?.close();
    },
  };
}
