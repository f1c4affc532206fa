// What a guest offers besides tools: prompts, resources and resource
// templates, in MCP's own shapes, and the check every guest's declarations
// pass before a client sees them (whatever the guest format).

import { quote } from '@mcpkit/wasm-policy';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Prompt, Resource, ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';

export interface GuestCatalog {
  readonly prompts: readonly Prompt[];
  readonly resources: readonly Resource[];
  readonly resourceTemplates: readonly ResourceTemplate[];
  /** The guest answers `completion/complete` for its prompts' and templates' arguments. */
  readonly completions: boolean;
}

export const EMPTY_CATALOG: GuestCatalog = Object.freeze({
  prompts: Object.freeze([]),
  resources: Object.freeze([]),
  resourceTemplates: Object.freeze([]),
  completions: false,
});

export type CatalogResult = { ok: true; catalog: GuestCatalog } | { ok: false; problems: string[] };

/** Prompt names: letters, digits, `_`, `-`, `.`; 1 to 128 of them (as tool names). */
export const PROMPT_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** A URI scheme and something after it. */
const URI = /^[a-z][a-z0-9+.-]*:[^\s]+$/i;
const DOT_SEGMENT = /(?:^|[/\\])(?:\.|%2e){1,2}(?:[/\\?#]|$)/i;
/** More than a client should page through, or a guest should need. */
const MAX_ENTRIES = 1000;
const MAX_URI = 2048;
const MAX_TEXT = 4096;

const PROMPT_KEYS = ['name', 'title', 'description', 'arguments', 'icons', '_meta'];
const ARGUMENT_KEYS = ['name', 'title', 'description', 'required'];
const RESOURCE_KEYS = [
  'uri',
  'name',
  'title',
  'description',
  'mimeType',
  'size',
  'annotations',
  'icons',
  '_meta',
];
const TEMPLATE_KEYS = [
  'uriTemplate',
  'name',
  'title',
  'description',
  'mimeType',
  'annotations',
  'icons',
  '_meta',
];

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  readonly problems: string[] = [];

  object(v: unknown, where: string, keys: readonly string[]): Obj | undefined {
    if (!isObject(v)) {
      this.problems.push(`${where} must be an object`);
      return undefined;
    }
    for (const k of Object.keys(v))
      if (!keys.includes(k)) this.problems.push(`${where} has an unknown key ${quote(k)}`);
    return v;
  }

  text(o: Obj, key: string, where: string, required = false): void {
    const v = o[key];
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || v.length === 0)
      this.problems.push(`${where}.${key} must be ${required ? 'non-empty ' : ''}text`);
    else if (v.length > MAX_TEXT)
      this.problems.push(`${where}.${key} is ${v.length} characters, more than ${MAX_TEXT}`);
  }

  list(v: unknown, where: string): unknown[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      this.problems.push(`${where} must be a list`);
      return [];
    }
    if (v.length > MAX_ENTRIES) {
      this.problems.push(`${where} has ${v.length} entries, more than ${MAX_ENTRIES}`);
      return [];
    }
    return v;
  }
}

/** Why `uri` cannot name a resource, or undefined when it can. */
export function uriProblem(uri: string): string | undefined {
  if (uri.length > MAX_URI) return `is ${uri.length} characters, more than ${MAX_URI}`;
  if (!URI.test(uri)) return 'is not a URI (`scheme:...`, such as `file:///data/report.txt`)';
  if (DOT_SEGMENT.test(uri)) return 'has a `.` or `..` path segment';
  return undefined;
}

