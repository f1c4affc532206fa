// Typed errors of the sandbox, each with a stable `code`. A guest's failure
// (trap, deadline, memory) is one of these; the host and other guests go on.

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  /** What the guest had produced when it failed (output so far, violations), when it ran. */
  outcome?: import('./instance.js').RunOutcome;
  constructor(code: SandboxErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[number];

/** Every code a SandboxError may carry; pinned by a test. */
export const SANDBOX_ERROR_CODES = Object.freeze([
  'not-wasm',
  'is-component',
  'invalid-wasm',
  'unsupported-imports',
  'memory-limit',
  'trap',
  'stack-overflow',
  'out-of-memory',
  'deadline',
  'cpu-time',
  'cpu-quota',
  'output-limit',
  'concurrency-limit',
  'cancelled',
  'stopped',
  'worker-crashed',
  'closed',
  'no-entry-point',
  'plugin-failed',
] as const);

/** The bytes are not WebAssembly at all. */
export class NotWasmError extends SandboxError {
  constructor(what: string) {
    super('not-wasm', `${what} is not a WebAssembly file (it does not start with \\0asm)`);
  }
}

/** A WebAssembly component where a core module was expected. */
export class ComponentNotModuleError extends SandboxError {
  constructor(what: string) {
    super(
      'is-component',
      `${what} is a WebAssembly component (WASI 0.2), not a core module; it needs the component loader`,
    );
  }
}

export class InvalidWasmError extends SandboxError {
  constructor(what: string, detail: string) {
    super('invalid-wasm', `${what} is not valid WebAssembly: ${detail}`);
  }
}

export class UnsupportedImportsError extends SandboxError {
  constructor(
    what: string,
    readonly imports: readonly string[],
    kind: 'function' | 'interface' = 'function',
  ) {
    super(
      'unsupported-imports',
      `${what} imports ${imports.length === 1 ? `${kind === 'interface' ? 'an' : 'a'} ${kind}` : `${imports.length} ${kind}s`} the host does not provide: ${imports.join(', ')}`,
    );
  }
}

/** The module needs more memory to start than the policy allows. */
export class MemoryLimitError extends SandboxError {
  constructor(message: string) {
    super('memory-limit', message);
  }
}

export class TrapError extends SandboxError {
  constructor(message: string, options?: ErrorOptions) {
    super('trap', message, options);
  }
}

/** An Extism plugin's function returned failure, with the message it set (if any). */
export class PluginError extends SandboxError {
  constructor(
    fn: string,
    readonly returned: number,
    readonly pluginMessage: string | undefined,
  ) {
    super(
      'plugin-failed',
      pluginMessage !== undefined && pluginMessage.trim() !== ''
        ? pluginMessage
        : `the plugin's \`${fn}\` failed (it returned ${returned} and set no error message)`,
    );
  }
}

export class StackOverflowError extends SandboxError {
  constructor() {
    super('stack-overflow', 'the guest overflowed its call stack (unbounded recursion?)');
  }
}

export class OutOfMemoryError extends SandboxError {
  constructor(limit: number, detail: string) {
    super(
      'out-of-memory',
      `the guest ran out of memory at its limit of ${Math.round(limit / 1024 / 1024)} MiB: ${detail}`,
    );
  }
}

export class DeadlineError extends SandboxError {
  constructor(ms: number) {
    super('deadline', `the call did not finish within its ${ms} ms deadline and was stopped`);
  }
}

/** The call used more CPU time than `resources.limits.cpu_time` allows. */
export class CpuTimeError extends SandboxError {
  constructor(readonly limitMs: number) {
    super(
      'cpu-time',
      `the call used more than its ${limitMs} ms of CPU time (\`resources.limits.cpu_time\`) and was stopped`,
    );
  }
}

/**
 * The component's calls used up its CPU quota (`resources.limits.cpu`): a
 * running call is stopped, a new one refused when the quota would not be
 * back in time.
 */
export class CpuQuotaError extends SandboxError {
  constructor(
    component: string,
    /** The quota, as the policy writes it (`500m`). */
    quota: string,
    /** How long until calls may start again, in ms. */
    readonly retryAfterMs: number,
    refused?: { waitLimitMs: number },
  ) {
    const back = `calls can start again in ${formatMs(retryAfterMs)}`;
    super(
      'cpu-quota',
      refused
        ? `component \`${component}\` has used up its CPU quota of ${quota} (\`resources.limits.cpu\`); ${back}, later than this call may wait (${formatMs(refused.waitLimitMs)})`
        : `component \`${component}\` used up its CPU quota of ${quota} (\`resources.limits.cpu\`) and the call was stopped; ${back}`,
    );
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.ceil(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export class OutputLimitError extends SandboxError {
  constructor(stream: string, limit: number) {
    super('output-limit', `the guest wrote more than ${limit} bytes to ${stream} and was stopped`);
  }
}

export class ConcurrencyLimitError extends SandboxError {
  constructor(component: string, limit: number) {
    super(
      'concurrency-limit',
      `component \`${component}\` already has ${limit} calls running or waiting; try again later`,
    );
  }
}

export class CancelledError extends SandboxError {
  constructor() {
    super('cancelled', 'the call was cancelled');
  }
}

/** The host ended every running call (`WorkerPool.stopAll`), for the reason it gave. */
export class StoppedError extends SandboxError {
  constructor(reason: string) {
    super('stopped', `the call was stopped: ${reason}`);
  }
}

export class WorkerCrashedError extends SandboxError {
  constructor(detail: string) {
    super('worker-crashed', `the worker running the guest failed: ${detail}`);
  }
}

export class ClosedError extends SandboxError {
  constructor() {
    super('closed', 'the sandbox is closed');
  }
}

export class NoEntryPointError extends SandboxError {
  constructor(what: string, name: string) {
    super('no-entry-point', `${what} exports no \`${name}\` function to run`);
  }
}
