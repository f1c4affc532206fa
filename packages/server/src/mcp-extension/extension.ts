// The `mcp:` policy extension, registered by the server on wasm-policy's
// public extension API.

import { defineExtension } from '@mcpkit/wasm-policy';
import { intersectMcp, outsideMcp } from './ceiling.js';
import { CompiledMcp } from './compiled.js';
import { mergeMcp } from './merge.js';
import type { McpSection } from './model.js';
import { parseMcp } from './parse.js';
import { mcpSchema } from './schema.js';
import { serializeMcp } from './serialize.js';

export const mcpExtension = defineExtension<McpSection, CompiledMcp>({
  id: 'mcp',
  description: 'MCP tools, prompts and resources clients may use, and the transports offered',
  schema: mcpSchema,
  parse: parseMcp,
  compile: (section) => new CompiledMcp(section),
  merge: mergeMcp,
  serialize: serializeMcp,
  intersect: intersectMcp,
  outside: outsideMcp,
});
