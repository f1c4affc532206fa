// A sentence for a tool's description saying which files its component may
// use, so an agent knows where the tool can look before it tries.

import type { PolicyDocument } from '@mcpkit/wasm-policy';

/** `/a/**` reads as the directory `/a`. */
const shown = (pattern: string) => `\`${pattern.replace(/\/\*\*$/, '') || '/'}\``;

export function storageReach(policy: PolicyDocument): string | undefined {
  const read: string[] = [];
  const write: string[] = [];
  for (const rule of policy.storage.allow) {
    if (rule.access.includes('read')) read.push(shown(rule.pattern));
    if (rule.access.includes('write')) write.push(shown(rule.pattern));
  }
  if (read.length === 0 && write.length === 0) return undefined;
  const parts = [
    ...(read.length > 0 ? [`read ${read.join(', ')}`] : []),
    ...(write.length > 0 ? [`write ${write.join(', ')}`] : []),
  ];
  const except = policy.storage.deny.map((r) => shown(r.pattern));
  return `Files it may ${parts.join('; ')}${except.length > 0 ? ` (except ${except.join(', ')})` : ''}; nothing else.`;
}
