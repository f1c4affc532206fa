// Reading the `mcp:` section: every problem is reported through the
// SectionContext (stable code, pointer, position); a rule with an error is
// left out, and wasm-policy drops the document when any error was reported.

import { didYouMean, joinPointer, quote, type SectionContext } from '@mcpkit/wasm-policy';
import {
  type McpRuleLists,
  type McpSection,
  OPERATIONS,
  type Operation,
  type PromptRule,
  type ResourceRule,
  type ToolRule,
} from './model.js';
import { readClient } from './parse-client.js';
import { readGrants } from './parse-grants.js';
import { readParameters } from './parse-parameters.js';
import { readTransport } from './parse-transport.js';
import { readCount, readNameGlob } from './parse-values.js';
import { warnUnusedRules } from './shadowing.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type List = 'allow' | 'deny';
type RuleReader<R> = (
  ctx: SectionContext,
  map: Record<string, unknown>,
  pointer: string,
  list: List,
) => R | undefined;

export const SECTION_KEYS = Object.freeze([
  'tools',
  'prompts',
  'resources',
  'transport',
  'client',
  'grants',
] as const);

const RULE_KEYS = {
  tools: { allow: ['name', 'max_calls_per_minute', 'parameters'], deny: ['name'] },
  prompts: { allow: ['name', 'max_length'], deny: ['name'] },
  resources: { allow: ['uri', 'operations'], deny: ['uri', 'operations'] },
} as const;

type Kind = keyof typeof RULE_KEYS;

const readTool: RuleReader<ToolRule> = (ctx, map, pointer, list) => {
  const what = `a \`mcp.tools.${list}\` rule`;
  const name = readNameGlob(ctx, map, 'name', pointer, what, 'tool name', 'calculator/*');
  const rule: Mutable<ToolRule> = { name: name ?? '', at: ctx.ref(pointer) };
  let ok = name !== undefined;
  if (list === 'allow' && map.max_calls_per_minute !== undefined) {
    const max = readCount(
      ctx,
      map.max_calls_per_minute,
      joinPointer(pointer, 'max_calls_per_minute'),
      'max_calls_per_minute',
      1,
      'leave it out for no limit; a `mcp.tools.deny` rule refuses the tool',
    );
    if (max === undefined) ok = false;
    else rule.maxCallsPerMinute = max;
  }
  if (list === 'allow' && map.parameters !== undefined && map.parameters !== null) {
    const params = readParameters(ctx, map.parameters, joinPointer(pointer, 'parameters'));
    if (params === undefined) ok = false;
    else if (params.length > 0) rule.parameters = params;
  }
  return ok ? rule : undefined;
};

const readPrompt: RuleReader<PromptRule> = (ctx, map, pointer, list) => {
  const what = `a \`mcp.prompts.${list}\` rule`;
  const name = readNameGlob(ctx, map, 'name', pointer, what, 'prompt name', 'greeting');
  const rule: Mutable<PromptRule> = { name: name ?? '', at: ctx.ref(pointer) };
  let ok = name !== undefined;
  if (list === 'allow' && map.max_length !== undefined) {
    const max = readCount(
      ctx,
      map.max_length,
      joinPointer(pointer, 'max_length'),
      'max_length',
      0,
      'the most characters the prompt arguments may have together',
    );
    if (max === undefined) ok = false;
    else rule.maxLength = max;
  }
  return ok ? rule : undefined;
};

function readOperations(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): Operation[] | undefined {
  const names = ctx.readStrings(value, pointer, '`operations`');
  if (names === undefined) return undefined;
  const seen = new Set<Operation>();
  let ok = true;
  names.forEach((name, i) => {
    if ((OPERATIONS as readonly string[]).includes(name)) seen.add(name as Operation);
    else {
      ctx.error(
        'unknown-operation',
        Array.isArray(value) ? joinPointer(pointer, i) : pointer,
        `unknown resource operation ${quote(name)}`,
        didYouMean(name, OPERATIONS) ?? 'operations are `read`, `list` and `subscribe`',
      );
      ok = false;
    }
  });
  if (ok && seen.size === 0) {
    ctx.error(
      'empty-operations',
      pointer,
      '`operations` is empty, so the rule applies to nothing',
      'list `read`, `list` or `subscribe`, or leave `operations` out for all three',
    );
    return undefined;
  }
  return ok ? OPERATIONS.filter((op) => seen.has(op)) : undefined;
}

const readResource: RuleReader<ResourceRule> = (ctx, map, pointer, list) => {
  const what = `a \`mcp.resources.${list}\` rule`;
  const uri = readNameGlob(ctx, map, 'uri', pointer, what, 'resource uri', 'file:///workspace/**');
  let operations: Operation[] | undefined = [...OPERATIONS];
  if (map.operations !== undefined && map.operations !== null)
    operations = readOperations(ctx, map.operations, joinPointer(pointer, 'operations'));
  if (uri === undefined || operations === undefined) return undefined;
  return { uri, operations, at: ctx.ref(pointer) };
};

function readLists<R>(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
  kind: Kind,
  read: RuleReader<R>,
): McpRuleLists<R> | undefined {
  const map = ctx.readMap(value, pointer, `the \`mcp.${kind}\` section`, ['allow', 'deny']);
  if (!map) return undefined;
  const out = { allow: [] as R[], deny: [] as R[] };
  for (const list of ['allow', 'deny'] as const) {
    const lp = joinPointer(pointer, list);
    const items = ctx.readList(map[list], lp, `\`mcp.${kind}.${list}\``);
    items?.forEach((item, i) => {
      const at = joinPointer(lp, i);
      const what = `a \`mcp.${kind}.${list}\` rule`;
      if (typeof item === 'string') {
        const key = kind === 'resources' ? 'uri' : 'name';
        ctx.error(
          'type',
          at,
          `${what} must be a map, not the text ${quote(item)}`,
          `write \`- ${key}: ${JSON.stringify(item)}\``,
        );
        return;
      }
      const rule = ctx.readMap(item, at, what, RULE_KEYS[kind][list]);
      if (!rule) return;
      const parsed = read(ctx, rule, at, list);
      if (parsed !== undefined) out[list].push(parsed);
    });
  }
  return out;
}

/** The `parse` of the extension: the section at `pointer`, or undefined when it is not a map. */
export function parseMcp(
  value: unknown,
  pointer: string,
  ctx: SectionContext,
): McpSection | undefined {
  const map = ctx.readMap(value, pointer, 'the `mcp` section', SECTION_KEYS);
  if (!map) return undefined;
  const section: Mutable<McpSection> = {};
  const at = (key: string) => joinPointer(pointer, key);
  if (map.tools !== undefined) {
    const tools = readLists(ctx, map.tools, at('tools'), 'tools', readTool);
    if (tools) section.tools = tools;
  }
  if (map.prompts !== undefined) {
    const prompts = readLists(ctx, map.prompts, at('prompts'), 'prompts', readPrompt);
    if (prompts) section.prompts = prompts;
  }
  if (map.resources !== undefined) {
    const resources = readLists(ctx, map.resources, at('resources'), 'resources', readResource);
    if (resources) section.resources = resources;
  }
  if (map.transport !== undefined) {
    const transport = readTransport(ctx, map.transport, at('transport'));
    if (transport) section.transport = transport;
  }
  if (map.client !== undefined) {
    const client = readClient(ctx, map.client, at('client'));
    if (client) section.client = client;
  }
  if (map.grants !== undefined) {
    const grants = readGrants(ctx, map.grants, at('grants'));
    if (grants) section.grants = grants;
  }
  warnUnusedRules(ctx, section);
  return section;
}
