// Source tree to PolicyDocument, reporting every problem at once. The
// canonical form and Wassette's `permissions:` form read to the same model.

import { type Diagnostic, didYouMean, hasErrors, joinPointer, quote } from './diagnostics.js';
import { CORE_SECTIONS, DOCUMENT_KEYS, ExtensionRegistry } from './extension.js';
import {
  CURRENT_VERSION,
  type EnvRule,
  emptyRuleLists,
  type LimitName,
  type NetworkRule,
  type PolicyDocument,
  type RuntimeSettings,
  type SourceRef,
  type StorageRule,
} from './model.js';
import { SectionReader } from './reader.js';
import { environmentShadowing, networkShadowing, storageShadowing } from './shadowing.js';
import { parseSource, type SourceLimits, type SourceTree } from './source.js';
import { readEnvironment } from './validate-environment.js';
import { readResources, readRuntime } from './validate-limits.js';
import { readNetwork } from './validate-network.js';
import { readStorage } from './validate-storage.js';

export interface ValidateOptions {
  /** Shown in diagnostics and recorded on rules. */
  file?: string;
  /** Directory relative `fs://` URIs resolve against (default `/`). */
  baseDir?: string;
  /** Extensions whose sections the document may contain. */
  registry?: ExtensionRegistry;
}

export interface ReadOptions extends ValidateOptions {
  limits?: Partial<SourceLimits>;
}

