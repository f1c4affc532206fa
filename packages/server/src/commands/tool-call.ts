// `mcpkit tool call <tool> --args '{...}'`: one call without a server, for
// developing a tool. With --component, the given .wasm files are loaded into
// a throwaway store (nothing is kept; --allow-dir grants them directories for
// this call); without, the stored components serve under the ceiling the
// flags give, as under `serve`.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type AppOptions, createApp } from '../app.js';
import { ProtocolError } from '../protocol-error.js';
import { defaultDataDir } from '../store.js';

export interface ToolCallOptions extends AppOptions {
  /** Components to load for this call only (e.g. the one being developed). */
  components?: readonly string[];
  onLog?: (level: string, message: string) => void;
}

export async function callToolOnce(
  options: ToolCallOptions,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const components = options.components ?? [];
  const scratch =
    components.length > 0 ? await mkdtemp(join(tmpdir(), 'mcpkit-tool-call-')) : undefined;
  const app = await createApp({
    ...options,
    ...(scratch
      ? {
          dataDir: scratch,
          // Transpiled components are still worth keeping between calls.
          cacheDir:
            options.cacheDir ??
            process.env.MCPKIT_CACHE_DIR ??
            join(options.dataDir ?? defaultDataDir(), 'cache', 'components'),
        }
      : {}),
  });
  try {
    const dirs = (options.allowDirs ?? []).map((d) => `fs://${resolve(d)}`);
    for (const path of components) {
      const c = await app.manager.load(path, { operator: true });
      if (dirs.length > 0)
        await app.manager.grant(c.meta.id, {
          storage: { allow: dirs.map((uri) => ({ uri, access: ['read', 'write'] })) },
        });
    }
    try {
      return await app.server.callTool(name, args, {
        log: (level, message) => options.onLog?.(level, message),
      });
    } catch (error) {
      if (error instanceof ProtocolError) {
        const known = app.server.listTools().map((t) => t.name);
        throw new Error(`${error.message}; tools: ${known.join(', ') || 'none'}`);
      }
      throw error;
    }
  } finally {
    await app.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}
