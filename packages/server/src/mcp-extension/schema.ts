// JSON Schema (draft 2020-12) of the `mcp:` section, for editors. Validation
// proper is `parse`: globs, ranges and shadowing are beyond a schema.

import type { JsonSchema } from '@mcpkit/wasm-policy';
import { APPROVALS, OPERATIONS } from './model.js';

const text = (description: string) => ({ type: 'string', minLength: 1, description });
const textOrList = (description: string) => ({
  description,
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
});
const rules = (description: string, items: object) => ({
  description,
  type: ['array', 'null'],
  items,
});
const lists = (description: string, allow: object, deny: object) => ({
  description,
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    allow: rules('Grants; the first matching rule decides.', allow),
    deny: rules('Refusals; a matching deny rule overrides every allow rule.', deny),
  },
});
const rule = (properties: Record<string, object>, required: string) => ({
  type: 'object',
  additionalProperties: false,
  required: [required],
  properties,
});

const constraint = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    pattern: text('A path glob when it starts with `/`, else a name glob (`*`, `?`).'),
    enum: {
      type: 'array',
      minItems: 1,
      items: { type: ['string', 'number', 'boolean', 'null'] },
      description: 'The values the argument may take.',
    },
    minimum: { type: 'number', description: 'Smallest number the argument may be.' },
    maximum: { type: 'number', description: 'Largest number the argument may be.' },
    max_length: {
      type: 'integer',
      minimum: 0,
      description: 'Most characters a text argument may have.',
    },
  },
};

const toolName = text('A tool name or a name glob: `*` any run, `?` one character.');
const promptName = text('A prompt name or a name glob.');
const uri = text('A name glob over the resource URI text.');
const operations = {
  description: 'What the rule applies to; all three when left out.',
  anyOf: [
    { enum: [...OPERATIONS] },
    { type: 'array', minItems: 1, items: { enum: [...OPERATIONS] } },
  ],
};

export const mcpSchema: JsonSchema = Object.freeze({
  description:
    'The MCP tools, prompts and resources clients may use, the transports offered, what components may ask of clients, and how grants are approved.',
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    tools: lists(
      'Tools clients may list and call.',
      rule(
        {
          name: toolName,
          max_calls_per_minute: {
            type: 'integer',
            minimum: 1,
            description: 'Calls allowed in any 60 seconds, per tool name.',
          },
          parameters: {
            type: ['object', 'null'],
            description:
              'Constraints on the call arguments: a constraint map, a glob, or `<name>_pattern: glob`.',
            additionalProperties: { anyOf: [{ type: 'string', minLength: 1 }, constraint] },
          },
        },
        'name',
      ),
      rule({ name: toolName }, 'name'),
    ),
    prompts: lists(
      'Prompts clients may list and get.',
      rule(
        {
          name: promptName,
          max_length: {
            type: 'integer',
            minimum: 0,
            description: 'Most characters of all argument values together.',
          },
        },
        'name',
      ),
      rule({ name: promptName }, 'name'),
    ),
    resources: lists(
      'Resources clients may read, list and subscribe to.',
      rule({ uri, operations }, 'uri'),
      rule({ uri, operations }, 'uri'),
    ),
    transport: {
      description: 'Transports the server offers.',
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        stdio: { type: 'boolean', description: 'Offer stdio (default `true`).' },
        http: {
          description: 'Streamable HTTP: `false` to turn it off, or the headers it accepts.',
          anyOf: [
            { type: 'boolean' },
            {
              type: ['object', 'null'],
              additionalProperties: false,
              properties: {
                allowed_hosts: textOrList(
                  'Accepted `Host` headers: `host`, `*.domain`, `host:port`.',
                ),
                allowed_origins: textOrList('Accepted `Origin` headers, exact.'),
              },
            },
          ],
        },
        websocket: {
          type: 'boolean',
          description: 'Accepted for compatibility; there is no websocket transport.',
        },
      },
    },
    client: {
      description:
        "What the component may ask of the MCP client through `mcpkit:host/client` or hyper-mcp's host functions (each off unless `true`).",
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        sampling: {
          type: 'boolean',
          description: "Ask the client's model (`sampling/createMessage`).",
        },
        elicitation: {
          type: 'boolean',
          description: 'Ask the person using the client (`elicitation/create`).',
        },
        roots: {
          type: 'boolean',
          description:
            "Ask which roots (directories, files) the client has shared (`roots/list`; an Extism plugin's `list_roots`).",
        },
      },
    },
    grants: {
      description: 'Server policy: how runtime grants are approved.',
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        approval: {
          enum: [...APPROVALS],
          description:
            '`elicit`: a person approves each grant through MCP elicitation; `none` (default): grants within the ceiling are made as asked.',
        },
        timeout: {
          description: 'How long to wait for the answer (default `2m`); no answer refuses.',
          anyOf: [
            { type: 'string', minLength: 1 },
            { type: 'number', exclusiveMinimum: 0 },
          ],
        },
      },
    },
  },
});
