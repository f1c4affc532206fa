// The compiled `mcp:` section: what `mcpExtension.compile` returns and the
// server consults for every tools/list, tools/call, prompts/get, resources/*.

import type { McpSection } from './model.js';
import { PromptRules } from './prompt-rules.js';
import { ResourceRules } from './resource-rules.js';
import { ToolRules } from './tool-rules.js';
import { compileTransport, type TransportPolicy } from './transport.js';

export class CompiledMcp {
  /** Undefined when the document has no `tools`: the server decides what that means. */
  readonly tools: ToolRules | undefined;
  readonly prompts: PromptRules | undefined;
  readonly resources: ResourceRules | undefined;
  readonly transport: TransportPolicy;

  constructor(section: McpSection) {
    this.tools = section.tools ? new ToolRules(section.tools) : undefined;
    this.prompts = section.prompts ? new PromptRules(section.prompts) : undefined;
    this.resources = section.resources ? new ResourceRules(section.resources) : undefined;
    this.transport = compileTransport(section.transport);
    Object.freeze(this);
  }
}
