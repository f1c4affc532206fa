// The management tools, with Wassette's names and arguments so its users
// feel at home: load and unload components, see them and their policies,
// and grant or revoke capabilities at run time (within the server's ceiling).

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ExtensionRegistry, quote } from '@mcpkit/wasm-policy';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { clientOf, type Principal } from './access/principal.js';
import type { Role } from './access/roles.js';
import type { ComponentManager, LoadedComponent } from './components.js';
import type { EmergencyStop } from './emergency.js';
import { textResult } from './guest.js';
import { policyText } from './policies.js';
import type { ToolIndex } from './tool-index.js';

const componentId = { type: 'string', description: 'Id of the component (see `list-components`)' };
const storageDetails = {
  type: 'object',
  properties: {
    uri: {
      type: 'string',
      description:
        'The path as an fs:// URI, e.g. fs:///home/me/project/** (a directory with everything in it: fs:///home/me/project)',
    },
    access: {
      type: 'array',
      items: { type: 'string', enum: ['read', 'write'] },
      minItems: 1,
      description: 'read, write, or both',
    },
  },
  required: ['uri', 'access'],
  additionalProperties: false,
};
const networkDetails = {
  type: 'object',
  properties: {
    host: {
      type: 'string',
      description: 'A host name (api.example.com), a wildcard (*.example.com) or an IP address',
    },
  },
  required: ['host'],
  additionalProperties: false,
};
const envDetails = {
  type: 'object',
  properties: { key: { type: 'string', description: 'The variable name, e.g. API_KEY' } },
  required: ['key'],
  additionalProperties: false,
};

function tool(
  name: string,
  description: string,
  properties: Record<string, object>,
  required: string[],
  readOnly: boolean,
): Tool {
  return {
    name,
    description,
    inputSchema: { type: 'object', properties, required, additionalProperties: false },
    // Every change is marked destructive, grants and loads above all: they
    // widen what untrusted code may do, and clients that run "non-destructive"
    // tools without asking would let an agent widen its own permissions.
    annotations: {
      readOnlyHint: readOnly,
      destructiveHint: !readOnly,
      idempotentHint: readOnly,
      openWorldHint: false,
    },
  };
}

