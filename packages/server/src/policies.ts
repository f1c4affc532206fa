// The policies behind every decision the server makes:
//   - the server policy (operator): global denies, limits that cap every
//     component, the ceiling runtime grants may never exceed, and which tools
//     clients may call (`mcp.tools`);
//   - each component's own policy file (what it may touch);
//   - runtime grants made through the management tools, kept per component.
// A component runs under: its policy + its grants + the server's denies and limits.

import {
  type Diagnostic,
  ExtensionRegistry,
  emptyPolicy,
  formatDiagnostic,
  hasErrors,
  mergePolicies,
  type PolicyDocument,
  readPolicy,
  serializePolicy,
} from '@mcpkit/wasm-policy';
import { stringify } from 'yaml';
import { accessExtension, roleExtension } from './access/extension.js';
import { BUILTIN_NAMES } from './builtin-tools.js';
import { mcpExtension } from './mcp-extension/index.js';
import { trustExtension } from './trust/extension.js';

/**
 * Every extension the server understands: `mcp:` in any policy, `access:`
 * and `trust:` in the server policy, `role:` in role policies.
 */
export function serverRegistry(): ExtensionRegistry {
  return new ExtensionRegistry([
    mcpExtension,
    accessExtension,
    trustExtension,
    roleExtension([...BUILTIN_NAMES]),
  ]);
}

/** Sections that mean something only in the server's own policies, never in a component's. */
export const SERVER_ONLY_SECTIONS = ['access', 'trust', 'role'] as const;

export class PolicyError extends Error {
  readonly code = 'invalid-policy';
  constructor(
    readonly what: string,
    readonly diagnostics: readonly Diagnostic[],
  ) {
    super(
      `${what} has errors:\n${diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => `  ${formatDiagnostic(d, what)}`)
        .join('\n')}`,
    );
  }
}

/** Parse policy text; throws PolicyError listing every error. */
export function parsePolicy(
  text: string,
  what: string,
  registry: ExtensionRegistry,
  baseDir?: string,
): PolicyDocument {
  const r = readPolicy(text, { file: what, registry, ...(baseDir ? { baseDir } : {}) });
  if (!r.document || hasErrors(r.diagnostics)) throw new PolicyError(what, r.diagnostics);
  return r.document;
}

/** What a component runs under. */
export function effectivePolicy(
  component: PolicyDocument,
  grants: PolicyDocument | undefined,
  server: PolicyDocument,
  registry: ExtensionRegistry,
): PolicyDocument {
  const own = grants ? mergePolicies(component, grants, registry) : component;
  // The server contributes its deny rules and its limits (each the smaller), nothing it allows.
  const bounds: PolicyDocument = {
    ...emptyPolicy(),
    storage: { allow: [], deny: server.storage.deny },
    network: {
      allow: [],
      deny: server.network.deny,
      ...(server.network.limits ? { limits: server.network.limits } : {}),
    },
    environment: { allow: [], deny: server.environment.deny },
    limits: server.limits,
    limitsAt: server.limitsAt,
  };
  return {
    ...mergePolicies(bounds, own, registry),
    description: own.description ?? component.description ?? '',
  };
}

/** Policy text for a document (grants files, `get-policy`). */
export function policyText(doc: PolicyDocument, registry: ExtensionRegistry): string {
  return stringify(serializePolicy(doc, registry), { lineWidth: 0 });
}

/** The server policy from CLI flags: directories and hosts runtime grants may reach. */
export function serverPolicyFrom(options: {
  /** The server policy, already read (a file and what it extends). */
  document?: PolicyDocument;
  text?: string;
  file?: string;
  allowDirs?: readonly string[];
  allowHosts?: readonly string[];
  registry: ExtensionRegistry;
}): PolicyDocument {
  let doc =
    options.document ??
    (options.text !== undefined
      ? parsePolicy(options.text, options.file ?? 'the server policy', options.registry)
      : emptyPolicy('server policy'));
  const dirs = options.allowDirs ?? [];
  const hosts = options.allowHosts ?? [];
  if (dirs.length > 0 || hosts.length > 0) {
    const flags = [
      'version: "1.0"',
      ...(dirs.length > 0
        ? [
            'storage:',
            '  allow:',
            ...dirs.map(
              (d) => `    - uri: ${JSON.stringify(`fs://${d}`)}\n      access: [read, write]`,
            ),
          ]
        : []),
      ...(hosts.length > 0
        ? ['network:', '  allow:', ...hosts.map((h) => `    - host: ${JSON.stringify(h)}`)]
        : []),
    ].join('\n');
    doc = mergePolicies(
      doc,
      parsePolicy(flags, 'the --allow-dir/--allow-host options', options.registry),
      options.registry,
    );
  }
  return doc;
}
