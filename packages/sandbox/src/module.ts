// Loading a core module: recognise what the bytes are, cap its memory to the
// policy's limit, compile once per content digest, and refuse imports the
// host does not provide, all of them in one message.

import { createHash } from 'node:crypto';
import {
  ComponentNotModuleError,
  InvalidWasmError,
  MemoryLimitError,
  NotWasmError,
  UnsupportedImportsError,
} from './errors.js';
import { guardGrowthAsync } from './grow-guard.js';
import { type MeteredCopy, meterAsync } from './meter.js';
import { PREVIEW1_FUNCTIONS, WASI_MODULE } from './wasi/preview1.js';
import { binaryKind, capMemories, functionImports, memoriesOf, PAGE } from './wasm-binary.js';

/** Names of the functions an extra import module provides. */
export interface ImportModuleNames {
  readonly name: string;
  readonly functions: readonly string[];
  /**
   * Each function's type (parameter and result types, space-separated, e.g.
   * `['i64 i32', '']`): a module importing one as another type is refused
   * at load, as an engine linking host functions refuses it.
   */
  readonly types?: Readonly<Record<string, readonly [params: string, results: string]>>;
}

export interface LoadModuleOptions {
  /** How the module is named in messages, e.g. its file name. */
  name?: string;
  /** Largest linear memory the guest may have, in bytes. */
  memoryLimit?: number;
  /** Import modules provided besides wasi_snapshot_preview1. */
  hostModules?: readonly ImportModuleNames[];
  /**
   * Make `memory.grow` ask the host first (grow-guard.ts): for an Extism
   * plugin, whose kernel heap shares the memory limit.
   */
  guardGrowth?: boolean;
}

export interface MeteredModule
  extends Pick<MeteredCopy, 'memoryImported' | 'resettable' | 'globals'> {
  readonly module: WebAssembly.Module;
}

export interface LoadedModule {
  /** SHA-256 of the bytes as given, hex. */
  readonly digest: string;
  readonly name: string;
  readonly module: WebAssembly.Module;
  readonly size: number;
  readonly imports: readonly WebAssembly.ModuleImportDescriptor[];
  readonly exports: readonly WebAssembly.ModuleExportDescriptor[];
  /** Pages the memory starts with and may grow to (after capping). */
  readonly memory:
    | {
        readonly initialPages: number;
        readonly maxPages: number | undefined;
        readonly imported: boolean;
      }
    | undefined;
  /** Contents of the custom sections with this name. */
  customSections(name: string): ArrayBuffer[];
  /**
   * The module metered for trial runs (see meter.ts), with `fuel` units of
   * budget per instance; made once, on first use. Undefined, with the
   * reason, when the module uses what the metering does not handle.
   */
  metered(fuel: number): Promise<MeteredModule | { reason: string }>;
}

const cache = new Map<string, Promise<LoadedModule>>();
const CACHE_LIMIT = 128;

export function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const PREVIEW1 = new Set<string>(PREVIEW1_FUNCTIONS);

/** Compile (or reuse) a core module; typed errors say what is wrong. */
export function loadModule(
  bytes: Uint8Array,
  options: LoadModuleOptions = {},
): Promise<LoadedModule> {
  const name = options.name ?? 'the module';
  const kind = binaryKind(bytes);
  if (kind === 'not-wasm') return Promise.reject(new NotWasmError(name));
  if (kind === 'component') return Promise.reject(new ComponentNotModuleError(name));
  const digest = digestOf(bytes);
  const maxPages =
    options.memoryLimit === undefined ? undefined : Math.floor(options.memoryLimit / PAGE);
  const hostKey = (options.hostModules ?? [])
    .map((m) => `${m.name}:${m.functions.join(',')}`)
    .join(';');
  const guard = options.guardGrowth === true;
  const key = `${digest}:${maxPages ?? '-'}:${hostKey}:${guard}`;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = compile(bytes, digest, name, maxPages, options.hostModules ?? [], guard);
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  }
  return loaded;
}

