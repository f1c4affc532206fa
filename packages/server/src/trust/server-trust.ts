// The compiled trust section of a server policy, or the defaults when the
// policy has none (no rules: remote sources refused, local paths only inside
// allowed directories, operator loads trusted).

import { compilePolicy, type ExtensionRegistry, type PolicyDocument } from '@mcpkit/wasm-policy';
import { type CompiledTrust, EMPTY_TRUST } from './model.js';

export function serverTrust(
  policy: PolicyDocument | undefined,
  registry: ExtensionRegistry,
): CompiledTrust {
  if (!policy?.extensions.trust) return EMPTY_TRUST;
  return compilePolicy(policy, { registry }).extension<CompiledTrust>('trust') ?? EMPTY_TRUST;
}
