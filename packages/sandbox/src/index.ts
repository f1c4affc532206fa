// @mcpkit/sandbox: run WebAssembly under a compiled policy. Every capability a
// guest uses is checked at the host-function boundary.

export type { BridgeHandler } from './bridge.js';
export type { GrantRequest, HostReply, HostRequest } from './component/instance.js';
export {
  argumentsFromJson,
  camelCase,
  type Direction,
  fromJson,
  type JsonSchema,
  jsonSchemaOf,
  parametersSchema,
  resultSchema,
  type TypeDocs,
  toJson,
  ValueError,
} from './component/json.js';
export {
  clearComponentCache,
  type LoadComponentOptions,
  type LoadedComponent,
  loadComponent,
} from './component/load.js';
export { ComponentFormatError, readComponentInterface } from './component/reader.js';
export {
  type ComponentCallOptions,
  type ComponentCallResult,
  type ComponentFunction,
  ComponentSandbox,
  type ComponentSandboxOptions,
  functionsOf,
  MCPKIT_HOST_INTERFACES,
  unsupportedComponentImports,
} from './component/sandbox.js';
export {
  type ComponentInterface,
  usesResource,
  type WitFunction,
  type WitInterface,
  type WitPrimitive,
  type WitType,
  witTypeText,
} from './component/wit-types.js';
export {
  EGRESS_ERROR_CODES,
  EgressError,
  type EgressErrorCode,
  type EgressFetchOptions,
  type EgressOptions,
  type EgressRequest,
  type EgressResponse,
  EgressService,
} from './egress.js';
export { type Admission, EgressBudget } from './egress-budget.js';
export {
  CancelledError,
  ClosedError,
  ComponentNotModuleError,
  ConcurrencyLimitError,
  CpuQuotaError,
  CpuTimeError,
  DeadlineError,
  InvalidWasmError,
  MemoryLimitError,
  NoEntryPointError,
  NotWasmError,
  OutOfMemoryError,
  OutputLimitError,
  PluginError,
  SANDBOX_ERROR_CODES,
  SandboxError,
  type SandboxErrorCode,
  StackOverflowError,
  StoppedError,
  TrapError,
  UnsupportedImportsError,
  WorkerCrashedError,
} from './errors.js';
export {
  EXTISM_ENV,
  EXTISM_USER,
  KERNEL_FUNCTIONS,
  KERNEL_TYPES,
  type PluginLog,
  type PluginLogLevel,
  type PluginUserReply,
  type PluginUserRequest,
  USER_FUNCTIONS,
  USER_TYPES,
} from './extism/kernel.js';
export {
  DEFAULT_MAX_VAR_BYTES,
  isExtismPlugin,
  type PluginCallOptions,
  type PluginCallResult,
  PluginSandbox,
  type PluginSandboxOptions,
} from './extism/sandbox.js';
export {
  type HostCallContext,
  type HostFunction,
  type HostModule,
  type HostModuleFactory,
  type HostModuleSource,
  type HostValue,
  hostFunction,
} from './host-module.js';
export type { RunOutcome } from './instance.js';
export {
  clearModuleCache,
  digestOf,
  type LoadedModule,
  type LoadModuleOptions,
  loadModule,
} from './module.js';
export { WorkerPool, type WorkerPoolOptions } from './pool.js';
export {
  DEFAULT_LIMITS,
  DEFAULT_MAX_QUEUED,
  defaultPool,
  type EffectiveLimits,
  GuestSandbox,
  type GuestSandboxOptions,
  type RunOptions,
  type RunResult,
  Sandbox,
  type SandboxOptions,
} from './sandbox.js';
export { type Resolved, type ResolveResult, type Root, StorageGate } from './storage-gate.js';
export { type Capability, type Violation, type ViolationListener, violation } from './violation.js';
export { ERRNO, errnoName } from './wasi/constants.js';
export { GuestMemory } from './wasi/memory.js';
export { PREVIEW1_FUNCTIONS, WASI_MODULE } from './wasi/preview1.js';
export {
  type BinaryKind,
  binaryKind,
  customSections,
  setCustomSection,
} from './wasm-binary.js';
