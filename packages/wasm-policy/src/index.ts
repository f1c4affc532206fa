// @mcpkit/wasm-policy: a generic, compiled capability policy for WebAssembly
// hosts. Parse, validate, compile, decide; extensions; merge; JSON Schema.

export { CompiledPolicy, type CompileOptions, compilePolicy } from './compile.js';
export { NameMatcher, type NameRule, nameGlobMatches } from './compile-names.js';
export type { NetworkTarget } from './compile-network.js';
export type { StorageScope } from './compile-storage.js';
export {
  envKeyCovers,
  envKeyMatches,
  hostPatternCovers,
  networkRuleCovers,
  pathPrefixMatches,
  storagePatternCovers,
  storagePatternMatches,
} from './cover.js';
export type { Decision, DecisionCode, RuleRef } from './decision.js';
export {
  type Diagnostic,
  didYouMean,
  formatDiagnostic,
  hasErrors,
  joinPointer,
  quote,
  type Severity,
} from './diagnostics.js';
export {
  DuplicateExtensionError,
  InvalidExtensionError,
  InvalidPolicyError,
  POLICY_ERROR_CODES,
  PolicyError,
} from './errors.js';
export {
  CORE_SECTIONS,
  type CompileContext,
  defineExtension,
  ExtensionRegistry,
  type JsonSchema,
  type PolicyExtension,
  type SectionContext,
} from './extension.js';
export { escapeGlob, globSyntaxError, isNameGlob, nameGlobRegex } from './glob.js';
export { type HostError, isHostError, normalizeHost } from './host.js';
export { fromHyperMcpRuntimeConfig, type HyperMcpConversion } from './hyper-mcp.js';
export {
  type Cidr,
  canonicalIp,
  cidrContains,
  formatIp,
  type IpAddress,
  parseCidr,
  parseIp,
} from './ip.js';
export { type LoadOptions, type LoadResult, loadPolicyFile } from './load.js';
export {
  type CeilingViolation,
  intersectPolicy,
  mergePolicies,
  minEgress,
  outsideCeiling,
} from './merge.js';
export {
  ACCESSES,
  type Access,
  type CidrRule,
  CURRENT_VERSION,
  type EgressLimits,
  type EnvRule,
  emptyPolicy,
  type HostRule,
  type Isolation,
  MAX_OPEN_FILES,
  type NetworkRule,
  type NetworkSection,
  type PolicyDocument,
  type PortRange,
  type ResourceLimits,
  type RuleLists,
  type RuntimeSettings,
  type SourceRef,
  type StorageRule,
} from './model.js';
export { isPathError, isWithin, normalizePath, type PathError, resolvePath } from './path.js';
export {
  formatBytes,
  formatCpu,
  formatDuration,
  MIN_CPU_TIME_MS,
  parseBytes,
  parseCpu,
  parseCpuTime,
  parseDuration,
} from './quantity.js';
export { SlidingWindow } from './rate-window.js';
export { POLICY_SCHEMA_ID, policySchema } from './schema.js';
export { serializeNetworkRule, serializePolicy } from './serialize.js';
export {
  DEFAULT_SOURCE_LIMITS,
  parseSource,
  type SourceLimits,
  type SourceTree,
  treeFromValue,
} from './source.js';
export { SPECIAL_RANGES, specialRange } from './special-addresses.js';
export {
  type ReadOptions,
  type ReadResult,
  readPolicy,
  type ValidateOptions,
  validatePolicy,
} from './validate.js';
