// Everything a running server is made of, assembled from options: logger,
// policies, store, worker pool, components, the MCP server. Used by `serve`
// and by the one-shot commands that need components (`tool call`).

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type EgressOptions, WorkerPool } from '@mcpkit/sandbox';
import type { ExtensionRegistry, PolicyDocument } from '@mcpkit/wasm-policy';
import { ComponentManager } from './components.js';
import type { Logger } from './logging.js';
import { serverPolicyFrom, serverRegistry } from './policies.js';
import { openSecretStore } from './secret-stores.js';
import type { SecretStore, SecretStoreKind } from './secrets.js';
import { McpkitServer } from './server.js';
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
}

export interface App {
  readonly logger: Logger;
  readonly registry: ExtensionRegistry;
  readonly serverPolicy: PolicyDocument;
  readonly store: ComponentStore;
  readonly pool: WorkerPool;
  readonly manager: ComponentManager;
  readonly server: McpkitServer;
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

export async function createApp(options: AppOptions): Promise<App> {
  const registry = serverRegistry();
  const policyText = options.policyFile
    ? await readFile(resolve(options.policyFile), 'utf8').catch((e: Error) => {
        throw new Error(`cannot read server policy \`${options.policyFile}\`: ${e.message}`);
      })
    : undefined;
  const serverPolicy = serverPolicyFrom({
    ...(policyText !== undefined ? { text: policyText, file: options.policyFile } : {}),
    allowDirs: (options.allowDirs ?? []).map((d) => resolve(d)),
    allowHosts: options.allowHosts ?? [],
    registry,
  });
  const store = new ComponentStore(resolve(options.dataDir ?? defaultDataDir()));
  await store.init();
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
  const server = new McpkitServer({
    manager,
    registry,
    logger: options.logger,
    builtinTools: options.builtinTools !== false,
    readOnly: options.readOnly === true,
    secrets,
  });
  return {
    logger: options.logger,
    registry,
    serverPolicy,
    store,
    pool,
    manager,
    server,
    secrets,
    problems,
    async close() {
      unwatch?.();
      await server.close();
      await pool.close();
    },
  };
}
