// JSON Schema (draft 2020-12) of the canonical policy document, for editors
// (`$schema`) and other tools. Validation proper is `validate.ts`: it reports
// with positions and help, and knows what a schema cannot say (glob syntax,
// CIDR, host wildcards).

import type { ExtensionRegistry, JsonSchema } from './extension.js';
import { MAX_OPEN_FILES } from './model.js';
import { MIN_CPU_TIME_MS } from './quantity.js';

export const POLICY_SCHEMA_ID = 'https://mcpkit.dev/schema/policy-v1.json';

const quantity = (description: string, pattern: string) => ({
  description,
  anyOf: [
    { type: 'string', pattern },
    { type: 'number', minimum: 0 },
  ],
});

const lists = (rule: JsonSchema) => ({
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    allow: { type: ['array', 'null'], items: rule },
    deny: { type: ['array', 'null'], items: rule },
  },
});

const storageRule = {
  type: 'object',
  additionalProperties: false,
  required: ['uri'],
  properties: {
    uri: {
      type: 'string',
      pattern: '^fs://',
      description:
        'fs:// followed by an absolute path glob (`fs:///workspace/**`) or one relative to the policy directory. `*` and `**` skip dotfiles; a path without wildcards names a file or a whole directory.',
    },
    access: {
      description: 'Required in allow rules; a deny rule without it denies both.',
      anyOf: [
        { type: 'array', items: { enum: ['read', 'write'] }, minItems: 1, uniqueItems: true },
        { enum: ['read', 'write'] },
      ],
    },
  },
};

const stringOrList = (items: JsonSchema) => ({ anyOf: [items, { type: 'array', items }] });

const egressLimits = {
  type: 'object',
  additionalProperties: false,
  description:
    'Limits on the requests allowed (on a rule: those it allows; on the section: all), counted over all calls of the component.',
  properties: {
    requests_per_minute: { type: 'integer', minimum: 1 },
    concurrent_connections: { type: 'integer', minimum: 1 },
    max_response_size: {
      type: ['string', 'integer'],
      description: 'The largest response body, e.g. `1Mi`.',
    },
  },
};

const networkRule = {
  type: 'object',
  additionalProperties: false,
  oneOf: [{ required: ['host'] }, { required: ['cidr'] }],
  properties: {
    host: {
      type: 'string',
      description:
        'An exact host name, `*.example.com` (every subdomain, not the apex), `*`, or an IP address.',
    },
    cidr: { type: 'string', description: 'An IPv4 or IPv6 range, e.g. `10.0.0.0/8`.' },
    ports: stringOrList({
      anyOf: [
        { type: 'integer', minimum: 1, maximum: 65535 },
        { type: 'string', pattern: '^\\d{1,5}(-\\d{1,5})?$' },
      ],
    }),
    schemes: stringOrList({ enum: ['http', 'https', 'ws', 'wss'] }),
    methods: stringOrList({ type: 'string', pattern: '^[A-Za-z]+$' }),
    paths: stringOrList({ type: 'string', pattern: '^/' }),
    protocols: stringOrList({ enum: ['tcp', 'udp'] }),
    limits: egressLimits,
  },
};

const envRule = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: { key: { type: 'string', pattern: '^(\\*|[A-Za-z_][A-Za-z0-9_]*\\*?)$' } },
};

const duration = '^\\s*(\\d+(\\.\\d+)?(ms|s|m|h))+\\s*$|^\\s*\\d+(\\.\\d+)?\\s*$';

const bytes = '^\\s*\\d+(\\.\\d+)?\\s*(k|K|M|G|T|Ki|Mi|Gi|Ti|KB|MB|GB|KiB|MiB|GiB)?\\s*$';

const resources = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    limits: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        memory: quantity('Linear memory, e.g. `256Mi`.', bytes),
        cpu: quantity(
          "CPU quota of the component's calls together, in cores averaged over time, e.g. `500m` (half a core) or `2`.",
          '^\\s*\\d+(\\.\\d+)?\\s*m?\\s*$',
        ),
        cpu_time: quantity(
          `CPU time one call may use, e.g. \`2s\` (at least ${MIN_CPU_TIME_MS}ms).`,
          duration,
        ),
        execution_time: quantity('Wall-clock time per call, e.g. `30s`.', duration),
        output: quantity('Bytes of output per call, e.g. `1Mi`.', bytes),
        concurrency: {
          description: 'Calls of the component running at once; more wait their turn.',
          anyOf: [
            { type: 'integer', minimum: 1 },
            { type: 'string', pattern: '^\\d+$' },
          ],
        },
        open_files: {
          description: `Host files one call may hold open at once (at most ${MAX_OPEN_FILES}).`,
          anyOf: [
            { type: 'integer', minimum: 1, maximum: MAX_OPEN_FILES },
            { type: 'string', pattern: '^\\d+$' },
          ],
        },
      },
    },
    memory: { type: 'number', description: 'Older form: megabytes.' },
  },
};

const engine = {
  type: 'object',
  additionalProperties: false,
  properties: {
    fuel: { type: 'number' },
    memory_limit: quantity('Linear memory.', bytes),
    wasi_nn: { type: 'boolean' },
  },
};

const runtime = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    isolation: { enum: ['worker', 'inline'] },
    memory_limit: quantity('Linear memory.', bytes),
    engine: { type: 'string' },
    wasmtime: engine,
    wasmedge: engine,
  },
};

/** The schema of the document, with the sections of registered extensions. */
export function policySchema(registry?: ExtensionRegistry): JsonSchema {
  const sections: Record<string, unknown> = {
    storage: lists(storageRule),
    network: {
      ...lists(networkRule),
      properties: { ...lists(networkRule).properties, limits: egressLimits },
    },
    environment: lists(envRule),
    resources,
    runtime,
  };
  for (const ext of registry ?? [])
    sections[ext.id] = ext.schema ?? { description: ext.description ?? ext.id };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: POLICY_SCHEMA_ID,
    title: 'mcpkit policy',
    description: 'Capabilities a WebAssembly guest may use. Default deny; deny overrides allow.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      version: { type: 'string', enum: ['1.0', '1'] },
      description: { type: 'string' },
      extends: stringOrList({ type: 'string' }),
      permissions: {
        type: ['object', 'null'],
        description: "Wassette's form: the same sections, wrapped.",
        additionalProperties: false,
        properties: sections,
      },
      ...sections,
    },
  };
}
