// One run of a guest: a fresh instance of a compiled module with this call's
// WASI host and host modules, `_start` called, the outcome described in plain
// data (it may cross a thread boundary).

import {
  type CompiledPolicy,
  compilePolicy,
  type Decision,
  type PolicyDocument,
} from '@mcpkit/wasm-policy';
import {
  EXTISM_ENV,
  EXTISM_USER,
  Kernel,
  type PluginCall,
  type PluginListeners,
  type PluginOutcome,
} from './extism/kernel.js';
import { type HostCallContext, type HostModule, hostImports } from './host-module.js';
import { METER_EXPORT, METER_PAGES } from './meter.js';
import { StorageGate } from './storage-gate.js';
import { type Violation, violation } from './violation.js';
import { Cancelled, GuestAbort, OutputLimitExceeded, ProcExit, Unsettled } from './wasi/aborts.js';
import { createWasi, WASI_MODULE } from './wasi/preview1.js';

export interface RunRequest {
  component: string;
  /** argv; the program name first. */
  args: readonly string[];
  /** Candidate environment; the policy filters it. */
  env: Readonly<Record<string, string>>;
  stdin: Uint8Array;
  /** Bytes each of stdout and stderr may hold. */
  maxOutput: number;
  /** Export to call; `_start` for a command. */
  entry: string;
  /** For an Extism plugin: what the call is given besides its input (stdin). */
  plugin?: PluginCall;
}

export interface RunError {
  code:
    | 'trap'
    | 'stack-overflow'
    | 'out-of-memory'
    | 'output-limit'
    | 'cancelled'
    | 'no-entry-point'
    | 'invalid-wasm';
  message: string;
}

export interface RunOutcome {
  exitCode: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  error?: RunError;
  /** Linear memory at the end, in bytes. */
  memoryBytes: number;
  /** True when memory reached its limit. */
  memoryExhausted: boolean;
  durationMs: number;
  /** CPU time of the run in ms, where a CPU limit had it measured. */
  cpuMs?: number;
  violations: Violation[];
  /**
   * Set when a trial run could not settle the call (a host call outside
   * memory, its budget spent, its stack too small): discard it and run again.
   */
  unsettled?: string;
  /** For an Extism plugin: its output, error, vars and logs. */
  plugin?: PluginOutcome;
}

export interface RunEnvironment {
  policy: CompiledPolicy;
  hostModules: readonly HostModule[];
  /** Largest memory in bytes (for reporting exhaustion). */
  memoryLimit: number | undefined;
  onStderr?: (chunk: Uint8Array) => void;
  onViolation?: (v: Violation) => void;
  cancelled?: () => boolean;
  call?: (channel: string, payload: unknown) => unknown;
  hostOptions?: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /**
   * A trial run of a metered module (see meter.ts) on the calling thread:
   * host calls stay in memory and anything else leaves the run unsettled.
   */
  trial?: boolean;
  /** The memory for a module that imports one (default: a new one-page memory). */
  memory?: WebAssembly.Memory;
  /**
   * With `trial`: make an instance that `reset` can restore, given the
   * export names of the module's mutable globals (a resettable metered copy).
   */
  reuse?: { globals: readonly string[] };
}

const compiled = new WeakMap<PolicyDocument, CompiledPolicy>();
const memoryImports = new WeakMap<WebAssembly.Module, WebAssembly.ModuleImportDescriptor | null>();
const plugins = new WeakMap<WebAssembly.Module, boolean>();
const wasiUsers = new WeakMap<WebAssembly.Module, boolean>();

/** Does the module import any WASI function (looked up once per module)? */
function usesWasi(module: WebAssembly.Module): boolean {
  let w = wasiUsers.get(module);
  if (w === undefined) {
    w = WebAssembly.Module.imports(module).some((i) => i.module === WASI_MODULE);
    wasiUsers.set(module, w);
  }
  return w;
}

