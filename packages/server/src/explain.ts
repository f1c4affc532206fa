// Messages for refusals that say what was denied and what would allow it:
// the management tool to call, or the policy key to add.

import type { Violation } from '@mcpkit/sandbox';

function grantCall(tool: string, component: string, details: Record<string, unknown>): string {
  return `\`${tool}\` with ${JSON.stringify({ component_id: component, details })}`;
}

/** One sentence per refusal, with the grant that would allow it. */
export function explainViolation(v: Violation): string {
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
    case 'storage': {
      const access = v.access === 'write' ? ['read', 'write'] : ['read'];
      const uri = `fs://${v.target}`;
      return `${head}. To allow it, call ${grantCall('grant-storage-permission', v.component, { uri, access })}, or add \`storage.allow: [{ uri: "${uri}", access: [${access.join(', ')}] }]\` to the component's policy.`;
    }
    case 'network': {
      let host = v.target;
      try {
        host = new URL(v.target).hostname;
      } catch {
        // already a host
      }
      return `${head}. To allow it, call ${grantCall('grant-network-permission', v.component, { host })}, or add \`network.allow: [{ host: "${host}" }]\` to the component's policy.`;
    }
    case 'environment':
      return `${head}. To allow it, call ${grantCall('grant-environment-variable-permission', v.component, { key: v.target })}, or add \`environment.allow: [{ key: "${v.target}" }]\` to the component's policy.`;
    default:
      return `${head}.`;
  }
}

/** The distinct refusals of a call, explained, at most `max` of them. */
export function explainViolations(violations: readonly Violation[], max = 5): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const v of violations) {
    const key = `${v.capability}:${v.access}:${v.target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (lines.length < max) lines.push(`- ${explainViolation(v)}`);
  }
  const more = seen.size - lines.length;
  return lines.join('\n') + (more > 0 ? `\n- and ${more} more` : '');
}
