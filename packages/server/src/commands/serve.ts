// `mcpkit serve`: the MCP server over stdio (default) or Streamable HTTP.

import { resolve } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type AppOptions, createApp } from '../app.js';
import { startHttpTransport } from '../transports/http.js';

export interface ServeOptions extends AppOptions {
  /** Components to load (or reload) at start. */
  components?: readonly string[];
  /** Serve Streamable HTTP here instead of stdio. */
  http?: { host: string; port: number };
  allowedHosts?: readonly string[];
  allowedOrigins?: readonly string[];
  maxBodyBytes?: number;
  /** Runtime grants to make after loading (each checked against the ceiling like any grant). */
  startGrants?: ReadonlyArray<{ component: string; fragment: Record<string, unknown> }>;
  /** Called when the stdio connection ends on its own (the CLI exits then). */
  onStdioClosed?: () => void;
}

/** Largest JSON-RPC message read from stdin. */
export const STDIO_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface Serving {
  /** The HTTP endpoint, when serving HTTP. */
  readonly url?: string;
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const app = await createApp(options);
  const log = app.logger;
  for (const path of options.components ?? []) {
    try {
      const c = await app.manager.load(resolve(path));
      log.info(
        { component: c.meta.id, tools: c.guest.tools.map((t) => t.name) },
        'loaded component',
      );
    } catch (error) {
      log.error({ path }, `could not load ${path}: ${(error as Error).message}`);
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
      createServer: () => app.server.createSdkServer(),
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
  const sdk = app.server.createSdkServer();
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