export const BUILTIN_TOOLS: readonly Tool[] = Object.freeze([
  tool(
    'load-component',
    'Load a WebAssembly tool (a WASI command module with a tool manifest, or a component) from a local file path. Its policy file is read from beside it. This runs new code: ask the user first.',
    { path: { type: 'string', description: 'Path of the .wasm file' } },
    ['path'],
    false,
  ),
  tool(
    'unload-component',
    'Unload a component and remove it from the store.',
    { id: componentId },
    ['id'],
    false,
  ),
  tool('list-components', 'List the loaded components and their tools.', {}, [], true),
  tool(
    'get-policy',
    "Show a component's policy: its policy file, its runtime grants, and what it effectively runs under.",
    { component_id: componentId },
    ['component_id'],
    true,
  ),
  tool(
    'grant-storage-permission',
    'Allow a component to read and/or write a path (within what the server allows). This widens what untrusted code may do: ask the user first.',
    { component_id: componentId, details: storageDetails },
    ['component_id', 'details'],
    false,
  ),
  tool(
    'grant-network-permission',
    'Allow a component to reach a host (within what the server allows). This widens what untrusted code may do: ask the user first.',
    { component_id: componentId, details: networkDetails },
    ['component_id', 'details'],
    false,
  ),
  tool(
    'grant-environment-variable-permission',
    'Allow a component to read an environment variable (within what the server allows). This widens what untrusted code may do: ask the user first.',
    { component_id: componentId, details: envDetails },
    ['component_id', 'details'],
    false,
  ),
  tool(
    'revoke-storage-permission',
    'Take back a storage grant made at run time.',
    { component_id: componentId, details: storageDetails },
    ['component_id', 'details'],
    false,
  ),
  tool(
    'revoke-network-permission',
    'Take back a network grant made at run time.',
    { component_id: componentId, details: networkDetails },
    ['component_id', 'details'],
    false,
  ),
  tool(
    'revoke-environment-variable-permission',
    'Take back an environment variable grant made at run time.',
    { component_id: componentId, details: envDetails },
    ['component_id', 'details'],
    false,
  ),
  tool(
    'reset-permission',
    'Remove every runtime grant of a component, back to its policy file alone.',
    { component_id: componentId },
    ['component_id'],
    false,
  ),
  tool(
    'rollback-policy',
    "Put a component's runtime grants back as they were at a version of its history (`mcpkit policy history`); the rollback is itself a new version.",
    {
      component_id: componentId,
      version: { type: 'integer', minimum: 1, description: 'The version to go back to' },
    },
    ['component_id', 'version'],
    false,
  ),
  tool(
    'quarantine-component',
    'Make a component uncallable at once, keeping it, its policy and its grants for inspection; its tools disappear from the list.',
    {
      component_id: componentId,
      reason: { type: 'string', maxLength: 1000, description: 'Why, for the record' },
    },
    ['component_id'],
    false,
  ),
  tool(
    'release-component',
    'Take a component out of quarantine: its tools can be called again.',
    { component_id: componentId },
    ['component_id'],
    false,
  ),
  tool(
    'emergency-stop',
    'Stop every running tool call at once and refuse new ones until the stop is lifted.',
    { reason: { type: 'string', maxLength: 1000, description: 'Why, for the record' } },
    [],
    false,
  ),
  tool(
    'lift-emergency-stop',
    'Lift an emergency stop: tool calls are accepted again.',
    {},
    [],
    false,
  ),
]);

export const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTIN_TOOLS.map((t) => t.name));

const CHANGES = new Set(
  BUILTIN_TOOLS.filter((t) => !t.annotations?.readOnlyHint).map((t) => t.name),
);

function json(value: unknown): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: value as Record<string, unknown>,
  };
}

function summary(c: LoadedComponent, index: ToolIndex) {
  return {
    id: c.meta.id,
    source: c.meta.source,
    kind: c.meta.kind,
    digest: c.meta.digest,
    loaded_at: c.meta.loadedAt,
    tools: index
      .of(c.meta.id)
      .map((t) => ({ name: t.name, description: t.definition.description ?? '' })),
    has_grants: c.grants !== undefined,
    suspended_grants: c.suspended.length,
    quarantined: c.quarantine ?? null,
  };
}

export interface BuiltinContext {
  manager: ComponentManager;
  index: ToolIndex;
  registry: ExtensionRegistry;
  readOnly: boolean;
  /** The client's role: which sources it may load, and the most its grants may add. */
  role: Role;
  /** Who is asking, for the records that say who changed what. */
  by: Principal;
  emergency: EmergencyStop | undefined;
}

/** `load-component`'s path as the source URI role `sources` globs match. */
export function sourceUri(path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path;
  return pathToFileURL(resolve(path)).href;
}

