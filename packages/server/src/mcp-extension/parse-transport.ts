// `mcp.transport`: stdio on or off, the HTTP transport off or with the Host
// and Origin headers it accepts, and `websocket` (accepted; there is none).

import {
  isHostError,
  joinPointer,
  normalizeHost,
  quote,
  type SectionContext,
} from '@mcpkit/wasm-policy';
import type { HttpSection, TransportSection } from './model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** `host`, `*.domain`, `*`, `[v6]`, each optionally with `:port`; lower-case. */
export function normalizeAllowedHost(input: string): string | undefined {
  let host = input;
  let port = '';
  if (input.startsWith('[')) {
    const end = input.indexOf(']');
    if (end < 0) return undefined;
    host = input.slice(1, end);
    port = input.slice(end + 1);
  } else {
    const colon = input.lastIndexOf(':');
    if (colon >= 0) {
      host = input.slice(0, colon);
      port = input.slice(colon);
    }
  }
  if (port !== '') {
    const m = /^:(\d{1,5})$/.exec(port);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) return undefined;
    port = `:${Number(m[1])}`;
  }
  if (host === '*') return `*${port}`;
  const wildcard = host.startsWith('*.');
  const normal = normalizeHost(wildcard ? host.slice(2) : host);
  if (isHostError(normal) || normal.length === 0) return undefined;
  if (input.startsWith('[')) return normal.includes(':') ? `[${normal}]${port}` : undefined;
  if (normal.includes(':')) return undefined;
  if (wildcard && /^[\d.]+$/.test(normal)) return undefined;
  return `${wildcard ? '*.' : ''}${normal}${port}`;
}

/** `scheme://host[:port]` of an http(s) origin, or undefined. */
export function normalizeOrigin(input: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/')
    return undefined;
  if (url.hostname.includes('*')) return undefined;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/?$/i.test(input)) return undefined;
  return url.origin;
}

function readList(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
  key: string,
  normalize: (s: string) => string | undefined,
  problem: (s: string) => [code: string, message: string, help: string],
): string[] | undefined {
  const list = ctx.readStrings(value, pointer, quote(key));
  if (list === undefined) return undefined;
  const out: string[] = [];
  let ok = true;
  list.forEach((text, i) => {
    const normal = normalize(text);
    if (normal === undefined) {
      const [code, message, help] = problem(text);
      ctx.error(code, Array.isArray(value) ? joinPointer(pointer, i) : pointer, message, help);
      ok = false;
    } else if (!out.includes(normal)) out.push(normal);
    if (normal?.startsWith('*') && !normal.startsWith('*.')) {
      ctx.warning(
        'any-host',
        Array.isArray(value) ? joinPointer(pointer, i) : pointer,
        `${quote(text)} accepts any \`Host\` header, which turns off the protection against DNS rebinding`,
        'list the host names clients use',
      );
    }
  });
  return ok ? out : undefined;
}

function readHttp(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): HttpSection | false | undefined {
  if (value === false) return false;
  if (value === true || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    ctx.error(
      'type',
      pointer,
      `\`mcp.transport.http\` must be \`false\`, \`true\` or a map, not ${Array.isArray(value) ? 'a list' : quote(value)}`,
      'e.g. `http: { allowed_hosts: ["localhost"] }`',
    );
    return undefined;
  }
  const map = ctx.readMap(value, pointer, 'the `mcp.transport.http` section', [
    'allowed_hosts',
    'allowed_origins',
  ]);
  if (!map) return undefined;
  const out: Mutable<HttpSection> = {};
  let ok = true;
  if (map.allowed_hosts !== undefined && map.allowed_hosts !== null) {
    const hosts = readList(
      ctx,
      map.allowed_hosts,
      joinPointer(pointer, 'allowed_hosts'),
      'allowed_hosts',
      normalizeAllowedHost,
      (text) => [
        'host-syntax',
        `allowed host ${quote(text)} is not a host name, \`*.\` wildcard or IP address, with an optional \`:port\``,
        'e.g. `localhost`, `*.example.com` or `127.0.0.1:8080`',
      ],
    );
    if (hosts === undefined) ok = false;
    else out.allowedHosts = hosts;
  }
  if (map.allowed_origins !== undefined && map.allowed_origins !== null) {
    const origins = readList(
      ctx,
      map.allowed_origins,
      joinPointer(pointer, 'allowed_origins'),
      'allowed_origins',
      normalizeOrigin,
      (text) => [
        'origin-syntax',
        `allowed origin ${quote(text)} is not an exact \`http\` or \`https\` origin`,
        'write `scheme://host[:port]` without a path or wildcard, e.g. `https://app.example.com`',
      ],
    );
    if (origins === undefined) ok = false;
    else out.allowedOrigins = origins;
  }
  return ok ? out : undefined;
}

export function readTransport(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): TransportSection | undefined {
  const map = ctx.readMap(value, pointer, 'the `mcp.transport` section', [
    'stdio',
    'http',
    'websocket',
  ]);
  if (!map) return undefined;
  const out: Mutable<TransportSection> = { at: ctx.ref(pointer) };
  let ok = true;
  if (map.stdio !== undefined && map.stdio !== null) {
    const stdio = ctx.readBoolean(map.stdio, joinPointer(pointer, 'stdio'), '`stdio`');
    if (stdio === undefined) ok = false;
    else out.stdio = stdio;
  }
  if (map.http !== undefined) {
    const http = readHttp(ctx, map.http, joinPointer(pointer, 'http'));
    if (http === undefined) ok = false;
    else out.http = http;
  }
  if (map.websocket !== undefined && map.websocket !== null) {
    const at = joinPointer(pointer, 'websocket');
    const websocket = ctx.readBoolean(map.websocket, at, '`websocket`');
    if (websocket === undefined) ok = false;
    else {
      out.websocket = websocket;
      if (websocket) {
        ctx.warning(
          'websocket-unsupported',
          at,
          'there is no websocket transport; `websocket: true` has no effect',
          'clients connect over stdio or Streamable HTTP (`http`)',
        );
      }
    }
  }
  return ok ? out : undefined;
}
