// `mcpkit policy validate|explain|schema`: pure functions returning results
// and diagnostics; printing is the CLI's.

import {
  type Access,
  compilePolicy,
  type Decision,
  type Diagnostic,
  hasErrors,
  loadPolicyFile,
  type PolicyDocument,
  policySchema,
} from '@mcpkit/wasm-policy';
import type { CompiledMcp } from '../mcp-extension/index.js';
import { serverRegistry } from '../policies.js';
import { explainTrust, type TrustQuery } from '../trust/explain.js';
import type { CompiledTrust } from '../trust/model.js';
import { serverTrust } from '../trust/server-trust.js';

export interface ValidateResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly string[];
  readonly document?: PolicyDocument;
}

export async function validatePolicyFile(file: string): Promise<ValidateResult> {
  const r = await loadPolicyFile(file, { registry: serverRegistry() });
  return {
    ok: !hasErrors(r.diagnostics) && r.document !== undefined,
    diagnostics: r.diagnostics,
    files: r.files,
    ...(r.document ? { document: r.document } : {}),
  };
}

export type ExplainQuery =
  | { kind: 'storage'; access: Access; path: string }
  | { kind: 'network'; url: string; method?: string }
  | { kind: 'env'; key: string }
  | { kind: 'tool'; name: string; args?: Record<string, unknown> }
  | ({ kind: 'trust' } & TrustQuery);

export interface ExplainResult {
  readonly query: ExplainQuery;
  readonly decision: Decision;
  /** For a trust query: what the applying trust rule requires. */
  readonly requires?: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

export async function explainPolicy(file: string, query: ExplainQuery): Promise<ExplainResult> {
  const registry = serverRegistry();
  const r = await loadPolicyFile(file, { registry });
  if (!r.document)
    throw Object.assign(new Error(`${file} has errors`), { diagnostics: r.diagnostics });
  if (query.kind === 'trust') {
    const trust: CompiledTrust = serverTrust(r.document, registry);
    const { requires, ...decision } = explainTrust(trust, query);
    return { query, decision, requires, diagnostics: r.diagnostics };
  }
  const policy = compilePolicy(r.document, { registry });
  let decision: Decision;
  switch (query.kind) {
    case 'storage':
      decision = policy.decideStorage(query.path, query.access);
      break;
    case 'network':
      decision = /^[a-z][a-z0-9+.-]*:\/\//i.test(query.url)
        ? policy.decideUrl(query.url, query.method ?? 'GET')
        : policy.decideNetwork({ host: query.url });
      break;
    case 'env':
      decision = policy.decideEnv(query.key);
      break;
    case 'tool': {
      const tools = policy.extension<CompiledMcp>('mcp')?.tools;
      decision = tools
        ? tools.decide(query.name, query.args ?? {})
        : {
            allowed: true,
            code: 'allowed',
            rule: null,
            reason: 'the policy has no `mcp.tools` section, so it does not restrict tools',
          };
      break;
    }
  }
  return { query, decision, diagnostics: r.diagnostics };
}

export function schemaOfPolicy(): Record<string, unknown> {
  return policySchema(serverRegistry());
}
