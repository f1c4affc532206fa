// Loading a component: recognise it, read its interface, refuse imports the
// host does not provide (all of them in one message), transpile it (cached on
// disk), cap the memories of its core modules to the policy's limit, and
// compile them. Loaded components are kept per digest and memory limit.
//
// The limit is for the component as a whole: where its core modules define
// more than one memory between them (no toolchain here makes such a
// component; a hand-made one could), each gets an equal share of it, and an
// instance that makes more memories than that is refused (component/instance.ts).

import { setFlagsFromString } from 'node:v8';
import {
  InvalidWasmError,
  MemoryLimitError,
  NotWasmError,
  UnsupportedImportsError,
} from '../errors.js';
import { digestOf } from '../module.js';
import {
  binaryKind,
  capMemories,
  memoriesOf,
  PAGE,
  withoutCustomSections,
} from '../wasm-binary.js';
import { ComponentFormatError, readComponentInterface } from './reader.js';
import { transpileComponent } from './transpile.js';
import type { ComponentInterface } from './wit-types.js';

export interface LoadComponentOptions {
  /** How the component is named in messages, e.g. its file name. */
  name?: string;
  /** Largest linear memory each of its core modules may have, in bytes. */
  memoryLimit?: number;
  /** Where transpiled components are kept (private to the user); default a temporary directory. */
  cacheDir?: string;
  /** The imports among these (full names) that the host does not provide. */
  unsupported: (imports: readonly string[]) => string[];
}

export interface LoadedComponent {
  /** SHA-256 of the bytes as given, hex. */
  readonly digest: string;
  readonly name: string;
  readonly size: number;
  /** What it exports and imports, with WIT types. */
  readonly interface: ComponentInterface;
  /** The transpiled glue, as a URL to import. */
  readonly glue: string;
  /** Its core modules, compiled with capped memories, by the name the glue asks for. */
  readonly cores: ReadonlyMap<string, WebAssembly.Module>;
  /** How many memories each core module defines (not imports), where any does. */
  readonly memories: ReadonlyMap<string, number>;
}

/** `wasi:cli/environment@0.2.3` → `wasi:cli/environment`. */
export function unversioned(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

const cache = new Map<string, Promise<LoadedComponent>>();
const CACHE_LIMIT = 32;

/** Load (or reuse) a component; typed errors say what is wrong. */
export function loadComponent(
  bytes: Uint8Array,
  options: LoadComponentOptions,
): Promise<LoadedComponent> {
  const name = options.name ?? 'the component';
  const kind = binaryKind(bytes);
  if (kind === 'not-wasm') return Promise.reject(new NotWasmError(name));
  if (kind === 'module')
    return Promise.reject(
      new InvalidWasmError(name, 'it is a core module, not a component (load it as a module)'),
    );
  const digest = digestOf(bytes);
  const maxPages =
    options.memoryLimit === undefined ? undefined : Math.floor(options.memoryLimit / PAGE);
  const key = `${digest}:${maxPages ?? '-'}:${options.cacheDir ?? ''}`;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = load(bytes, digest, name, maxPages, options);
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  }
  return loaded;
}

let extendedConst = false;

/**
 * Extended constant expressions are standard WebAssembly (and what
 * componentize-py's core modules use); V8 before 11.4 (Node 20) has them
 * behind a flag.
 */
function enableExtendedConst(): void {
  if (extendedConst) return;
  extendedConst = true;
  const [major] = process.versions.v8.split('.').map(Number);
  if ((major ?? 0) < 12) setFlagsFromString('--experimental-wasm-extended-const');
}

async function load(
  bytes: Uint8Array,
  digest: string,
  name: string,
  maxPages: number | undefined,
  options: LoadComponentOptions,
): Promise<LoadedComponent> {
  let iface: ComponentInterface;
  try {
    iface = readComponentInterface(bytes);
  } catch (error) {
    if (error instanceof ComponentFormatError) throw new InvalidWasmError(name, error.message);
    throw error;
  }
  const unsupported = options.unsupported(iface.imports);
  if (unsupported.length > 0) throw new UnsupportedImportsError(name, unsupported, 'interface');

  let transpiled: Awaited<ReturnType<typeof transpileComponent>>;
  try {
    // jco's WIT decoder applies a `package-docs` section (the docs Wassette's
    // build embeds) to the component's own world and gives up where the two do
    // not match, which they often do not; the docs are read elsewhere, and the
    // code does not need them.
    transpiled = await transpileComponent(
      withoutCustomSections(bytes, 'package-docs'),
      digest,
      options.cacheDir,
    );
  } catch (error) {
    throw new InvalidWasmError(name, `it could not be transpiled: ${(error as Error).message}`);
  }
  enableExtendedConst();
  const memories = new Map<string, number>();
  const limits = new Map<string, ReturnType<typeof memoriesOf>>();
  for (const [file, core] of transpiled.cores) {
    let list: ReturnType<typeof memoriesOf>;
    try {
      list = memoriesOf(core);
    } catch (error) {
      throw new InvalidWasmError(name, `core module ${file}: ${(error as Error).message}`);
    }
    limits.set(file, list);
    const defined = list.filter((m) => !m.imported).length;
    if (defined > 0) memories.set(file, defined);
  }
  const defined = [...memories.values()].reduce((a, b) => a + b, 0);
  const share = maxPages === undefined ? undefined : Math.floor(maxPages / Math.max(1, defined));
  const cores = new Map<string, WebAssembly.Module>();
  for (const [file, core] of transpiled.cores) {
    let capped = core;
    if (share !== undefined) {
      for (const m of limits.get(file)!) {
        if (m.memory64) throw new InvalidWasmError(name, '64-bit memories are not supported');
        if (m.min > share)
          throw new MemoryLimitError(
            `${name} needs ${m.min * 64} KiB of memory to start, more than the limit of ${share * 64} KiB${defined > 1 ? ` (its share of \`resources.limits.memory\` for one of ${defined} memories)` : ''}; raise \`resources.limits.memory\``,
          );
      }
      capped = capMemories(core, share);
    }
    try {
      cores.set(file, await WebAssembly.compile(capped as Uint8Array<ArrayBuffer>));
    } catch (error) {
      throw new InvalidWasmError(name, `core module ${file}: ${(error as Error).message}`);
    }
  }
  return Object.freeze({
    digest,
    name,
    size: bytes.length,
    interface: iface,
    glue: transpiled.glue,
    cores,
    memories,
  });
}

/** For tests: forget loaded components. */
export function clearComponentCache(): void {
  cache.clear();
}