export interface ReadResult {
  /** Present when there are no errors (warnings allowed). */
  readonly document: PolicyDocument | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

const SUPPORTED_VERSIONS = ['1.0', '1'];
const EMPTY_REGISTRY = new ExtensionRegistry();

/** Parse and validate policy text (YAML or JSON). Never throws on user input. */
export function readPolicy(text: string, options: ReadOptions = {}): ReadResult {
  const { tree, diagnostics } = parseSource(text, {
    ...(options.file ? { file: options.file } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  if (!tree) return { document: undefined, diagnostics };
  return validatePolicy(tree, options);
}

/** Validate a parsed tree (or a plain value wrapped with `treeFromValue`). */
export function validatePolicy(tree: SourceTree, options: ValidateOptions = {}): ReadResult {
  const registry = options.registry ?? EMPTY_REGISTRY;
  const r = new SectionReader(tree, options.file ?? tree.file, options.baseDir);
  try {
    const document = readDocument(r, tree.value, registry);
    const diagnostics = sortDiagnostics(r.diagnostics);
    return { document: hasErrors(diagnostics) ? undefined : document, diagnostics };
  } catch (error) {
    // An extension's parser threw: a bug there, reported rather than thrown.
    r.error('internal', '', `the policy could not be validated: ${String(error)}`);
    return { document: undefined, diagnostics: sortDiagnostics(r.diagnostics) };
  }
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.line - b.line || a.column - b.column);
}

function sectionsList(registry: ExtensionRegistry): string {
  const core = CORE_SECTIONS.map((s) => quote(s)).join(', ');
  const ext = registry.ids();
  return ext.length > 0
    ? `sections are ${core}; registered extensions: ${ext.map((s) => quote(s)).join(', ')}`
    : `sections are ${core}; no extensions are registered`;
}

function readDocument(
  r: SectionReader,
  value: unknown,
  registry: ExtensionRegistry,
): PolicyDocument {
  if (value === null || value === undefined) {
    r.error(
      'empty-document',
      '',
      'the policy is empty',
      'start with `version: "1.0"` and the sections you need',
    );
  }
  const sectionKeys = [...CORE_SECTIONS, ...registry.ids()];
  const known = [...DOCUMENT_KEYS, ...sectionKeys];
  let top: Record<string, unknown> = {};
  if (value !== null && value !== undefined) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      r.typeError('', 'the policy', 'a map of sections', value);
    } else top = value as Record<string, unknown>;
  }
  for (const key of Object.keys(top)) {
    if (!known.includes(key)) {
      r.report(
        'error',
        'unknown-section',
        joinPointer('', key),
        `unknown section ${quote(key)}`,
        didYouMean(key, known) ?? sectionsList(registry),
        true,
      );
    }
  }

  // Where each section lives: top level, or inside Wassette's `permissions:`.
  const sections = new Map<string, { value: unknown; pointer: string }>();
  for (const key of sectionKeys)
    if (key in top) sections.set(key, { value: top[key], pointer: joinPointer('', key) });
  if (top.permissions !== undefined && top.permissions !== null) {
    const perms = top.permissions;
    if (typeof perms !== 'object' || Array.isArray(perms)) {
      r.typeError('/permissions', '`permissions`', 'a map of sections', perms);
    } else {
      for (const [key, v] of Object.entries(perms as Record<string, unknown>)) {
        const pointer = joinPointer('/permissions', key);
        if (!sectionKeys.includes(key)) {
          r.report(
            'error',
            'unknown-section',
            pointer,
            `unknown section ${quote(key)} in \`permissions\``,
            didYouMean(key, sectionKeys) ?? sectionsList(registry),
            true,
          );
        } else if (sections.has(key)) {
          r.report(
            'error',
            'duplicate-section',
            pointer,
            `section ${quote(key)} appears both at the top level and in \`permissions\``,
            'keep one of them',
            true,
          );
        } else sections.set(key, { value: v, pointer });
      }
    }
  }

  let version = CURRENT_VERSION;
  if (top.version === undefined) {
    if (value !== null && value !== undefined) {
      r.warning(
        'missing-version',
        '',
        'the policy has no `version`; reading it as version "1.0"',
        'add `version: "1.0"`',
      );
    }
  } else if (typeof top.version === 'number') {
    r.error(
      'type',
      '/version',
      `\`version\` must be text, not the number ${quote(top.version)}`,
      `quote it: \`version: "${String(top.version)}${Number.isInteger(top.version) ? '.0' : ''}"\``,
    );
  } else {
    const v = r.readString(top.version, '/version', '`version`');
    if (v !== undefined) {
      if (!SUPPORTED_VERSIONS.includes(v)) {
        r.warning(
          'unknown-version',
          '/version',
          `policy version ${quote(v)} is not known; reading it as version "1.0"`,
          'write `version: "1.0"`',
        );
      }
      version = v;
    }
  }
  let description: string | undefined;
  if (top.description !== undefined && top.description !== null) {
    description = r.readString(top.description, '/description', '`description`');
  }
  let extendsList: string[] = [];
  if (top.extends !== undefined && top.extends !== null) {
    extendsList = r.readStrings(top.extends, '/extends', '`extends`') ?? [];
  }

  const section = (key: string) => sections.get(key);
  const storageAt = section('storage');
  const networkAt = section('network');
  const envAt = section('environment');
  const storage = storageAt
    ? readStorage(r, storageAt.value, storageAt.pointer)
    : emptyRuleLists<StorageRule>();
  const network = networkAt
    ? readNetwork(r, networkAt.value, networkAt.pointer)
    : emptyRuleLists<NetworkRule>();
  const environment = envAt
    ? readEnvironment(r, envAt.value, envAt.pointer)
    : emptyRuleLists<EnvRule>();
  storageShadowing(r, storage);
  networkShadowing(r, network);
  environmentShadowing(r, environment);

  const limits: { -readonly [K in LimitName]?: number } = {};
  const limitsAt: Partial<Record<LimitName, SourceRef>> = {};
  const resourcesAt = section('resources');
  if (resourcesAt) readResources(r, resourcesAt.value, resourcesAt.pointer, limits, limitsAt);
  let runtime: RuntimeSettings = {};
  const runtimeAt = section('runtime');
  if (runtimeAt) runtime = readRuntime(r, runtimeAt.value, runtimeAt.pointer, limits, limitsAt);

  const extensions: Record<string, unknown> = {};
  for (const ext of registry) {
    const at = section(ext.id);
    if (!at) continue;
    const parsed = ext.parse(at.value, at.pointer, r);
    if (parsed !== undefined) extensions[ext.id] = parsed;
  }

  return {
    version,
    ...(description !== undefined ? { description } : {}),
    extends: extendsList,
    storage,
    network,
    environment,
    limits,
    limitsAt,
    runtime,
    extensions,
    ...(r.file ? { file: r.file } : {}),
  };
}