/** Does the module import the Extism kernel (looked up once per module)? */
export function isPluginModule(module: WebAssembly.Module): boolean {
  let p = plugins.get(module);
  if (p === undefined) {
    p = WebAssembly.Module.imports(module).some(
      (i) => i.module === EXTISM_ENV || i.module === EXTISM_USER,
    );
    plugins.set(module, p);
  }
  return p;
}

/** The module's imported memory, if any (looked up once per module). */
function memoryImportOf(
  module: WebAssembly.Module,
): WebAssembly.ModuleImportDescriptor | undefined {
  let m = memoryImports.get(module);
  if (m === undefined) {
    m = WebAssembly.Module.imports(module).find((i) => i.kind === 'memory') ?? null;
    memoryImports.set(module, m);
  }
  return m ?? undefined;
}

/** Compile a policy document once per document object. */
export function compiledPolicyOf(doc: PolicyDocument): CompiledPolicy {
  let p = compiled.get(doc);
  if (!p) {
    p = compilePolicy({ ...doc, extensions: {} });
    compiled.set(doc, p);
  }
  return p;
}

/**
 * Did a memory that grew from `initial` to `bytes` run out? A failed
 * memory.grow cannot be observed; a memory within the last allocation's reach
 * of the limit (1/16 of it, at least 2 MiB) is taken as exhausted.
 */
export function nearLimit(bytes: number, initial: number, limit: number | undefined): boolean {
  if (limit === undefined || bytes <= initial) return false;
  return bytes + Math.max(2 * 1024 * 1024, limit / 16) > limit;
}

/** A trap with memory at its limit is the guest running out of memory. */
export function atLimit(error: RunError | undefined, exhausted: boolean): RunError | undefined {
  return error?.code === 'trap' && exhausted
    ? { code: 'out-of-memory', message: error.message }
    : error;
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** What ended a guest's run, other than its own exit. */
export function describeFailure(error: unknown): RunError {
  if (error instanceof OutputLimitExceeded) return { code: 'output-limit', message: error.message };
  if (error instanceof Cancelled) return { code: 'cancelled', message: error.message };
  // The Extism kernel's refusals (a bad address, a refused HTTP request) say it all.
  if (error instanceof GuestAbort) return { code: 'trap', message: error.message };
  if (isStackOverflow(error))
    return { code: 'stack-overflow', message: 'the guest overflowed its call stack' };
  if (error instanceof WebAssembly.LinkError)
    return { code: 'invalid-wasm', message: error.message };
  if (error instanceof WebAssembly.RuntimeError)
    return { code: 'trap', message: `the guest trapped: ${error.message}` };
  return {
    code: 'trap',
    message: `the guest failed: ${(error as Error)?.message ?? String(error)}`,
  };
}

/**
 * An instance made ahead of its call: instantiated, memory attached, host
 * functions in place, never run. A call binds its arguments and input to it
 * and runs `_start`; then it is thrown away.
 */
export interface PreparedInstance {
  run(request: RunRequest, hooks: RunHooks): RunOutcome;
  /**
   * With `reuse`: put the instance back as it was made (memory, globals, a
   * new WASI host) so it can run again; false when it cannot be (its memory
   * grew), and it is then thrown away.
   */
  reset?(): boolean;
}

/**
 * The state of a fresh instance the host can put back: its memory, and every
 * mutable global (exported by the metered copy, with the fuel).
 */
function snapshot(
  instance: WebAssembly.Instance,
  memory: WebAssembly.Memory,
  reuse: { globals: readonly string[] },
  growable: boolean,
): { restore(): boolean } {
  // The image as runs of zero pages, put back with a fill, and copies of
  // what lies between them (a stack region of zeros costs nothing to keep).
  const live = new Uint8Array(memory.buffer);
  const length = live.length;
  const zero = zeroPages(live);
  const parts: Array<{ at: number; bytes: Uint8Array }> = [];
  let from = 0;
  for (const [start, end] of [...zero, [length, length] as [number, number]]) {
    if (start > from) parts.push({ at: from, bytes: live.slice(from, start) });
    from = end;
  }
  const globals = [METER_EXPORT, ...reuse.globals].map((name) => {
    const g = instance.exports[name];
    if (!(g instanceof WebAssembly.Global))
      throw new Error(`the instance exports no global ${name}`);
    return { g, value: g.value as unknown };
  });
  return {
    restore() {
      const size = memory.buffer.byteLength;
      if (size !== length && !(growable && size - length <= RESET_GROWN_BYTES)) return false;
      const now = new Uint8Array(memory.buffer);
      if (size > length) now.fill(0, length);
      for (const [start, end] of zero) now.fill(0, start, end);
      for (const part of parts) now.set(part.bytes, part.at);
      for (const { g, value } of globals) g.value = value;
      return true;
    },
  };
}

/**
 * Most memory an instance may have grown by and still be reset: kept, zeroed,
 * past the size the guest sees (as the kernel keeps a heap of up to 1 MiB).
 */
const RESET_GROWN_BYTES = 1024 * 1024;

const RUN_PAGE = 4096;

const ZERO_PAGE = Buffer.alloc(RUN_PAGE);

/** The [start, end) runs of 4 KiB pages of `bytes` that hold only zeros. */
function zeroPages(bytes: Uint8Array): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let start = 0; start < bytes.length; start += RUN_PAGE) {
    const end = Math.min(start + RUN_PAGE, bytes.length);
    if (all.compare(ZERO_PAGE, 0, end - start, start, end) !== 0) continue;
    const last = runs[runs.length - 1];
    if (last && last[1] === start) last[1] = end;
    else runs.push([start, end]);
  }
  return runs;
}

