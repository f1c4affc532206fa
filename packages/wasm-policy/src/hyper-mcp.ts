// hyper-mcp's per-plugin `runtime_config` (allowed_hosts, allowed_paths,
// env_vars, memory_limit) converted to the canonical policy.

import { type Diagnostic, joinPointer, quote } from './diagnostics.js';
import type { PolicyDocument } from './model.js';
import { treeFromValue } from './source.js';
import { validatePolicy } from './validate.js';

export interface HyperMcpConversion {
  readonly document: PolicyDocument | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** Values hyper-mcp passes to the plugin as environment; the policy only allows the keys. */
  readonly env: Readonly<Record<string, string>>;
  /** Tool names the operator asked to hide. */
  readonly skipTools: readonly string[];
}

const KNOWN = [
  'allowed_hosts',
  'allowed_host',
  'allowed_paths',
  'env_vars',
  'memory_limit',
  'skip_tools',
];

export function fromHyperMcpRuntimeConfig(
  config: unknown,
  options: { description?: string } = {},
): HyperMcpConversion {
  const diagnostics: Diagnostic[] = [];
  const note = (
    severity: 'error' | 'warning',
    code: string,
    pointer: string,
    message: string,
    help?: string,
  ) =>
    diagnostics.push({
      code,
      severity,
      message,
      ...(help ? { help } : {}),
      pointer,
      line: 0,
      column: 0,
    });
  const env: Record<string, string> = {};
  const skipTools: string[] = [];
  const policy: Record<string, unknown> = {
    version: '1.0',
    description: options.description ?? 'converted from hyper-mcp runtime_config',
  };
  if (config === undefined || config === null) {
    return { ...validatePolicy(treeFromValue(policy)), env, skipTools };
  }
  if (typeof config !== 'object' || Array.isArray(config)) {
    note('error', 'type', '', 'runtime_config must be a map');
    return { document: undefined, diagnostics, env, skipTools };
  }
  const c = config as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!KNOWN.includes(key))
      note(
        'warning',
        'unknown-key',
        joinPointer('', key),
        `runtime_config key ${quote(key)} is not understood and is ignored`,
      );
  }
  const strings = (key: string): string[] => {
    const v = c[key];
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    note(
      'error',
      'type',
      joinPointer('', key),
      `runtime_config ${quote(key)} must be a list of text`,
    );
    return [];
  };
  const hosts = [...strings('allowed_hosts'), ...strings('allowed_host')];
  if (hosts.length > 0) policy.network = { allow: hosts.map((host) => ({ host })) };
  const paths = strings('allowed_paths');
  if (paths.length > 0) {
    policy.storage = {
      allow: paths.map((p) => {
        // Extism maps `host:guest`; the host side is what the policy governs.
        const colon = p.indexOf(':/');
        const host = colon > 0 ? p.slice(0, colon) : p;
        return { uri: `fs://${host}`, access: ['read', 'write'] };
      }),
    };
  }
  if (c.env_vars !== undefined && c.env_vars !== null) {
    if (typeof c.env_vars !== 'object' || Array.isArray(c.env_vars)) {
      note(
        'error',
        'type',
        '/env_vars',
        'runtime_config `env_vars` must be a map of names to values',
      );
    } else {
      for (const [k, v] of Object.entries(c.env_vars as Record<string, unknown>))
        env[k] = String(v);
      if (Object.keys(env).length > 0)
        policy.environment = { allow: Object.keys(env).map((key) => ({ key })) };
    }
  }
  if (c.memory_limit !== undefined) policy.resources = { limits: { memory: c.memory_limit } };
  skipTools.push(...strings('skip_tools'));
  const result = validatePolicy(treeFromValue(policy));
  diagnostics.push(...result.diagnostics);
  const failed = diagnostics.some((d) => d.severity === 'error');
  return { document: failed ? undefined : result.document, diagnostics, env, skipTools };
}
