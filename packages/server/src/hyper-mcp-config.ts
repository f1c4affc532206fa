// hyper-mcp's configuration file, as its users have it (JSON or YAML): the
// plugins to serve, each with a name, a URL (oci://, https://, file:// or a
// path) and a `runtime_config`, converted to mcpkit's policy by wasm-policy's
// converter. Anything mcpkit cannot honour is an error naming where it is,
// never dropped: an unknown key could be a limit the operator counts on.

import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ExtensionRegistry,
  fromHyperMcpRuntimeConfig,
  type PolicyDocument,
} from '@mcpkit/wasm-policy';
import { parse as parseYaml } from 'yaml';
import type { PluginSettings } from './components.js';
import { policyText } from './policies.js';
import { isComponentId } from './store.js';

export interface HyperMcpPlugin {
  /** The plugin's name: its component id, and the prefix hyper-mcp gives nothing. */
  readonly name: string;
  /** Where it is loaded from, as mcpkit's sources take it. */
  readonly source: string;
  readonly policy: { readonly text: string; readonly source: string };
  readonly document: PolicyDocument;
  /** Its env_vars: the plugin's config, kept as its secrets. */
  readonly env: Readonly<Record<string, string>>;
  readonly settings: PluginSettings;
}

export class HyperMcpConfigError extends Error {
  readonly code = 'hyper-mcp-config';
}

const PLUGIN_KEYS = ['name', 'url', 'runtime_config'];
/** What a component's secret (and so a plugin's config key) may be named. */
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;

/** Read and convert `path`; every problem in one error. */
export async function readHyperMcpConfig(
  path: string,
  registry: ExtensionRegistry,
): Promise<HyperMcpPlugin[]> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HyperMcpConfigError(
      `cannot read the hyper-mcp configuration ${file}: ${(error as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new HyperMcpConfigError(
      `${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  return convertHyperMcpConfig(value, file, registry);
}

export function convertHyperMcpConfig(
  value: unknown,
  file: string,
  registry: ExtensionRegistry,
): HyperMcpPlugin[] {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HyperMcpConfigError(`${file}: the configuration must be a map with \`plugins\``);
  const top = value as Record<string, unknown>;
  for (const key of Object.keys(top))
    if (key !== 'plugins')
      problems.push(
        `/${key}: mcpkit does not take hyper-mcp's \`${key}\` setting; configure the server with its own policy (--policy) instead`,
      );
  // Older configurations list the plugins; newer ones map names to them.
  const raw = top.plugins;
  const entries: Array<[string, unknown]> = Array.isArray(raw)
    ? raw.map((p, i) => [`/plugins/${i}`, p])
    : typeof raw === 'object' && raw !== null
      ? Object.entries(raw).map(([name, p]) => [
          `/plugins/${name}`,
          typeof p === 'object' && p !== null ? { name, ...(p as object) } : p,
        ])
      : [];
  if (entries.length === 0) problems.push('/plugins: lists no plugins');
  const plugins: HyperMcpPlugin[] = [];
  const seen = new Set<string>();
  for (const [where, p] of entries) {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) {
      problems.push(`${where}: a plugin must be a map with \`name\` and \`url\``);
      continue;
    }
    const o = p as Record<string, unknown>;
    for (const key of Object.keys(o))
      if (!PLUGIN_KEYS.includes(key))
        problems.push(`${where}/${key}: not a plugin setting mcpkit knows`);
    const name = o.name;
    if (typeof name !== 'string' || !isComponentId(name)) {
      problems.push(
        `${where}/name: ${JSON.stringify(name)} cannot be a component id, which is 1 to 64 lower-case letters, digits, \`_\` or \`-\`, starting with a letter or digit${typeof name === 'string' && isComponentId(name.toLowerCase()) ? ` (\`${name.toLowerCase()}\` would do)` : ''}`,
      );
      continue;
    }
    if (seen.has(name)) problems.push(`${where}/name: \`${name}\` is named twice`);
    seen.add(name);
    if (typeof o.url !== 'string' || o.url === '') {
      problems.push(`${where}/url: must be the plugin's oci://, https://, file:// URL or path`);
      continue;
    }
    const source = sourceOf(o.url, dirname(file));
    if (typeof source !== 'string') {
      problems.push(`${where}/url: ${source.problem}`);
      continue;
    }
    const rc = o.runtime_config as { allowed_paths?: unknown } | undefined;
    for (const [i, entry] of (Array.isArray(rc?.allowed_paths) ? rc.allowed_paths : []).entries()) {
      const at = typeof entry === 'string' ? entry.indexOf(':/') : -1;
      if (at > 0 && entry.slice(0, at) !== entry.slice(at + 1))
        problems.push(
          `${where}/runtime_config/allowed_paths/${i}: maps ${entry.slice(0, at)} to ${entry.slice(at + 1)} in the plugin; mcpkit shows a directory at its own path, so give the path alone`,
        );
    }
    const conversion = fromHyperMcpRuntimeConfig(o.runtime_config, {
      description: `hyper-mcp runtime_config of ${name} (${file})`,
    });
    for (const d of conversion.diagnostics)
      problems.push(
        `${where}/runtime_config${d.pointer}: ${d.message}${d.help ? ` (${d.help})` : ''}`,
      );
    for (const key of Object.keys(conversion.env))
      if (!ENV_KEY.test(key))
        problems.push(
          `${where}/runtime_config/env_vars/${key}: not a name a plugin can be given (letters, digits and \`_\`, not starting with a digit)`,
        );
    for (const [i, pattern] of conversion.skipTools.entries())
      try {
        new RegExp(pattern);
      } catch (error) {
        problems.push(`${where}/runtime_config/skip_tools/${i}: ${(error as Error).message}`);
      }
    if (!conversion.document || conversion.diagnostics.length > 0) continue;
    plugins.push({
      name,
      source,
      document: conversion.document,
      policy: {
        text: policyText(conversion.document, registry),
        source: `${file}#${where}/runtime_config`,
      },
      env: conversion.env,
      settings: conversion.skipTools.length > 0 ? { skipTools: conversion.skipTools } : {},
    });
  }
  if (problems.length > 0)
    throw new HyperMcpConfigError(`${file} cannot be served as it is:\n  ${problems.join('\n  ')}`);
  return plugins;
}

function sourceOf(url: string, base: string): string | { problem: string } {
  if (/^(oci|https):\/\//.test(url)) return url;
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch (error) {
      return { problem: `not a file URL: ${(error as Error).message}` };
    }
  }
  if (/^http:\/\//.test(url))
    return {
      problem: 'plain http:// is not a source mcpkit loads code from; use https:// or oci://',
    };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return { problem: `unknown scheme in ${url}` };
  return isAbsolute(url) ? url : resolve(base, url);
}
