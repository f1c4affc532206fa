// The management tools, with Wassette's names and arguments so its users
// feel at home: load and unload components, see them and their policies,
// grant or revoke capabilities at run time (within the server's ceiling), and
// keep components' secrets (whose values no tool ever returns).

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compilePolicy, type ExtensionRegistry, quote } from '@mcpkit/wasm-policy';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { clientOf, type Principal } from './access/principal.js';
import type { Role } from './access/roles.js';
import type { ComponentManager, LoadedComponent } from './components.js';
import type { EmergencyStop } from './emergency.js';
import { textResult } from './guest.js';
import { policyText } from './policies.js';
import type { SecretStore } from './secrets.js';
import type { Progress } from './sources/artifact.js';
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
const secretKey = {
  type: 'string',
  description:
    "The secret's name, which is the environment variable the component sees, e.g. API_KEY",
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
    "Load a WebAssembly tool (a WASI command module with a tool manifest, or a component) from a local file path, an `https://` URL (optionally pinned with `#sha256=<hex>`) or an OCI registry (`oci://REGISTRY/REPO:TAG` or `@sha256:<digest>`). The server's trust policy decides whether the source and its signer are trusted. Its policy comes from beside the file or from the artifact's policy layer. This runs new code: ask the user first.",
    {
      path: {
        type: 'string',
        description:
          'Path of the .wasm file, `https://…` URL or `oci://REGISTRY/REPO:TAG` reference',
      },
    },
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
  tool(
    'list-secrets',
    "List the keys of a component's secrets and whether its policy lets it see each one (values are never shown).",
    { component_id: componentId },
    ['component_id'],
    true,
  ),
  tool(
    'set-secret',
    'Store a secret for a component; it sees it as an environment variable if its policy allows the key. The value passes through this conversation: `mcpkit secret set` on the command line keeps it out.',
    {
      component_id: componentId,
      key: secretKey,
      value: { type: 'string', description: 'The value; never shown again' },
    },
    ['component_id', 'key', 'value'],
    false,
  ),
  tool(
    'delete-secret',
    "Delete one of a component's secrets.",
    { component_id: componentId, key: secretKey },
    ['component_id', 'key'],
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
    kind: c.guest.kind,
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
  secrets?: SecretStore;
  /** Progress of this call, when the client sent a progress token. */
  progress?(progress: number, total?: number, message?: string): void;
  /**
   * Approve a grant before it is made (a person, when the server policy says
   * so); throws saying why it is refused.
   */
  approve?(
    componentId: string,
    fragment: Record<string, unknown>,
    tool: string,
    bound: Role,
  ): Promise<void>;
}

/** Download progress as MCP progress notifications: every twentieth of it, at most. */
function progressReporter(
  progress: (progress: number, total?: number, message?: string) => void,
): Progress {
  let last = -1;
  return (received, total, what) => {
    const step = Math.max(256 * 1024, (total ?? 0) / 20);
    if (last >= 0 && received - last < step && received !== total) return;
    last = received;
    progress(received, total, `downloading ${what}`);
  };
}

/** `load-component`'s path as the source URI role `sources` globs match. */
export function sourceUri(path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path;
  return pathToFileURL(resolve(path)).href;
}

/** The secret tools: what comes back names keys, never values. */
async function secretTool(
  name: string,
  id: string,
  args: Record<string, unknown>,
  ctx: BuiltinContext,
): Promise<CallToolResult> {
  const store = ctx.secrets;
  if (!store) return textResult('this server keeps no secrets', true);
  const key = String(args.key ?? '');
  const loaded = ctx.manager.get(id);
  if (name === 'list-secrets') {
    const keys = await store.keys(id);
    const policy = loaded ? compilePolicy(loaded.effective, { registry: ctx.registry }) : undefined;
    return json({
      component_id: id,
      store: store.kind,
      secrets: keys.map((k) => ({
        key: k,
        visible_to_component: policy ? policy.decideEnv(k).allowed : null,
      })),
      total: keys.length,
    });
  }
  if (name === 'set-secret') {
    await store.set(id, key, String(args.value ?? ''));
  } else if (!(await store.delete(id, key))) {
    return textResult(`component ${quote(id)} has no secret ${quote(key)}`, true);
  }
  // A loaded component is made anew, so its next call sees the change.
  if (loaded) await ctx.manager.refresh(id);
  const visible = loaded
    ? compilePolicy(ctx.manager.get(id)!.effective, { registry: ctx.registry }).decideEnv(key)
        .allowed
    : null;
  return json({
    status: name === 'set-secret' ? 'secret set' : 'secret deleted',
    component_id: id,
    key,
    ...(name === 'set-secret'
      ? {
          visible_to_component: visible,
          ...(visible === false
            ? {
                note: `its policy does not allow the environment variable ${key}; grant it with grant-environment-variable-permission for the component to see it`,
              }
            : {}),
        }
      : {}),
  });
}

async function approvedGrant(
  ctx: BuiltinContext,
  id: string,
  tool: string,
  fragment: Record<string, unknown>,
): Promise<void> {
  await ctx.approve?.(id, fragment, tool, ctx.role);
  await ctx.manager.grant(id, fragment, ctx.role, clientOf(ctx.by));
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
        const c = await manager.load(String(args.path), {
          by: clientOf(ctx.by),
          ...(ctx.progress ? { onProgress: progressReporter(ctx.progress) } : {}),
        });
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
        await approvedGrant(ctx, id, name, {
          storage: { allow: [{ uri: details.uri, access: details.access }] },
        });
        return json({ status: 'permission granted', component_id: id, storage: details });
      case 'grant-network-permission':
        await approvedGrant(ctx, id, name, { network: { allow: [{ host: details.host }] } });
        return json({ status: 'permission granted', component_id: id, network: details });
      case 'grant-environment-variable-permission':
        await approvedGrant(ctx, id, name, { environment: { allow: [{ key: details.key }] } });
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
      case 'list-secrets':
      case 'set-secret':
      case 'delete-secret':
        return await secretTool(name, id, args, ctx);
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
