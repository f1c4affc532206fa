// Reading the `access:` and `role:` sections. Every problem is reported
// through the SectionContext with a stable code, a pointer and help; relative
// file paths resolve against the policy file's directory.

import { isAbsolute, resolve } from 'node:path';
import {
  didYouMean,
  joinPointer,
  nameGlobMatches,
  parseBytes,
  parseDuration,
  quote,
  type SectionContext,
} from '@mcpkit/wasm-policy';
import { nameGlobSyntaxError } from '../mcp-extension/name-glob.js';
import { readCount } from '../mcp-extension/parse-values.js';
import {
  type AccessSection,
  ARGUMENT_LOGGING,
  type ArgumentLogging,
  type AuditSettings,
  type ClientLimits,
  type OAuthSettings,
  OPERATOR,
  type RoleSection,
} from './model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export const ACCESS_KEYS = Object.freeze([
  'authentication',
  'roles',
  'stdio_role',
  'client_limits',
  'audit',
] as const);
const AUTH_KEYS = ['tokens', 'oauth'] as const;
const OAUTH_KEYS = [
  'issuer',
  'jwks',
  'resource',
  'authorization_servers',
  'role_claim',
  'scopes',
  'clock_skew',
  'algorithms',
] as const;
const LIMIT_KEYS = ['requests_per_minute', 'concurrent_calls'] as const;
const AUDIT_KEYS = ['file', 'max_size', 'keep', 'key_file', 'arguments'] as const;
export const ROLE_KEYS = Object.freeze(['manage', 'sources', 'client_limits'] as const);

/** Asymmetric JWS algorithms only: a shared secret would let the server mint tokens. */
export const JWT_ALGORITHMS = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const);
const DEFAULT_CLOCK_SKEW_MS = 30_000;
const ROLE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** A map whose keys are the user's own (role names, scopes): no key is unknown. */
function freeMap(ctx: SectionContext, value: unknown, pointer: string, what: string) {
  const keys =
    value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
  return ctx.readMap(value, pointer, what, keys);
}

