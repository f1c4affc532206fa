// A component turned into what a JavaScript engine runs: core modules and an
// ES module of glue (jco, in instantiation mode, so every import comes from
// the host at instantiation). Transpiling a large component takes a second or
// more, so the result is kept on disk by content digest; a directory appears
// whole or not at all (written aside, then renamed into place).

import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { oneShot } from '../one-shot-worker.js';

/** What generated a cached directory: the transpiler's version and our options' revision. */
const FORMAT = `jco-transpile@${transpilerVersion()}/options-1`;
const GLUE = 'component.js';
const COMPLETE = 'complete';

export interface TranspiledComponent {
  /** Where the glue and core modules are. */
  readonly dir: string;
  /** The glue, as a URL to import. */
  readonly glue: string;
  /** Core modules by the name the glue asks for them. */
  readonly cores: ReadonlyMap<string, Uint8Array>;
}

function transpilerVersion(): string {
  const entry = fileURLToPath(import.meta.resolve('@bytecodealliance/jco-transpile'));
  const manifest = join(dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

let processCache: string | undefined;

/**
 * A directory only this process writes, for when no cache directory is
 * given: made with mode 0700 under the system temp directory, removed at exit.
 */
function privateCacheDir(): string {
  if (!processCache) {
    const dir = mkdtempSync(join(tmpdir(), 'mcpkit-components-'));
    processCache = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return processCache;
}

function readCached(dir: string): TranspiledComponent | undefined {
  try {
    if (readFileSync(join(dir, COMPLETE), 'utf8') !== FORMAT) return undefined;
    const cores = new Map<string, Uint8Array>();
    for (const f of readdirSync(dir))
      if (f.endsWith('.wasm')) cores.set(f, new Uint8Array(readFileSync(join(dir, f))));
    return { dir, glue: pathToFileURL(join(dir, GLUE)).href, cores };
  } catch {
    return undefined;
  }
}

const inFlight = new Map<string, Promise<TranspiledComponent>>();

/**
 * The transpiled form of the component with this digest, from the cache or
 * made now. `cacheDir` must be private to the user: what is in it is run.
 */
export function transpileComponent(
  bytes: Uint8Array,
  digest: string,
  cacheDir?: string,
): Promise<TranspiledComponent> {
  const root = cacheDir ?? privateCacheDir();
  const dir = join(root, digest);
  let pending = inFlight.get(dir);
  if (!pending) {
    pending = make(bytes, root, dir).finally(() => inFlight.delete(dir));
    inFlight.set(dir, pending);
  }
  return pending;
}

async function make(bytes: Uint8Array, root: string, dir: string): Promise<TranspiledComponent> {
  const cached = readCached(dir);
  if (cached) return cached;
  const files = await transpileInWorker(bytes);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const staging = join(root, `.staging-${randomBytes(6).toString('hex')}`);
  mkdirSync(staging, { mode: 0o700 });
  try {
    for (const [name, content] of Object.entries(files)) {
      if (name.includes('/')) continue; // type declarations, if any
      writeFileSync(join(staging, name), content);
    }
    writeFileSync(join(staging, COMPLETE), FORMAT);
    // Replace a stale or partial directory; another process may have won the
    // race, in which case its copy is as good as ours.
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!readCached(dir)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const made = readCached(dir);
  if (!made) throw new Error(`the transpiled component in ${dir} could not be read back`);
  return made;
}

/**
 * Transpiling runs jco's own compiler (a component itself) for a second or
 * more: on a thread of its own.
 */
function transpileInWorker(bytes: Uint8Array): Promise<Record<string, Uint8Array>> {
  return oneShot(new URL('./transpile-worker.js', import.meta.url), bytes, 'the transpiler');
}
