// The `access:` (server policy) and `role:` (role policy) extensions,
// registered by the server on wasm-policy's public extension API.

import { defineExtension, formatBytes, formatDuration, type JsonSchema } from '@mcpkit/wasm-policy';
import type { AccessSection, ClientLimits, RoleSection } from './model.js';
import { ACCESS_KEYS, JWT_ALGORITHMS, parseAccess, parseRole } from './parse.js';

function limits(l: ClientLimits): Record<string, unknown> {
  return {
    ...(l.requestsPerMinute !== undefined ? { requests_per_minute: l.requestsPerMinute } : {}),
    ...(l.concurrentCalls !== undefined ? { concurrent_calls: l.concurrentCalls } : {}),
  };
}

function serializeAccess(s: AccessSection): Record<string, unknown> {
  const authentication: Record<string, unknown> = {};
  if (s.tokens !== undefined) authentication.tokens = s.tokens;
  if (s.oauth) {
    const o = s.oauth;
    authentication.oauth = {
      issuer: o.issuer,
      jwks: o.jwks,
      resource: o.resource,
      authorization_servers: [...o.authorizationServers],
      ...(o.roleClaim !== undefined ? { role_claim: o.roleClaim } : {}),
      ...(o.scopes.length > 0
        ? { scopes: Object.fromEntries(o.scopes.map((x) => [x.scope, x.role])) }
        : {}),
      clock_skew: formatDuration(o.clockSkewMs),
      algorithms: [...o.algorithms],
    };
  }
  return {
    ...(Object.keys(authentication).length > 0 ? { authentication } : {}),
    ...(Object.keys(s.roles).length > 0 ? { roles: { ...s.roles } } : {}),
    ...(s.stdioRole !== undefined ? { stdio_role: s.stdioRole } : {}),
    ...(s.limits ? { client_limits: limits(s.limits) } : {}),
    ...(s.audit
      ? {
          audit: {
            file: s.audit.file,
            ...(s.audit.maxBytes !== undefined ? { max_size: formatBytes(s.audit.maxBytes) } : {}),
            ...(s.audit.keep !== undefined ? { keep: s.audit.keep } : {}),
            ...(s.audit.keyFile !== undefined ? { key_file: s.audit.keyFile } : {}),
            ...(s.audit.arguments !== undefined ? { arguments: s.audit.arguments } : {}),
          },
        }
      : {}),
  };
}

const count = { type: 'integer', minimum: 1 };
const limitsSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Per client: requests per minute and tool calls at once.',
  properties: { requests_per_minute: count, concurrent_calls: count },
};

const accessSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Who may connect, as which role, and the audit log.',
  properties: {
    authentication: {
      type: 'object',
      additionalProperties: false,
      properties: {
        tokens: {
          type: 'string',
          description: 'Static bearer token file (`mcpkit token create`).',
        },
        oauth: {
          type: 'object',
          additionalProperties: false,
          required: ['issuer', 'jwks', 'resource'],
          properties: {
            issuer: { type: 'string' },
            jwks: { type: 'string', description: 'JWKS URL or file.' },
            resource: {
              type: 'string',
              description: "This server's resource URI; tokens' audience.",
            },
            authorization_servers: { type: 'array', items: { type: 'string' } },
            role_claim: { type: 'string' },
            scopes: { type: 'object', additionalProperties: { type: 'string' } },
            clock_skew: { type: ['string', 'number'] },
            algorithms: { type: 'array', items: { enum: [...JWT_ALGORITHMS] } },
          },
        },
      },
    },
    roles: {
      type: 'object',
      description: 'Role name to its role policy file.',
      additionalProperties: { type: 'string' },
    },
    stdio_role: { type: 'string' },
    client_limits: limitsSchema,
    audit: {
      type: 'object',
      additionalProperties: false,
      required: ['file'],
      properties: {
        file: { type: 'string' },
        max_size: { type: ['string', 'number'] },
        keep: count,
        key_file: { type: 'string' },
        arguments: { enum: ['redact', 'keys', 'include'] },
      },
    },
  },
};

export const accessExtension = defineExtension<AccessSection, AccessSection>({
  id: 'access',
  description: 'server policy: client authentication, roles, per-client limits, the audit log',
  schema: accessSchema,
  parse: parseAccess,
  compile: (section) => section,
  // A policy that extends another may replace any of its settings; roles add up.
  merge: (base, child) => ({ ...base, ...child, roles: { ...base.roles, ...child.roles } }),
  serialize: serializeAccess,
});

/** The `role:` extension, checking `manage` against these management tool names. */
export function roleExtension(managementTools: readonly string[]) {
  return defineExtension<RoleSection, RoleSection>({
    id: 'role',
    description: 'role policy: the management tools, sources and limits of a role',
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        manage: {
          type: 'array',
          items: { type: 'string' },
          description: 'Management tools (globs).',
        },
        sources: { type: 'array', items: { type: 'string' }, description: 'Source URI globs.' },
        client_limits: limitsSchema,
      },
    },
    parse: (value, pointer, ctx) => parseRole(value, pointer, ctx, managementTools),
    compile: (section) => section,
    merge: (base, child) => ({
      manage: [...new Set([...base.manage, ...child.manage])],
      sources: [...new Set([...base.sources, ...child.sources])],
      ...((child.limits ?? base.limits) ? { limits: { ...base.limits, ...child.limits } } : {}),
      at: child.at,
    }),
    serialize: (s) => ({
      ...(s.manage.length > 0 ? { manage: [...s.manage] } : {}),
      ...(s.sources.length > 0 ? { sources: [...s.sources] } : {}),
      ...(s.limits ? { client_limits: limits(s.limits) } : {}),
    }),
  });
}

export { ACCESS_KEYS };