function checkPrompts(c: Checker, value: unknown, where: string): Prompt[] {
  const seen = new Set<string>();
  const out: Prompt[] = [];
  c.list(value, where).forEach((p, i) => {
    const at = `${where}[${i}]`;
    const o = c.object(p, at, PROMPT_KEYS);
    if (!o) return;
    if (typeof o.name !== 'string' || !PROMPT_NAME.test(o.name))
      c.problems.push(
        `${at}.name ${quote(o.name)} is not a prompt name (letters, digits, \`_\`, \`-\`, \`.\`; 1 to 128)`,
      );
    else if (seen.has(o.name)) c.problems.push(`prompt ${quote(o.name)} is defined twice`);
    else seen.add(o.name);
    c.text(o, 'title', at);
    c.text(o, 'description', at);
    const names = new Set<string>();
    c.list(o.arguments, `${at}.arguments`).forEach((a, j) => {
      const aat = `${at}.arguments[${j}]`;
      const arg = c.object(a, aat, ARGUMENT_KEYS);
      if (!arg) return;
      c.text(arg, 'name', aat, true);
      if (typeof arg.name === 'string') {
        if (names.has(arg.name))
          c.problems.push(`${aat}: argument ${quote(arg.name)} is listed twice`);
        names.add(arg.name);
      }
      c.text(arg, 'title', aat);
      c.text(arg, 'description', aat);
      if (arg.required !== undefined && typeof arg.required !== 'boolean')
        c.problems.push(`${aat}.required must be true or false`);
    });
    out.push(o as Prompt);
  });
  return out;
}

function checkResources(c: Checker, value: unknown, where: string): Resource[] {
  const seen = new Set<string>();
  const out: Resource[] = [];
  c.list(value, where).forEach((r, i) => {
    const at = `${where}[${i}]`;
    const o = c.object(r, at, RESOURCE_KEYS);
    if (!o) return;
    if (typeof o.uri !== 'string') c.problems.push(`${at}.uri must be text`);
    else {
      const problem = uriProblem(o.uri);
      if (problem) c.problems.push(`${at}.uri ${quote(o.uri)} ${problem}`);
      else if (seen.has(o.uri)) c.problems.push(`resource ${quote(o.uri)} is defined twice`);
      seen.add(o.uri);
    }
    c.text(o, 'name', at, true);
    c.text(o, 'title', at);
    c.text(o, 'description', at);
    c.text(o, 'mimeType', at);
    if (o.size !== undefined && (!Number.isSafeInteger(o.size) || (o.size as number) < 0))
      c.problems.push(`${at}.size must be a whole number of bytes`);
    out.push(o as Resource);
  });
  return out;
}

function checkTemplates(c: Checker, value: unknown, where: string): ResourceTemplate[] {
  const out: ResourceTemplate[] = [];
  c.list(value, where).forEach((t, i) => {
    const at = `${where}[${i}]`;
    const o = c.object(t, at, TEMPLATE_KEYS);
    if (!o) return;
    if (typeof o.uriTemplate !== 'string') c.problems.push(`${at}.uriTemplate must be text`);
    else {
      let names: string[] = [];
      try {
        names = new UriTemplate(o.uriTemplate).variableNames;
      } catch (error) {
        c.problems.push(
          `${at}.uriTemplate ${quote(o.uriTemplate)} is not a URI template: ${(error as Error).message}`,
        );
      }
      if (names.length === 0)
        c.problems.push(
          `${at}.uriTemplate ${quote(o.uriTemplate)} has no \`{variable}\`; list it under \`resources\` instead`,
        );
      const problem = uriProblem(o.uriTemplate.replace(/\{[^}]*\}/g, 'x'));
      if (problem) c.problems.push(`${at}.uriTemplate ${quote(o.uriTemplate)} ${problem}`);
    }
    c.text(o, 'name', at, true);
    c.text(o, 'title', at);
    c.text(o, 'description', at);
    c.text(o, 'mimeType', at);
    out.push(o as ResourceTemplate);
  });
  return out;
}

/**
 * Check what a guest declares: `prompts`, `resources` and
 * `resourceTemplates` as MCP lists them, and `completions` (true when it
 * answers completion requests). `where` prefixes each problem.
 */
export function validateCatalog(value: Record<string, unknown>, where = ''): CatalogResult {
  const c = new Checker();
  const p = (key: string) => (where ? `${where}.${key}` : key);
  const prompts = checkPrompts(c, value.prompts, p('prompts'));
  const resources = checkResources(c, value.resources, p('resources'));
  const resourceTemplates = checkTemplates(c, value.resourceTemplates, p('resourceTemplates'));
  if (value.completions !== undefined && typeof value.completions !== 'boolean')
    c.problems.push(`${p('completions')} must be true or false`);
  if (c.problems.length > 0) return { ok: false, problems: c.problems };
  return {
    ok: true,
    catalog: Object.freeze({
      prompts,
      resources,
      resourceTemplates,
      completions: value.completions === true,
    }),
  };
}