/** What one call adds to a prepared instance. */
export interface RunHooks {
  onStderr?: ((chunk: Uint8Array) => void) | undefined;
  onViolation?: ((v: Violation) => void) | undefined;
  cancelled?: (() => boolean) | undefined;
  /** An Extism plugin's logs and progress as they happen. */
  plugin?: PluginListeners | undefined;
}

const EMPTY = new Uint8Array(0);

/**
 * The output of a guest without WASI: on the calling thread one shared empty
 * array; in a worker a new one, since its buffer is transferred.
 */
function noOutput(trial: boolean | undefined): Uint8Array {
  return trial ? EMPTY : new Uint8Array(0);
}

const NO_PLUGIN_CALL: PluginCall = Object.freeze({
  config: {},
  vars: [],
  maxVarBytes: 0,
  logLevel: undefined,
  http: false,
  user: false,
});

/** Instantiate `module` for one future call under `env` (policy, host modules, limits). */
export function prepareInstance(
  module: WebAssembly.Module,
  component: string,
  maxOutput: number,
  env: RunEnvironment,
): PreparedInstance {
  let violations: Violation[] = [];
  let listener: ((v: Violation) => void) | undefined;
  const onViolation = (v: Violation) => {
    violations.push(v);
    listener?.(v);
  };
  const wasi = createWasi({
    policy: env.policy,
    gate: new StorageGate({ policy: env.policy, component, onViolation }),
    maxOutput,
    onViolation,
    ...(env.trial ? { trial: true } : {}),
  });
  const ctx: HostCallContext = {
    component,
    memory: wasi.context.memory,
    policy: env.policy,
    options: {},
    deny: (capability, target, access, decision: Decision) =>
      onViolation(violation(component, capability, target, access, decision)),
    call: (channel, payload) => {
      if (!env.call)
        throw new Error('host calls to the embedder are not available when the guest runs inline');
      return env.call(channel, payload);
    },
  };
  const imports: WebAssembly.Imports = { [WASI_MODULE]: wasi.imports };
  const wasiInUse = usesWasi(module);
  let memory: WebAssembly.Memory | undefined;
  // The linear memory the guest has: the size it sees when that is its own
  // (a reset instance may hold zeroed pages past it), else the memory's.
  let pages: WebAssembly.Global | undefined;
  const linear = () => (pages ? (pages.value as number) * 65536 : (memory?.buffer.byteLength ?? 0));
  const kernel = isPluginModule(module)
    ? new Kernel({
        memoryLimit: env.memoryLimit ?? Number.MAX_SAFE_INTEGER,
        maxOutput,
        linearBytes: linear,
        ...(env.call ? { call: env.call } : {}),
        ...(env.trial ? { trial: true } : {}),
      })
    : undefined;
  if (kernel) Object.assign(imports, kernel.imports());
  for (const hm of env.hostModules) {
    imports[hm.name] = hostImports(hm, { ...ctx, options: env.hostOptions?.get(hm.name) ?? {} });
  }
  let instance: WebAssembly.Instance | undefined;
  let linkError: Error | undefined;
  try {
    const memImport = memoryImportOf(module);
    if (memImport) {
      memory =
        env.memory ??
        new WebAssembly.Memory({
          initial: 1,
          ...(env.memoryLimit !== undefined
            ? { maximum: Math.floor(env.memoryLimit / 65536) }
            : {}),
        });
      imports[memImport.module] = {
        ...(imports[memImport.module] ?? {}),
        [memImport.name]: memory,
      };
    }
    instance = new WebAssembly.Instance(module, imports);
    // Usually `memory`; any exported memory is the guest's.
    const exported =
      instance.exports.memory ??
      Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory);
    if (exported instanceof WebAssembly.Memory) memory = exported;
    if (memory) wasi.attach(memory);
  } catch (error) {
    linkError = error as Error;
  }
  if (kernel && instance && !linkError) {
    kernel.guard(instance.exports);
    linkError = initializePlugin(instance, env.trial === true);
  }
  // Setting up took more than a trial may spend: the call runs in a worker.
  const initUnsettled = linkError instanceof InitUnsettled ? linkError.message : undefined;
  if (instance?.exports[METER_PAGES] instanceof WebAssembly.Global)
    pages = instance.exports[METER_PAGES] as WebAssembly.Global;
  const initialBytes = linear();
  let used = false;
  // A module that sees a memory size of its own can be reset after its
  // memory grew: the pages past its image are zeroed.
  const image =
    env.reuse && instance && memory
      ? snapshot(instance, memory, env.reuse, pages !== undefined)
      : undefined;

  return {
    ...(image
      ? {
          reset() {
            if (!image.restore()) return false;
            // A module without WASI imports cannot have touched the WASI host.
            if (wasiInUse) wasi.reset();
            violations = [];
            used = false;
            return true;
          },
        }
      : {}),
    run(request, hooks) {
      if (used) throw new Error('a prepared instance runs once');
      used = true;
      const started = performance.now();
      listener = hooks.onViolation;
      if (wasiInUse)
        wasi.bind({
          args: request.args,
          env: request.env,
          stdin: request.stdin,
          onStderr: hooks.onStderr,
          cancelled: hooks.cancelled,
        });
      kernel?.bind(request.stdin, request.plugin ?? NO_PLUGIN_CALL, hooks.plugin);
      const outcome = (exitCode: number, error?: RunError, returned?: number): RunOutcome => {
        // A plugin's kernel heap counts with its linear memory.
        const bytes = linear() + (kernel?.heapBytes ?? 0);
        const exhausted =
          nearLimit(bytes, initialBytes, env.memoryLimit) || kernel?.exhausted === true;
        let err = atLimit(error, exhausted);
        if (!err && kernel && env.memoryLimit !== undefined && bytes > env.memoryLimit)
          err = {
            code: 'out-of-memory',
            message: `the plugin ended with ${bytes} bytes of linear and kernel memory, past its limit of ${env.memoryLimit}`,
          };
        return {
          exitCode,
          stdout: wasiInUse ? wasi.stdout.bytes() : noOutput(env.trial),
          stderr: wasiInUse ? wasi.stderr.bytes() : noOutput(env.trial),
          ...(err ? { error: err } : {}),
          memoryBytes: bytes,
          memoryExhausted: exhausted,
          durationMs: performance.now() - started,
          violations,
          ...(kernel ? { plugin: kernel.finish(returned ?? exitCode) } : {}),
        };
      };
      try {
        if (initUnsettled !== undefined) return { ...outcome(1), unsettled: initUnsettled };
        if (linkError) throw linkError;
        const entry = instance!.exports[request.entry];
        if (typeof entry !== 'function') {
          return outcome(1, {
            code: 'no-entry-point',
            message: `the module exports no \`${request.entry}\` function`,
          });
        }
        if (kernel) {
          const returned = (entry as () => unknown)();
          return outcome(0, undefined, typeof returned === 'number' ? returned : 0);
        }
        (entry as () => unknown)();
        return outcome(0);
      } catch (error) {
        if (error instanceof ProcExit) return outcome(error.code);
        if (env.trial) {
          const why = instance ? unsettledBy(error, instance) : 'it cannot be instantiated here';
          if (why) return { ...outcome(1), unsettled: why };
        }
        return outcome(1, describeFailure(error));
      } finally {
        // What the guest left open: the call is over.
        if (wasiInUse) wasi.context.files.closeAll();
      }
    },
  };
}

