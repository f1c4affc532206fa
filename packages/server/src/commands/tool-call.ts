// `mcpkit tool call <tool> --args '{...}'`: one call without a server, for
// developing a tool. Uses the stored components, or the given .wasm files.

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { type AppOptions, createApp } from '../app.js';

export interface ToolCallOptions extends AppOptions {
  /** Components to load first (e.g. the one being developed). */
  components?: readonly string[];
  onLog?: (level: string, message: string) => void;
}

export async function callToolOnce(
  options: ToolCallOptions,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const app = await createApp(options);
  try {
    for (const path of options.components ?? []) await app.manager.load(path);
    try {
      return await app.server.callTool(name, args, {
        log: (level, message) => options.onLog?.(level, message),
      });
    } catch (error) {
      if (error instanceof McpError) {
        const known = app.server.listTools().map((t) => t.name);
        throw new Error(
          `${error.message.replace(/^MCP error -?\d+: /, '')}; tools: ${known.join(', ') || 'none'}`,
        );
      }
      throw error;
    }
  } finally {
    await app.close();
  }
}
