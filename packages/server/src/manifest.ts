// Metadata of a WASI command guest: a JSON manifest in the module's
// `mcp:tools` custom section (one signed artifact carries it), or a sidecar
// `<name>.tools.json` file while developing. It lists the tools and, beside
// them, the prompts, resources and resource templates the module serves.

import { setCustomSection } from '@mcpkit/sandbox';
import { didYouMean, quote } from '@mcpkit/wasm-policy';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { type GuestCatalog, validateCatalog } from './catalog.js';

export const MANIFEST_SECTION = 'mcp:tools';

/** MCP tool names: letters, digits, `_`, `-`, `.`; 1 to 128 of them. */
export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export interface ToolDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema: Record<string, unknown>;
  readonly outputSchema?: Record<string, unknown>;
  readonly annotations?: Record<string, unknown>;
}

export interface Manifest {
  readonly tools: readonly ToolDefinition[];
  /** Prompts, resources and templates beside the tools (empty when it lists none). */
  readonly catalog: GuestCatalog;
}

const MANIFEST_KEYS = ['tools', 'prompts', 'resources', 'resourceTemplates', 'completions'];

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; problems: string[] };

const TOOL_KEYS = [
  'name',
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
  '_meta',
];

/**
 * Tools' JSON Schemas (2020-12), for the manifest check and for arguments:
 * one instance, so its meta-schema is compiled once per process, and a
 * schema checked at load is already compiled for the first call.
 */
const toolSchemas = new Ajv2020({ strict: false, allErrors: true });

const validators = new WeakMap<object, ValidateFunction>();

/** The compiled validator of a tool's schema (throws if it is not a valid schema). */
export function validatorOf(schema: object): ValidateFunction {
  let v = validators.get(schema);
  if (!v) {
    v = toolSchemas.compile(schema);
    validators.set(schema, v);
  }
  return v;
}

/** Let go of a tool's compiled schema (its component is unloaded). */
export function forgetSchema(schema: object | undefined): void {
  if (schema === undefined) return;
  validators.delete(schema);
  toolSchemas.removeSchema(schema);
}

function checkSchema(schema: unknown, where: string, problems: string[]): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    problems.push(`${where} must be a JSON Schema object`);
    return;
  }
  if ((schema as { type?: unknown }).type !== 'object') {
    problems.push(`${where} must describe an object (\`"type": "object"\`)`);
    return;
  }
  try {
    validatorOf(schema);
  } catch (error) {
    problems.push(`${where} is not a valid JSON Schema: ${(error as Error).message}`);
  }
}

/** Validate manifest JSON (already parsed); every problem is listed. */
export function validateManifest(value: unknown): ManifestResult {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: ['the manifest must be a JSON object with a `tools` list'] };
  }
  for (const k of Object.keys(value)) {
    if (!MANIFEST_KEYS.includes(k)) {
      const hint = didYouMean(k, MANIFEST_KEYS);
      problems.push(
        `the manifest has an unknown key ${quote(k)}${hint ? ` (${hint})` : ` (it may have ${MANIFEST_KEYS.map((m) => `\`${m}\``).join(', ')})`}`,
      );
    }
  }
  const tools = (value as { tools?: unknown }).tools ?? [];
  if (!Array.isArray(tools))
    return { ok: false, problems: ["the manifest's `tools` must be a list"] };
  const seen = new Set<string>();
  tools.forEach((t: unknown, i) => {
    const where = `tools[${i}]`;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) {
      problems.push(`${where} must be an object`);
      return;
    }
    const tool = t as Record<string, unknown>;
    for (const k of Object.keys(tool))
      if (!TOOL_KEYS.includes(k)) problems.push(`${where} has an unknown key ${quote(k)}`);
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      problems.push(
        `${where}.name ${quote(tool.name)} is not a tool name (letters, digits, \`_\`, \`-\`, \`.\`; 1 to 128)`,
      );
    } else if (seen.has(tool.name)) problems.push(`tool ${quote(tool.name)} is defined twice`);
    else seen.add(tool.name);
    for (const k of ['title', 'description'] as const) {
      if (tool[k] !== undefined && typeof tool[k] !== 'string')
        problems.push(`${where}.${k} must be text`);
    }
    checkSchema(tool.inputSchema, `${where}.inputSchema`, problems);
    if (tool.outputSchema !== undefined)
      checkSchema(tool.outputSchema, `${where}.outputSchema`, problems);
    if (
      tool.annotations !== undefined &&
      (typeof tool.annotations !== 'object' || tool.annotations === null)
    ) {
      problems.push(`${where}.annotations must be an object`);
    }
  });
  const catalog = validateCatalog(value as Record<string, unknown>);
  if (!catalog.ok) problems.push(...catalog.problems);
  if (problems.length > 0 || !catalog.ok) return { ok: false, problems };
  return { ok: true, manifest: { tools: tools as ToolDefinition[], catalog: catalog.catalog } };
}

export function parseManifest(text: string): ManifestResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`the manifest is not JSON: ${(error as Error).message}`] };
  }
  return validateManifest(value);
}

/** The manifest embedded in a module's custom section, if it has one. */
export function manifestFromSections(sections: ArrayBuffer[]): ManifestResult | undefined {
  if (sections.length === 0) return undefined;
  if (sections.length > 1)
    return {
      ok: false,
      problems: [`the module has ${sections.length} \`${MANIFEST_SECTION}\` sections; keep one`],
    };
  return parseManifest(new TextDecoder().decode(sections[0]));
}

/**
 * The module with `manifest` in its `mcp:tools` custom section (replacing
 * any there was). Every other byte is kept as it was.
 */
export function embedManifest(bytes: Uint8Array, manifest: Manifest): Uint8Array {
  return setCustomSection(
    bytes,
    MANIFEST_SECTION,
    new TextEncoder().encode(JSON.stringify(manifestJson(manifest))),
  );
}

/** The manifest in its file form (what `parseManifest` reads back). */
export function manifestJson(manifest: Manifest): Record<string, unknown> {
  const { prompts, resources, resourceTemplates, completions } = manifest.catalog;
  return {
    tools: manifest.tools,
    ...(prompts.length > 0 ? { prompts } : {}),
    ...(resources.length > 0 ? { resources } : {}),
    ...(resourceTemplates.length > 0 ? { resourceTemplates } : {}),
    ...(completions ? { completions } : {}),
  };
}