async function compile(
  bytes: Uint8Array,
  digest: string,
  name: string,
  maxPages: number | undefined,
  hostModules: readonly ImportModuleNames[],
  guard: boolean,
): Promise<LoadedModule> {
  let memories: ReturnType<typeof memoriesOf>;
  try {
    memories = memoriesOf(bytes);
  } catch (error) {
    throw new InvalidWasmError(name, (error as Error).message);
  }
  let capped = bytes;
  if (maxPages !== undefined) {
    for (const m of memories) {
      if (m.memory64) throw new InvalidWasmError(name, '64-bit memories are not supported');
      if (m.min > maxPages) {
        throw new MemoryLimitError(
          `${name} needs ${m.min * 64} KiB of memory to start, more than the limit of ${maxPages * 64} KiB; raise \`resources.limits.memory\``,
        );
      }
    }
    capped = capMemories(bytes, maxPages);
  }
  // What runs (and is metered): the capped module, its memory.grow guarded when asked.
  let source = guard ? ((await guardGrowthAsync(capped)) ?? capped) : capped;
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(source as Uint8Array<ArrayBuffer>);
  } catch (error) {
    if (source === capped) throw new InvalidWasmError(name, (error as Error).message);
    // What is wrong is said of the module as given, not of the guarded copy.
    source = capped;
    try {
      module = await WebAssembly.compile(source as Uint8Array<ArrayBuffer>);
    } catch (original) {
      throw new InvalidWasmError(name, (original as Error).message);
    }
  }
  const imports = WebAssembly.Module.imports(module);
  const provided = new Map(hostModules.map((m) => [m.name, new Set(m.functions)]));
  const unsupported: string[] = [];
  for (const imp of imports) {
    const id = `${imp.module}.${imp.name}`;
    if (imp.kind === 'memory' && memories.some((m) => m.imported)) continue;
    if (imp.kind !== 'function') {
      unsupported.push(`${id} (${imp.kind})`);
    } else if (imp.module === WASI_MODULE) {
      if (!PREVIEW1.has(imp.name)) unsupported.push(id);
    } else if (!provided.get(imp.module)?.has(imp.name)) {
      unsupported.push(
        imp.module === 'wasi_unstable'
          ? `${id} (the pre-2020 WASI snapshot; rebuild against wasi_snapshot_preview1)`
          : id,
      );
    }
  }
  unsupported.push(...mistyped(bytes, hostModules));
  if (unsupported.length > 0) throw new UnsupportedImportsError(name, unsupported);
  const metered = new Map<number, Promise<MeteredModule | { reason: string }>>();
  const mem = memories[0];
  const finalMax =
    mem === undefined
      ? undefined
      : maxPages === undefined
        ? mem.max
        : Math.min(mem.max ?? maxPages, maxPages);
  return Object.freeze({
    digest,
    name,
    module,
    size: bytes.length,
    imports,
    exports: WebAssembly.Module.exports(module),
    memory:
      mem === undefined
        ? undefined
        : Object.freeze({ initialPages: mem.min, maxPages: finalMax, imported: mem.imported }),
    customSections: (section: string) => WebAssembly.Module.customSections(module, section),
    metered(fuel: number) {
      let m = metered.get(fuel);
      if (!m) {
        m = meterAsync(source, fuel).then((copy) =>
          copy.ok
            ? WebAssembly.compile(copy.bytes as Uint8Array<ArrayBuffer>).then(
                (compiled) => ({
                  module: compiled,
                  memoryImported: copy.memoryImported,
                  resettable: copy.resettable,
                  globals: copy.globals,
                }),
                (e: Error) => ({ reason: `the metered copy does not compile: ${e.message}` }),
              )
            : { reason: copy.reason },
        );
        metered.set(fuel, m);
      }
      return m;
    },
  });
}

/** The imports of `hostModules`' functions whose type is not the host's, as messages. */
function mistyped(bytes: Uint8Array, hostModules: readonly ImportModuleNames[]): string[] {
  const typed = new Map(hostModules.filter((m) => m.types).map((m) => [m.name, m.types!]));
  if (typed.size === 0) return [];
  let imports: ReturnType<typeof functionImports>;
  try {
    imports = functionImports(bytes);
  } catch {
    // Types beyond the MVP's: the engine's own checks are all there is.
    return [];
  }
  const show = (params: string, results: string) =>
    `(${params.split(' ').filter(Boolean).join(', ')}) -> (${results.split(' ').filter(Boolean).join(', ')})`;
  const out: string[] = [];
  for (const i of imports) {
    const want = typed.get(i.module)?.[i.name];
    if (!want) continue;
    const params = i.params.join(' ');
    const results = i.results.join(' ');
    if (params !== want[0] || results !== want[1])
      out.push(
        `${i.module}.${i.name} (imported as ${show(params, results)}; the host's is ${show(want[0], want[1])})`,
      );
  }
  return out;
}

/** For tests: forget compiled modules. */
export function clearModuleCache(): void {
  cache.clear();
}