/** A file path from a policy, made absolute against the policy's directory. */
export function readPath(ctx: SectionContext, value: unknown, pointer: string, what: string) {
  const text = ctx.readString(value, pointer, what);
  if (text === undefined) return undefined;
  if (text.length === 0 || text.includes('\0')) {
    ctx.error('invalid-path', pointer, `${what} must be a file path`);
    return undefined;
  }
  return isAbsolute(text) ? resolve(text) : resolve(ctx.baseDir ?? process.cwd(), text);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An `https://` URL, or `http://` to a loopback host (tests, local gateways). */
function webUrl(ctx: SectionContext, value: unknown, pointer: string, what: string) {
  const text = ctx.readString(value, pointer, what);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.error(
      'invalid-url',
      pointer,
      `${what} ${quote(text)} is not a URL`,
      'write e.g. `https://auth.example.com`',
    );
    return undefined;
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    return text;
  ctx.error(
    'insecure-url',
    pointer,
    `${what} ${quote(text)} must use https`,
    '`http://` is accepted only for localhost, 127.0.0.1 and [::1]',
  );
  return undefined;
}

function roleName(ctx: SectionContext, value: unknown, pointer: string, what: string) {
  const name = ctx.readString(value, pointer, what);
  if (name === undefined) return undefined;
  if (!ROLE_NAME.test(name)) {
    ctx.error(
      'invalid-role-name',
      pointer,
      `role name ${quote(name)} must be lower-case letters, digits, \`_\` or \`-\`, starting with a letter`,
    );
    return undefined;
  }
  return name;
}

function readLimits(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): ClientLimits | undefined {
  const map = ctx.readMap(value, pointer, '`client_limits`', LIMIT_KEYS);
  if (!map) return undefined;
  const out: Mutable<ClientLimits> = {};
  const help = 'leave it out for no limit';
  if (map.requests_per_minute !== undefined) {
    const n = readCount(
      ctx,
      map.requests_per_minute,
      joinPointer(pointer, 'requests_per_minute'),
      'requests_per_minute',
      1,
      help,
    );
    if (n === undefined) return undefined;
    out.requestsPerMinute = n;
  }
  if (map.concurrent_calls !== undefined) {
    const n = readCount(
      ctx,
      map.concurrent_calls,
      joinPointer(pointer, 'concurrent_calls'),
      'concurrent_calls',
      1,
      help,
    );
    if (n === undefined) return undefined;
    out.concurrentCalls = n;
  }
  return out;
}

function readOAuth(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): OAuthSettings | undefined {
  const map = ctx.readMap(value, pointer, '`access.authentication.oauth`', OAUTH_KEYS);
  if (!map) return undefined;
  const at = (k: string) => joinPointer(pointer, k);
  let ok = true;
  for (const key of ['issuer', 'jwks', 'resource'] as const) {
    if (map[key] === undefined) {
      ctx.error(
        'missing-key',
        pointer,
        `\`oauth\` needs ${quote(key)}`,
        key === 'issuer'
          ? 'the `iss` your authorization server puts in its tokens'
          : key === 'jwks'
            ? "the URL (or a file) of the authorization server's JSON Web Key Set"
            : "this server's URL as clients reach it, e.g. `https://mcp.example.com/mcp`: tokens must name it in `aud`",
      );
      ok = false;
    }
  }
  const issuer =
    map.issuer === undefined ? undefined : ctx.readString(map.issuer, at('issuer'), '`issuer`');
  const jwksText =
    map.jwks === undefined ? undefined : ctx.readString(map.jwks, at('jwks'), '`jwks`');
  const jwks =
    jwksText === undefined
      ? undefined
      : /^[a-z]+:\/\//i.test(jwksText)
        ? webUrl(ctx, jwksText, at('jwks'), '`jwks`')
        : readPath(ctx, jwksText, at('jwks'), '`jwks`');
  const resource =
    map.resource === undefined
      ? undefined
      : webUrl(ctx, map.resource, at('resource'), '`resource`');
  const servers =
    map.authorization_servers === undefined
      ? undefined
      : ctx.readStrings(
          map.authorization_servers,
          at('authorization_servers'),
          '`authorization_servers`',
        );
  const roleClaim =
    map.role_claim === undefined
      ? undefined
      : ctx.readString(map.role_claim, at('role_claim'), '`role_claim`');
  const scopes: Array<{ scope: string; role: string }> = [];
  if (map.scopes !== undefined) {
    const m = freeMap(ctx, map.scopes, at('scopes'), '`scopes` (scope to role)');
    if (m === undefined) ok = false;
    else
      for (const [scope, role] of Object.entries(m)) {
        const r = roleName(
          ctx,
          role,
          joinPointer(at('scopes'), scope),
          `the role of scope ${quote(scope)}`,
        );
        if (r === undefined) ok = false;
        else scopes.push({ scope, role: r });
      }
  }
  let clockSkewMs = DEFAULT_CLOCK_SKEW_MS;
  if (map.clock_skew !== undefined) {
    const d = parseDuration(map.clock_skew);
    if (!d.ok || d.value > 300_000) {
      ctx.error(
        'invalid-duration',
        at('clock_skew'),
        `\`clock_skew\` ${d.ok ? 'must be at most 5 minutes' : d.message}`,
        'a small allowance such as `30s`',
      );
      ok = false;
    } else clockSkewMs = d.value;
  }
  let algorithms: string[] = [...JWT_ALGORITHMS];
  if (map.algorithms !== undefined) {
    const list = ctx.readStrings(map.algorithms, at('algorithms'), '`algorithms`');
    if (list === undefined) ok = false;
    else {
      list.forEach((alg, i) => {
        if (!(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
          ctx.error(
            'unsupported-algorithm',
            Array.isArray(map.algorithms) ? joinPointer(at('algorithms'), i) : at('algorithms'),
            `${quote(alg)} is not an accepted token signature algorithm`,
            didYouMean(alg, JWT_ALGORITHMS) ??
              `accepted: ${JWT_ALGORITHMS.join(', ')} (asymmetric only; \`none\` and HMAC never)`,
          );
          ok = false;
        }
      });
      algorithms = list;
    }
  }
  if (!ok || issuer === undefined || jwks === undefined || resource === undefined) return undefined;
  if (roleClaim === undefined && scopes.length === 0) {
    ctx.error(
      'no-role-mapping',
      pointer,
      '`oauth` says neither which claim names the role nor which scopes map to roles',
      'add `role_claim: mcpkit_role` or `scopes: { "mcp:tools": user }`',
    );
    return undefined;
  }
  if (servers === undefined && map.authorization_servers !== undefined) return undefined;
  return {
    issuer,
    jwks,
    resource,
    authorizationServers: servers ?? [issuer],
    ...(roleClaim !== undefined ? { roleClaim } : {}),
    scopes,
    clockSkewMs,
    algorithms,
  };
}

function readAudit(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): AuditSettings | undefined {
  const map = ctx.readMap(value, pointer, '`access.audit`', AUDIT_KEYS);
  if (!map) return undefined;
  const at = (k: string) => joinPointer(pointer, k);
  if (map.file === undefined) {
    ctx.error('missing-key', pointer, '`audit` needs `file`', 'add e.g. `file: ./audit/audit.log`');
    return undefined;
  }
  const file = readPath(ctx, map.file, at('file'), '`file`');
  const out: Mutable<AuditSettings> = { file: file ?? '' };
  let ok = file !== undefined;
  if (map.max_size !== undefined) {
    const b = parseBytes(map.max_size);
    if (!b.ok || b.value < 4096) {
      ctx.error(
        'invalid-size',
        at('max_size'),
        `\`max_size\` ${b.ok ? 'must be at least 4Ki' : b.message}`,
        'e.g. `16Mi`',
      );
      ok = false;
    } else out.maxBytes = b.value;
  }
  if (map.keep !== undefined) {
    const n = readCount(ctx, map.keep, at('keep'), 'keep', 1, 'how many rotated files to keep');
    if (n === undefined) ok = false;
    else out.keep = n;
  }
  if (map.key_file !== undefined) {
    const k = readPath(ctx, map.key_file, at('key_file'), '`key_file`');
    if (k === undefined) ok = false;
    else out.keyFile = k;
  }
  if (map.arguments !== undefined) {
    const a = ctx.readString(map.arguments, at('arguments'), '`arguments`');
    if (a === undefined) ok = false;
    else if (!(ARGUMENT_LOGGING as readonly string[]).includes(a)) {
      ctx.error(
        'invalid-value',
        at('arguments'),
        `\`arguments\` must be one of ${ARGUMENT_LOGGING.map(quote).join(', ')}, not ${quote(a)}`,
        didYouMean(a, ARGUMENT_LOGGING) ?? '`redact` keeps argument names and hides their values',
      );
      ok = false;
    } else out.arguments = a as ArgumentLogging;
  }
  return ok ? out : undefined;
}

export function parseAccess(
  value: unknown,
  pointer: string,
  ctx: SectionContext,
): AccessSection | undefined {
  const map = ctx.readMap(value, pointer, 'the `access` section', ACCESS_KEYS);
  if (!map) return undefined;
  const at = (k: string) => joinPointer(pointer, k);
  const section: Mutable<AccessSection> = { roles: {}, at: ctx.ref(pointer) };
  let ok = true;
  if (map.authentication !== undefined) {
    const auth = ctx.readMap(
      map.authentication,
      at('authentication'),
      '`access.authentication`',
      AUTH_KEYS,
    );
    if (!auth) ok = false;
    else {
      const ap = (k: string) => joinPointer(at('authentication'), k);
      if (auth.tokens !== undefined) {
        const t = readPath(ctx, auth.tokens, ap('tokens'), '`tokens`');
        if (t === undefined) ok = false;
        else section.tokens = t;
      }
      if (auth.oauth !== undefined) {
        const o = readOAuth(ctx, auth.oauth, ap('oauth'));
        if (o === undefined) ok = false;
        else section.oauth = o;
      }
    }
  }
  if (map.roles !== undefined) {
    const roles = freeMap(
      ctx,
      map.roles,
      at('roles'),
      '`access.roles` (role name to its policy file)',
    );
    if (!roles) ok = false;
    else {
      const out: Record<string, string> = {};
      for (const [name, file] of Object.entries(roles)) {
        const rp = joinPointer(at('roles'), name);
        if (roleName(ctx, name, rp, 'a role name') === undefined) {
          ok = false;
          continue;
        }
        if (name === OPERATOR) {
          ctx.error(
            'reserved-role',
            rp,
            `\`${OPERATOR}\` is built in: it may do everything`,
            'give your role another name',
          );
          ok = false;
          continue;
        }
        const f = readPath(ctx, file, rp, `the policy file of role ${quote(name)}`);
        if (f === undefined) ok = false;
        else out[name] = f;
      }
      section.roles = out;
    }
  }
  const known = [OPERATOR, ...Object.keys(section.roles)];
  const checkRole = (role: string | undefined, p: string) => {
    if (role === undefined || known.includes(role)) return true;
    ctx.error(
      'unknown-role',
      p,
      `no role ${quote(role)} is defined`,
      didYouMean(role, known) ??
        `define it under \`access.roles\`, or use one of ${known.map(quote).join(', ')}`,
    );
    return false;
  };
  if (map.stdio_role !== undefined) {
    const r = roleName(ctx, map.stdio_role, at('stdio_role'), '`stdio_role`');
    if (r === undefined || !checkRole(r, at('stdio_role'))) ok = false;
    else section.stdioRole = r;
  }
  section.oauth?.scopes.forEach((s) => {
    if (!checkRole(s.role, joinPointer(at('authentication'), 'oauth', 'scopes', s.scope)))
      ok = false;
  });
  if (map.client_limits !== undefined) {
    const l = readLimits(ctx, map.client_limits, at('client_limits'));
    if (l === undefined) ok = false;
    else section.limits = l;
  }
  if (map.audit !== undefined) {
    const a = readAudit(ctx, map.audit, at('audit'));
    if (a === undefined) ok = false;
    else section.audit = a;
  }
  return ok ? section : undefined;
}

function readGlobs(ctx: SectionContext, value: unknown, pointer: string, what: string) {
  const list = ctx.readStrings(value, pointer, what);
  if (list === undefined) return undefined;
  let ok = true;
  list.forEach((g, i) => {
    const syntax = nameGlobSyntaxError(g);
    if (syntax) {
      ctx.error(
        'glob-syntax',
        Array.isArray(value) ? joinPointer(pointer, i) : pointer,
        `${quote(g)} ${syntax}`,
      );
      ok = false;
    }
  });
  return ok ? list : undefined;
}

/** `managementTools` are the names `manage` may name; a glob must match one of them. */
export function parseRole(
  value: unknown,
  pointer: string,
  ctx: SectionContext,
  managementTools: readonly string[],
): RoleSection | undefined {
  const map = ctx.readMap(value, pointer, 'the `role` section', ROLE_KEYS);
  if (!map) return undefined;
  const at = (k: string) => joinPointer(pointer, k);
  let ok = true;
  const manage =
    map.manage === undefined ? [] : readGlobs(ctx, map.manage, at('manage'), '`manage`');
  if (manage === undefined) ok = false;
  else
    manage.forEach((name, i) => {
      if (!managementTools.some((t) => nameGlobMatches(name, t))) {
        ctx.error(
          'unknown-management-tool',
          Array.isArray(map.manage) ? joinPointer(at('manage'), i) : at('manage'),
          `no management tool is named ${quote(name)}`,
          didYouMean(name, managementTools) ??
            `the management tools are ${managementTools.map(quote).join(', ')}`,
        );
        ok = false;
      }
    });
  const sources =
    map.sources === undefined ? [] : readGlobs(ctx, map.sources, at('sources'), '`sources`');
  if (sources === undefined) ok = false;
  const limits =
    map.client_limits === undefined
      ? undefined
      : readLimits(ctx, map.client_limits, at('client_limits'));
  if (map.client_limits !== undefined && limits === undefined) ok = false;
  if (!ok || manage === undefined || sources === undefined) return undefined;
  return { manage, sources, ...(limits ? { limits } : {}), at: ctx.ref(pointer) };
}
