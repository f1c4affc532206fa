// Messages for refusals that say what was denied and what would allow it.
// Served components are told the management tool to call or the policy key
// to add; `mcpkit run` is told the command-line option.

import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Violation } from '@mcpkit/sandbox';

/** The sentence that says how to allow a refused access, by capability. */
export interface Remedy {
  storage(v: Violation, uri: string, access: readonly string[]): string;
  network(v: Violation, host: string): string;
  environment(v: Violation, key: string): string;
}

function grantCall(tool: string, component: string, details: Record<string, unknown>): string {
  return `\`${tool}\` with ${JSON.stringify({ component_id: component, details })}`;
}

/** For a served component: a runtime grant, or its policy file. */
export const GRANT_REMEDY: Remedy = {
  storage: (v, uri, access) =>
    `To allow it, call ${grantCall('grant-storage-permission', v.component, { uri, access })}, or add \`storage.allow: [{ uri: "${uri}", access: [${access.join(', ')}] }]\` to the component's policy.`,
  network: (v, host) =>
    `To allow it, call ${grantCall('grant-network-permission', v.component, { host })}, or add \`network.allow: [{ host: "${host}" }]\` to the component's policy.`,
  environment: (v, key) =>
    `To allow it, call ${grantCall('grant-environment-variable-permission', v.component, { key })}, or add \`environment.allow: [{ key: "${key}" }]\` to the component's policy.`,
};

/** The directory to allow for a path: itself when it is one, else the one holding it. */
function directoryOf(path: string): string {
  try {
    if (statSync(path).isDirectory()) return path;
  } catch {
    // not there (yet): the directory it would be created in
  }
  return dirname(path);
}

/** For `mcpkit run`: its options, or the policy file given with --policy. */
export const RUN_REMEDY: Remedy = {
  storage: (v, uri, access) =>
    `To allow it, run with \`--allow-dir ${directoryOf(v.target)}\` (read and write inside that directory), or give \`--policy\` a file with \`storage.allow: [{ uri: "${uri}", access: [${access.join(', ')}] }]\`.`,
  network: (_v, host) =>
    `To allow it, run with \`--allow-host ${host}\`, or give \`--policy\` a file with \`network.allow: [{ host: "${host}" }]\`.`,
  environment: (_v, key) =>
    `To allow it, run with \`--allow-env ${key}\`, or give \`--policy\` a file with \`environment.allow: [{ key: "${key}" }]\`.`,
};

/** One sentence per refusal, with what would allow it. */
export function explainViolation(v: Violation, remedy: Remedy = GRANT_REMEDY): string {
  const rule = v.rule
    ? ` (the ${v.rule.list} rule \`${v.rule.text}\`${v.rule.line > 0 ? ` at line ${v.rule.line}` : ''})`
    : '';
  const head =
    `${v.access} ${v.capability === 'storage' ? 'access to' : ''} \`${v.target}\` was denied${rule}: ${v.reason}`.replace(
      /\s+/g,
      ' ',
    );
  if (v.rule?.list === 'deny') return `${head}. A deny rule decided it; grants cannot override it.`;
  switch (v.capability) {
    case 'storage':
      return `${head}. ${remedy.storage(v, `fs://${v.target}`, v.access === 'write' ? ['read', 'write'] : ['read'])}`;
    case 'network': {
      let host = v.target;
      try {
        host = new URL(v.target).hostname;
      } catch {
        // already a host
      }
      return `${head}. ${remedy.network(v, host)}`;
    }
    case 'environment':
      return `${head}. ${remedy.environment(v, v.target)}`;
    default:
      return `${head}.`;
  }
}

/** The distinct refusals of a call, explained, at most `max` of them. */
export function explainViolations(
  violations: readonly Violation[],
  remedy: Remedy = GRANT_REMEDY,
  max = 5,
): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const v of violations) {
    const key = `${v.capability}:${v.access}:${v.target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (lines.length < max) lines.push(`- ${explainViolation(v, remedy)}`);
  }
  const more = seen.size - lines.length;
  return lines.join('\n') + (more > 0 ? `\n- and ${more} more` : '');
}
