// `mcpkit component list|load|unload|inspect|embed-manifest`.

import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  binaryKind,
  digestOf,
  functionsOf,
  isExtismPlugin,
  loadModule,
  readComponentInterface,
  unsupportedComponentImports,
} from '@mcpkit/sandbox';
import { emptyPolicy } from '@mcpkit/wasm-policy';
import { type App, type AppOptions, createApp } from '../app.js';
import { writeFileAtomic } from '../atomic.js';
import { componentTools, signature } from '../component-guest.js';
import { isProviderExport } from '../component-provider.js';
import type { LoadedComponent } from '../components.js';
import {
  embedManifest,
  MANIFEST_SECTION,
  manifestFromSections,
  parseManifest,
} from '../manifest.js';
import { mergeDocs, packageDocs } from '../package-docs.js';
import { PluginGuest } from '../plugin-guest.js';
import { policyText } from '../policies.js';
import type { Progress } from '../sources/artifact.js';
import { witDocsFromDir } from '../wit-docs.js';

export interface ComponentSummary {
  id: string;
  source: string;
  kind: string;
  digest: string;
  loadedAt: string;
  tools: string[];
  grants: boolean;
  /** Stored grants not in force: the server's ceiling no longer covers them. */
  suspendedGrants: number;
}

async function withApp<T>(
  options: AppOptions,
  fn: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>,
): Promise<T> {
  const app = await createApp(options);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

function summary(app: App, c: LoadedComponent): ComponentSummary {
  return {
    id: c.meta.id,
    source: c.meta.source,
    kind: c.guest.kind,
    digest: c.meta.digest,
    loadedAt: c.meta.loadedAt,
    tools: app.server.index.of(c.meta.id).map((t) => t.name),
    grants: c.grants !== undefined,
    suspendedGrants: c.suspended.length,
  };
}

export async function listComponents(
  options: AppOptions,
): Promise<{ components: ComponentSummary[]; problems: { id: string; message: string }[] }> {
  return withApp(options, async (app) => ({
    components: app.manager.list().map((c) => summary(app, c)),
    problems: [...app.problems],
  }));
}

export async function loadComponent(
  options: AppOptions,
  path: string,
  policyPath?: string,
  onProgress?: Progress,
): Promise<ComponentSummary> {
  return withApp(options, async (app) => {
    return summary(
      app,
      await app.manager.load(path, {
        operator: true,
        ...(policyPath ? { policyPath } : {}),
        ...(onProgress ? { onProgress } : {}),
      }),
    );
  });
}

export async function unloadComponent(options: AppOptions, id: string): Promise<void> {
  await withApp(options, (app) => app.manager.unload(id));
}

/** Describe a stored component (by id) or a .wasm file (by path): imports, tools, memory, policy. */
export async function inspectComponent(
  options: AppOptions,
  target: string,
): Promise<Record<string, unknown>> {
  return withApp(options, async (app) => {
    const loaded = app.manager.get(target);
    if (loaded) {
      return {
        id: loaded.meta.id,
        source: loaded.meta.source,
        kind: loaded.guest.kind,
        ...loaded.guest.describe(),
        tools: loaded.guest.tools,
        ...(loaded.guest.catalog
          ? {
              prompts: loaded.guest.catalog.prompts.map((p) => p.name),
              resources: loaded.guest.catalog.resources.map((r) => r.uri),
              resourceTemplates: loaded.guest.catalog.resourceTemplates.map((t) => t.uriTemplate),
            }
          : {}),
        policy: policyText(loaded.effective, app.registry),
        ...(loaded.suspended.length > 0
          ? { suspendedGrants: loaded.suspended.map((v) => v.message) }
          : {}),
      };
    }
    const bytes = await readFile(resolve(target)).catch(() => {
      throw new Error(`\`${target}\` is neither a loaded component id nor a readable file`);
    });
    const kind = binaryKind(bytes);
    if (kind === 'not-wasm') return { path: resolve(target), kind, size: bytes.length };
    if (kind === 'component') {
      let iface: ReturnType<typeof readComponentInterface>;
      try {
        iface = readComponentInterface(bytes);
      } catch (error) {
        throw new Error(`\`${target}\` is not a valid component: ${(error as Error).message}`);
      }
      const functions = functionsOf(iface);
      const { targets, skipped } = componentTools(
        functions.filter((f) => !isProviderExport(f.exportName)),
        mergeDocs(
          witDocsFromDir(join(dirname(resolve(target)), 'wit')),
          packageDocs(bytes, [...new Set(functions.map((f) => f.exportName))]),
        ),
      );
      const provides = [
        ...new Set(
          functionsOf(iface)
            .filter((f) => isProviderExport(f.exportName))
            .map((f) => f.exportName),
        ),
      ];
      return {
        path: resolve(target),
        kind,
        size: bytes.length,
        digest: digestOf(bytes),
        imports: iface.imports,
        unsupportedImports: unsupportedComponentImports(iface.imports),
        exports: functionsOf(iface).map(
          (f) => `${f.exportName ? `${f.exportName}#` : ''}${f.fn.name}: ${signature(f.fn)}`,
        ),
        tools: [...targets.values()].map((t) => t.tool),
        ...(provides.length > 0
          ? {
              provides: provides.map((p) => `${p} (what it offers is read from it when it loads)`),
            }
          : {}),
        skipped: skipped.map((x) => `${x.function}: ${x.reason}`),
      };
    }
    const imports = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>).then(
      (mod) => WebAssembly.Module.imports(mod),
      () => [],
    );
    if (isExtismPlugin(imports)) {
      // Its tools are what `describe`/`list_tools` say: run it, allowed nothing.
      const guest = await PluginGuest.create({
        id: basename(target, extname(target)),
        name: target,
        bytes,
        policy: emptyPolicy('inspecting: the plugin may touch nothing'),
      });
      return {
        path: resolve(target),
        kind: 'plugin',
        ...guest.describe(),
        tools: guest.tools,
        ...(guest.catalog.prompts.length + guest.catalog.resources.length > 0
          ? {
              prompts: guest.catalog.prompts.map((p) => p.name),
              resources: guest.catalog.resources.map((r) => r.uri),
            }
          : {}),
      };
    }
    const m = await loadModule(bytes, { name: target });
    // As loading reads it: the embedded manifest, else the sidecar beside the module.
    const sidecar = join(
      dirname(resolve(target)),
      `${basename(target, extname(target))}.tools.json`,
    );
    const embedded = manifestFromSections(m.customSections(MANIFEST_SECTION));
    const sidecarText = embedded
      ? undefined
      : await readFile(sidecar, 'utf8').catch(() => undefined);
    const manifest =
      embedded ?? (sidecarText !== undefined ? parseManifest(sidecarText) : undefined);
    return {
      path: resolve(target),
      kind,
      size: m.size,
      digest: m.digest,
      imports: m.imports.map((i) => `${i.module}.${i.name}`),
      exports: m.exports.map((e) => `${e.name} (${e.kind})`),
      memory: m.memory
        ? {
            initialBytes: m.memory.initialPages * 65536,
            maxBytes: m.memory.maxPages === undefined ? null : m.memory.maxPages * 65536,
          }
        : null,
      manifest: embedded
        ? `embedded (custom section ${MANIFEST_SECTION})`
        : sidecarText !== undefined
          ? sidecar
          : null,
      tools: manifest?.ok ? manifest.manifest.tools : null,
      manifestProblems: manifest && !manifest.ok ? manifest.problems : undefined,
    };
  });
}

/** Write `manifest` into the module's `mcp:tools` section (to `out`, default in place). */
export async function embedManifestFile(
  wasm: string,
  manifestFile: string,
  out?: string,
): Promise<{ tools: string[]; out: string; bytes: number }> {
  const bytes = await readFile(resolve(wasm));
  if (binaryKind(bytes) !== 'module')
    throw new Error(`\`${wasm}\` is not a WebAssembly core module`);
  const parsed = parseManifest(await readFile(resolve(manifestFile), 'utf8'));
  if (!parsed.ok) throw new Error(`the manifest is invalid:\n  ${parsed.problems.join('\n  ')}`);
  const result = embedManifest(bytes, parsed.manifest);
  const target = resolve(out ?? wasm);
  await (target === resolve(wasm)
    ? writeFileAtomic(target, result, 0o644)
    : writeFile(target, result));
  return { tools: parsed.manifest.tools.map((t) => t.name), out: target, bytes: result.length };
}
