// The compiled `mcp:` section: what `mcpExtension.compile` returns and the
// server consults for every tools/list, tools/call, prompts/get, resources/*.

import type { Approval, McpSection } from './model.js';
import { PromptRules } from './prompt-rules.js';
import { ResourceRules } from './resource-rules.js';
import { ToolRules } from './tool-rules.js';
import { compileTransport, type TransportPolicy } from './transport.js';

/** How long a person has to approve a grant unless `mcp.grants.timeout` says. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000;

export class CompiledMcp {
  /** Undefined when the document has no `tools`: the server decides what that means. */
  readonly tools: ToolRules | undefined;
  readonly prompts: PromptRules | undefined;
  readonly resources: ResourceRules | undefined;
  readonly transport: TransportPolicy;
  /** What the document says about asking the client (`mcp.client`); absent keys are undefined. */
  readonly client: {
    readonly sampling?: boolean;
    readonly elicitation?: boolean;
    readonly roots?: boolean;
  };
  /** How runtime grants are approved (`mcp.grants`; read from the server policy). */
  readonly grants: { readonly approval: Approval; readonly timeoutMs: number };

  constructor(section: McpSection) {
    this.tools = section.tools ? new ToolRules(section.tools) : undefined;
    this.prompts = section.prompts ? new PromptRules(section.prompts) : undefined;
    this.resources = section.resources ? new ResourceRules(section.resources) : undefined;
    this.transport = compileTransport(section.transport);
    const { sampling, elicitation, roots } = section.client ?? {};
    this.client = Object.freeze({
      ...(sampling !== undefined ? { sampling } : {}),
      ...(elicitation !== undefined ? { elicitation } : {}),
      ...(roots !== undefined ? { roots } : {}),
    });
    this.grants = Object.freeze({
      approval: section.grants?.approval ?? 'none',
      timeoutMs: section.grants?.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    });
    Object.freeze(this);
  }
}