/** Run a management tool; problems come back as error results, never as exceptions. */
export async function callBuiltin(
  name: string,
  args: Record<string, unknown>,
  ctx: BuiltinContext,
): Promise<CallToolResult> {
  const { manager, index, registry } = ctx;
  if (ctx.readOnly && CHANGES.has(name)) {
    return textResult(
      `\`${name}\` is refused: this server runs with --read-only, which allows no changes to components or permissions`,
      true,
    );
  }
  const id = (args.component_id ?? args.id) as string;
  const details = (args.details ?? {}) as Record<string, unknown>;
  try {
    switch (name) {
      case 'load-component': {
        const source = sourceUri(String(args.path));
        const may = ctx.role.loads(source);
        if (!may.allowed)
          return textResult(
            `role ${quote(ctx.role.name)} may not load ${quote(source)}: ${may.reason}; its role policy's \`role.sources\` lists what it may load`,
            true,
          );
        const c = await manager.load(String(args.path), { by: clientOf(ctx.by) });
        return json({ status: 'component loaded', ...summary(c, index) });
      }
      case 'unload-component':
        await manager.unload(String(args.id), clientOf(ctx.by));
        return json({ status: 'component unloaded', id: args.id });
      case 'list-components':
        return json({
          components: manager.list().map((c) => summary(c, index)),
          total: manager.list().length,
        });
      case 'get-policy': {
        const c = manager.get(id);
        if (!c) return textResult(`no component ${quote(id)} is loaded`, true);
        return json({
          component_id: id,
          policy_file: c.meta.policySource ?? null,
          policy: policyText(c.policy, registry),
          grants: c.grants ? policyText(c.grants, registry) : null,
          suspended_grants: c.suspended.map((v) => ({
            section: v.section,
            rule: v.pointer,
            reason: `${v.message}; kept, but not in force while the server does not allow it`,
          })),
          effective: policyText(c.effective, registry),
        });
      }
      case 'grant-storage-permission':
        await manager.grant(
          id,
          { storage: { allow: [{ uri: details.uri, access: details.access }] } },
          ctx.role,
          clientOf(ctx.by),
        );
        return json({ status: 'permission granted', component_id: id, storage: details });
      case 'grant-network-permission':
        await manager.grant(
          id,
          { network: { allow: [{ host: details.host }] } },
          ctx.role,
          clientOf(ctx.by),
        );
        return json({ status: 'permission granted', component_id: id, network: details });
      case 'grant-environment-variable-permission':
        await manager.grant(
          id,
          { environment: { allow: [{ key: details.key }] } },
          ctx.role,
          clientOf(ctx.by),
        );
        return json({ status: 'permission granted', component_id: id, environment: details });
      case 'revoke-storage-permission':
        await manager.revokeStorage(
          id,
          String(details.uri),
          (details.access as ('read' | 'write')[]) ?? ['read', 'write'],
          clientOf(ctx.by),
        );
        return json({ status: 'permission revoked', component_id: id, storage: details });
      case 'revoke-network-permission':
        await manager.revokeNetwork(id, String(details.host), clientOf(ctx.by));
        return json({ status: 'permission revoked', component_id: id, network: details });
      case 'revoke-environment-variable-permission':
        await manager.revokeEnvironment(id, String(details.key), clientOf(ctx.by));
        return json({ status: 'permission revoked', component_id: id, environment: details });
      case 'reset-permission':
        await manager.reset(id, clientOf(ctx.by));
        return json({ status: 'permissions reset', component_id: id });
      case 'rollback-policy': {
        await manager.rollback(id, Number(args.version), clientOf(ctx.by));
        return json({ status: 'grants rolled back', component_id: id, version: args.version });
      }
      case 'quarantine-component': {
        const c = await manager.quarantine(id, {
          by: ctx.by.id,
          ...(typeof args.reason === 'string' ? { reason: args.reason } : {}),
        });
        return json({ status: 'component quarantined', component_id: id, ...c.quarantine });
      }
      case 'release-component':
        await manager.release(id);
        return json({ status: 'component released', component_id: id });
      case 'emergency-stop': {
        if (!ctx.emergency) return textResult('this server has no emergency stop', true);
        const stop = await ctx.emergency.engage({
          by: ctx.by.id,
          ...(typeof args.reason === 'string' ? { reason: args.reason } : {}),
        });
        return json({ status: 'emergency stop engaged', ...stop });
      }
      case 'lift-emergency-stop':
        if (!ctx.emergency) return textResult('this server has no emergency stop', true);
        await ctx.emergency.lift();
        return json({ status: 'emergency stop lifted' });
      default:
        return textResult(`unknown management tool ${quote(name)}`, true);
    }
  } catch (error) {
    return textResult((error as Error).message, true);
  }
}
