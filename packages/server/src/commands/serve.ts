// `mcpkit serve`: the MCP server over stdio (default) or Streamable HTTP.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { clientOf, type Principal } from '../access/principal.js';
import { type App, type AppOptions, createApp } from '../app.js';
import type { HyperMcpPlugin } from '../hyper-mcp-config.js';
import { startHttpTransport } from '../transports/http.js';
import { progressLine } from './progress-line.js';

export interface ServeOptions extends AppOptions {
  /** Components to load (or reload) at start. */
  components?: readonly string[];
  /** Plugins of a hyper-mcp configuration to load at start, each under its converted policy. */
  hyperMcpPlugins?: readonly HyperMcpPlugin[];
  /** Serve Streamable HTTP here instead of stdio. */
  http?: { host: string; port: number };
  allowedHosts?: readonly string[];
  allowedOrigins?: readonly string[];
  maxBodyBytes?: number;
  /** Runtime grants to make after loading (each checked against the ceiling like any grant). */
  startGrants?: ReadonlyArray<{ component: string; fragment: Record<string, unknown> }>;
  /** Called when the stdio connection ends on its own (the CLI exits then). */
  onStdioClosed?: () => void;
  /** Serve HTTP beyond loopback without authentication (refused otherwise). */
  insecureNoAuth?: boolean;
  /** Serve HTTPS with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string; minVersion?: 'TLSv1.2' | 'TLSv1.3' };
}

/** The audit action of a refusal at the transport, by its code (default `auth`). */
const REFUSAL_ACTIONS: Record<string, string> = {
  'insufficient-scope': 'tool-call',
  'rate-limited': 'rate-limit',
  'session-of-another-identity': 'session',
};

export class ServeError extends Error {
  readonly code = 'serve-refused';
}

/** Loopback: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The scopes that give a role allowed to call `tool`, for a 403's `scope`. */
function scopesFor(app: App, tool: string): string | undefined {
  const oauth = app.access.authenticator?.oauth;
  if (!oauth) return undefined;
  const scopes = oauth.settings.scopes
    .filter((s) => {
      const role = app.access.roles.get(s.role);
      const p: Principal = { id: 'scope-probe', role: s.role, via: 'oauth' };
      return role !== undefined && app.server.mayCall(p, tool).allowed;
    })
    .map((s) => s.scope);
  return scopes.length > 0 ? scopes.join(' ') : undefined;
}

/** Largest JSON-RPC message read from stdin. */
export const STDIO_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface Serving {
  /** The HTTP endpoint, when serving HTTP. */
  readonly url?: string;
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Serving> {
  // TLS 1.2 is the floor (1.3 on request); Node's defaults choose modern ciphers.
  const tls = options.tls
    ? {
        cert: await readFile(resolve(options.tls.certFile)),
        key: await readFile(resolve(options.tls.keyFile)),
        ...(options.tls.minVersion ? { minVersion: options.tls.minVersion } : {}),
      }
    : undefined;
  const plugins = options.hyperMcpPlugins ?? [];
  const app = await createApp(options);
  const log = app.logger;
  if (options.http && !app.access.authenticator && !isLoopback(options.http.host)) {
    if (!options.insecureNoAuth) {
      await app.close();
      throw new ServeError(
        `refusing to serve HTTP on ${options.http.host}, beyond loopback, without authentication: anyone who reaches it could load code and grant it access. Configure \`access.authentication\` in the server policy (--policy), or pass --insecure-no-auth if something in front of the server authenticates`,
      );
    }
    log.warn(
      { host: options.http.host },
      'SERVING WITHOUT AUTHENTICATION beyond loopback (--insecure-no-auth): every client that reaches this address may load components, grant them access and call every tool',
    );
  }
  for (const path of options.components ?? []) {
    try {
      const c = await app.manager.load(path, { operator: true, onProgress: progressLine() });
      log.info(
        { component: c.meta.id, tools: c.guest.tools.map((t) => t.name) },
        'loaded component',
      );
    } catch (error) {
      log.error({ path }, `could not load ${path}: ${(error as Error).message}`);
    }
  }
  for (const p of plugins) {
    try {
      // Its env_vars are its secrets: kept like any component's, and its config.
      for (const [key, value] of Object.entries(p.env)) await app.secrets.set(p.name, key, value);
      const c = await app.manager.load(p.source, {
        id: p.name,
        policy: p.policy,
        plugin: p.settings,
        operator: true,
        onProgress: progressLine(),
      });
      log.info(
        { component: c.meta.id, tools: c.guest.tools.map((t) => t.name) },
        'loaded hyper-mcp plugin',
      );
    } catch (error) {
      log.error({ plugin: p.name }, `could not load plugin ${p.name}: ${(error as Error).message}`);
    }
  }
  for (const g of options.startGrants ?? []) {
    try {
      await app.manager.grant(g.component, g.fragment);
    } catch (error) {
      log.error({ component: g.component }, `could not grant: ${(error as Error).message}`);
    }
  }
  if (options.http) {
    const http = await startHttpTransport({
      host: options.http.host,
      port: options.http.port,
      createServer: (principal) => app.server.createSdkServer(principal),
      anonymous: app.access.anonymous,
      ...(app.access.authenticator
        ? {
            authenticate: (h: string | undefined) => app.access.authenticator!.authenticate(h),
            resourceMetadata: () => app.access.authenticator!.metadata(),
          }
        : {}),
      limitRequest: (p) => app.access.limiter.takeRequest(p.id, app.access.role(p).limits),
      mayCall: (p, tool) => {
        const exposure = app.server.mayCall(p, tool);
        if (exposure.allowed) return exposure;
        const may = { reason: `tool \`${tool}\` is not allowed: ${exposure.reason}` };
        const headers = app.access.authenticator?.insufficientScope(
          may.reason,
          scopesFor(app, tool),
        );
        return { allowed: false, reason: may.reason, ...(headers ? { headers } : {}) };
      },
      onRefused: (e) => {
        log.warn(
          { client: e.principal?.id, code: e.code, remote: e.remote },
          `refused: ${e.message}`,
        );
        try {
          app.audit?.append({
            client: e.principal
              ? clientOf(e.principal)
              : {
                  id: `unauthenticated${e.remote ? ` ${e.remote}` : ''}`,
                  role: 'none',
                  via: 'anonymous',
                },
            action: REFUSAL_ACTIONS[e.code] ?? 'auth',
            ...(e.target ? { target: e.target } : {}),
            decision: 'denied',
            reason: `${e.code}: ${e.message}`,
          });
        } catch (error) {
          log.error({ err: error }, (error as Error).message);
        }
      },
      ...(tls ? { tls } : {}),
      ...(options.allowedHosts?.length ? { allowedHosts: options.allowedHosts } : {}),
      ...(options.allowedOrigins?.length ? { allowedOrigins: options.allowedOrigins } : {}),
      ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
      logger: log,
    });
    log.info(
      { url: http.url, components: app.manager.list().length, dataDir: app.store.dir },
      'serving MCP over Streamable HTTP',
    );
    return {
      url: http.url,
      async close() {
        await http.close();
        await app.close();
      },
    };
  }
  // Arguments are capped far lower (McpkitServer's maxArgumentBytes) with a
  // clear error; the line buffer only has to be big enough to read them.
  const transport = new StdioServerTransport(process.stdin, process.stdout, {
    maxBufferSize: STDIO_MAX_MESSAGE_BYTES,
  });
  const sdk = app.server.createSdkServer(app.access.stdio);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await transport.close().catch(() => {});
    await app.close();
  };
  transport.onerror = (error) => log.error({ err: error }, `stdio: ${error.message}`);
  await sdk.connect(transport);
  // A transport that gave up (a message over the buffer) leaves nothing to serve: end, do not linger.
  const onclose = sdk.onclose;
  sdk.onclose = () => {
    onclose?.();
    if (!closed) {
      log.error('the stdio connection closed; shutting down');
      void close().then(() => options.onStdioClosed?.());
    }
  };
  log.info(
    { components: app.manager.list().length, dataDir: app.store.dir },
    'serving MCP over stdio',
  );
  return { close };
}