/** A plugin's setup a trial cannot finish (not the plugin's failure). */
class InitUnsettled extends Error {}

/** Fuel a plugin's `_initialize` may spend on the calling thread (a Go runtime takes some millions). */
const INIT_FUEL = 200_000_000;

/**
 * Set up a plugin that is a reactor (wasi-libc, Go, Rust), as Extism does
 * once per instance: before its call is bound and, for an instance that is
 * reset between calls, before the image it is reset to, so each call starts
 * from a runtime already set up. On the calling thread the setup has its own
 * budget and the call's fuel is put back after. What goes wrong is the
 * call's error.
 */
function initializePlugin(instance: WebAssembly.Instance, trial: boolean): Error | undefined {
  const init = instance.exports._initialize;
  if (typeof init !== 'function') return undefined;
  const fuel = instance.exports[METER_EXPORT];
  const budget = trial && fuel instanceof WebAssembly.Global ? (fuel.value as number) : undefined;
  if (budget !== undefined) (fuel as WebAssembly.Global).value = INIT_FUEL;
  try {
    (init as () => unknown)();
    return undefined;
  } catch (error) {
    if (budget !== undefined && ((fuel as WebAssembly.Global).value as number) < 0)
      return new InitUnsettled('its _initialize runs too long for a trial');
    if (budget !== undefined && isStackOverflow(error))
      return new InitUnsettled('its _initialize needs a deeper stack');
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    if (budget !== undefined) (fuel as WebAssembly.Global).value = budget;
  }
}

/** Why a trial run's failure says nothing about the call, if it does not. */
function unsettledBy(error: unknown, instance: WebAssembly.Instance): string | undefined {
  if (error instanceof Unsettled) return `it calls ${error.reason}`;
  const fuel = instance.exports[METER_EXPORT];
  if (fuel instanceof WebAssembly.Global && (fuel.value as number) < 0) return 'it runs too long';
  // The calling thread's stack is smaller than a worker's.
  if (isStackOverflow(error)) return 'it needs a deeper stack';
  return undefined;
}

/** Instantiate and run in one go (inline mode, tests). */
export function runInstance(
  module: WebAssembly.Module,
  request: RunRequest,
  env: RunEnvironment,
): RunOutcome {
  return prepareInstance(module, request.component, request.maxOutput, env).run(request, env);
}
