// The server's source loader: fetch settings from the server policy's
// `trust.fetch`, and every load decided by its `trust:` rules, with the
// operator's `--allow-dir` directories as where a client's local path may lie.

import { readFile } from 'node:fs/promises';
import type { ExtensionRegistry, PolicyDocument } from '@mcpkit/wasm-policy';
import { decideTrust, serverTrust } from '../trust/index.js';
import type { FetchSettings } from './fetch-settings.js';
import { SourceLoader, type SourceLoaderOptions } from './source-loader.js';

export async function sourceLoader(
  dataDir: string,
  serverPolicy: PolicyDocument,
  registry: ExtensionRegistry,
  allowDirs: readonly string[],
  options: Omit<SourceLoaderOptions, 'dataDir'> = {},
): Promise<SourceLoader> {
  const trust = serverTrust(serverPolicy, registry);
  const f = trust.fetch;
  const fromPolicy: Partial<FetchSettings> = {
    ...(f.maxBytes !== undefined ? { maxBytes: f.maxBytes } : {}),
    ...(f.timeoutMs !== undefined ? { timeoutMs: f.timeoutMs } : {}),
    ...(f.caFile !== undefined ? { ca: await readCa(f.caFile) } : {}),
    allowCidrs: f.network.map((r) => r.cidr),
  };
  return new SourceLoader({
    dataDir,
    trust: (a) => decideTrust(a, trust, allowDirs),
    ...options,
    fetch: { ...fromPolicy, ...options.fetch },
  });
}

async function readCa(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read \`trust.fetch.ca_file\` \`${path}\`: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
