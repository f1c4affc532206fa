// The interfaces a component exports to serve MCP itself (mcpkit:host's
// tool-provider, prompt-provider, resource-provider, completion-provider; see
// wit/host.wit): finding their functions among the component's exports, and
// turning what they return (in its JSON form, see the sandbox's json.ts) into
// MCP's shapes. The checks every guest's declarations pass come after this.

import type { ComponentFunction } from '@mcpkit/sandbox';
import type {
  CallToolResult,
  ContentBlock,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import type { Completion } from './guest.js';

type Json = Record<string, unknown>;

/** Each provider interface and the functions mcpkit calls on it. */
export const PROVIDERS = Object.freeze({
  'mcpkit:host/tool-provider': ['list-tools', 'call-tool'],
  'mcpkit:host/prompt-provider': ['list-prompts', 'get-prompt'],
  'mcpkit:host/resource-provider': ['list-resources', 'list-resource-templates', 'read-resource'],
  'mcpkit:host/completion-provider': ['complete'],
} as const);

export type ProviderFunction = (typeof PROVIDERS)[keyof typeof PROVIDERS][number];

const unversioned = (name: string) => name.split('@')[0]!;

/** The export belongs to a provider interface (so its functions are not tools). */
export function isProviderExport(exportName: string): boolean {
  return Object.hasOwn(PROVIDERS, unversioned(exportName));
}

/** The provider functions a component exports, by name. */
export function providerFunctions(
  functions: readonly ComponentFunction[],
): Map<ProviderFunction, ComponentFunction> {
  const out = new Map<ProviderFunction, ComponentFunction>();
  for (const f of functions) {
    const names = (PROVIDERS as Record<string, readonly string[]>)[unversioned(f.exportName)];
    if (names?.includes(f.fn.name)) out.set(f.fn.name as ProviderFunction, f);
  }
  return out;
}

/** Guest data that is not what the interface promised (JSON text that does not parse). */
export class ProviderValueError extends Error {}

const opt = (o: Json, key: string) => (o[key] === null ? undefined : o[key]);

function setIf(out: Json, key: string, value: unknown): void {
  if (value !== undefined && value !== null) out[key] = value;
}

function parseJson(text: unknown, what: string): unknown {
  try {
    return JSON.parse(String(text));
  } catch (error) {
    throw new ProviderValueError(`${what} is not JSON: ${(error as Error).message}`);
  }
}

function base64(bytes: unknown): string {
  return Buffer.from(bytes as number[]).toString('base64');
}

function resourceContents(r: Json): ReadResourceResult['contents'][number] {
  const body = r.body as { tag: string; val: unknown };
  const mimeType = opt(r, 'mime-type') as string | undefined;
  return {
    uri: String(r.uri),
    ...(mimeType !== undefined ? { mimeType } : {}),
    ...(body.tag === 'text' ? { text: String(body.val) } : { blob: base64(body.val) }),
  };
}

export function contentBlock(c: { tag: string; val: unknown }): ContentBlock {
  switch (c.tag) {
    case 'text':
      return { type: 'text', text: String(c.val) };
    case 'image':
    case 'audio': {
      const b = c.val as Json;
      return { type: c.tag, data: base64(b.data), mimeType: String(b['mime-type']) };
    }
    case 'embedded':
      return { type: 'resource', resource: resourceContents(c.val as Json) };
    default: {
      const l = c.val as Json;
      const out: Json = { type: 'resource_link', uri: String(l.uri), name: String(l.name) };
      setIf(out, 'title', opt(l, 'title'));
      setIf(out, 'description', opt(l, 'description'));
      setIf(out, 'mimeType', opt(l, 'mime-type'));
      return out as ContentBlock;
    }
  }
}

/** `list-tools`: definitions in manifest form, for the manifest check. */
export function toolsOf(list: unknown): Json[] {
  return (list as Json[]).map((t) => {
    const out: Json = {
      name: t.name,
      inputSchema: parseJson(t['input-schema'], `the input schema of tool \`${t.name}\``),
    };
    setIf(out, 'title', opt(t, 'title'));
    setIf(out, 'description', opt(t, 'description'));
    const output = opt(t, 'output-schema');
    if (output !== undefined)
      out.outputSchema = parseJson(output, `the output schema of tool \`${t.name}\``);
    const annotations = opt(t, 'annotations');
    if (annotations !== undefined)
      out.annotations = parseJson(annotations, `the annotations of tool \`${t.name}\``);
    return out;
  });
}

/** `call-tool`'s tool-result. */
export function toolResultOf(r: unknown): CallToolResult {
  const o = r as Json;
  const structured = opt(o, 'structured-content');
  return {
    content: (o.content as Array<{ tag: string; val: unknown }>).map(contentBlock),
    ...(structured !== undefined
      ? { structuredContent: parseJson(structured, 'the structured content') as Json }
      : {}),
    ...(o['is-error'] === true ? { isError: true } : {}),
  };
}

export function promptsOf(list: unknown): Prompt[] {
  return (list as Json[]).map((p) => {
    const out: Json = { name: p.name };
    setIf(out, 'title', opt(p, 'title'));
    setIf(out, 'description', opt(p, 'description'));
    const args = (p.arguments as Json[]).map((a) => {
      const arg: Json = { name: a.name };
      setIf(arg, 'title', opt(a, 'title'));
      setIf(arg, 'description', opt(a, 'description'));
      if (a.required === true) arg.required = true;
      return arg;
    });
    if (args.length > 0) out.arguments = args;
    return out as Prompt;
  });
}

export function promptResultOf(r: unknown): GetPromptResult {
  const o = r as Json;
  const description = opt(o, 'description');
  return {
    ...(description !== undefined ? { description: String(description) } : {}),
    messages: (o.messages as Json[]).map((m) => ({
      role: m.role as 'user' | 'assistant',
      content: contentBlock(m.content as { tag: string; val: unknown }),
    })),
  };
}

export function resourcesOf(list: unknown): Resource[] {
  return (list as Json[]).map((r) => {
    const out: Json = { uri: r.uri, name: r.name };
    setIf(out, 'title', opt(r, 'title'));
    setIf(out, 'description', opt(r, 'description'));
    setIf(out, 'mimeType', opt(r, 'mime-type'));
    const size = opt(r, 'size');
    if (size !== undefined) out.size = Number(size);
    return out as Resource;
  });
}

export function templatesOf(list: unknown): ResourceTemplate[] {
  return (list as Json[]).map((t) => {
    const out: Json = { uriTemplate: t['uri-template'], name: t.name };
    setIf(out, 'title', opt(t, 'title'));
    setIf(out, 'description', opt(t, 'description'));
    setIf(out, 'mimeType', opt(t, 'mime-type'));
    return out as ResourceTemplate;
  });
}

export function contentsOf(list: unknown): ReadResourceResult {
  return { contents: (list as Json[]).map(resourceContents) };
}

export function completionOf(c: unknown): Completion {
  const o = c as Json;
  const total = opt(o, 'total');
  return {
    values: (o.values as unknown[]).map(String),
    ...(total !== undefined ? { total: Number(total) } : {}),
    hasMore: o['has-more'] === true,
  };
}

/** A name and text value list (`list<tuple<string, string>>`) in JSON form. */
export function pairs(map: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(map);
}
