// The `mcp:` section of a policy: the extension the server registers, its
// document model, and the compiled form every MCP request is checked against.

export { CompiledMcp, DEFAULT_APPROVAL_TIMEOUT_MS } from './compiled.js';
export type { McpDecision } from './decision.js';
export { mcpExtension } from './extension.js';
export {
  APPROVALS,
  type Approval,
  type ClientSection,
  type EnumValue,
  type GrantsSection,
  type HttpSection,
  type McpRuleLists,
  type McpSection,
  OPERATIONS,
  type Operation,
  type ParameterConstraint,
  type PromptRule,
  type ResourceRule,
  type ToolRule,
  type TransportSection,
} from './model.js';
export type { PromptRules } from './prompt-rules.js';
export type { ResourceRules } from './resource-rules.js';
export { mcpSchema } from './schema.js';
export type { ToolRules } from './tool-rules.js';
export type { HttpTransport, TransportPolicy } from './transport.js';
