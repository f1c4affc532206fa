// The peer of the e2e bench: the same `echo` tool as a plain JavaScript
// function on the SDK's McpServer, over stdio or (with `--http`) Streamable HTTP.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

function server(): McpServer {
  const s = new McpServer({ name: 'sdk-js-echo', version: '1.0.0' });
  // The SDK's generic typing of registerTool is too deep for the compiler here; the call is the documented one.
  const register = s.registerTool.bind(s) as unknown as (
    name: string,
    config: { description: string; inputSchema: Record<string, z.ZodTypeAny> },
    handler: (args: {
      text: string;
    }) => Promise<{ content: Array<{ type: 'text'; text: string }> }>,
  ) => void;
  register(
    'echo',
    { description: 'Return the text unchanged.', inputSchema: { text: z.string() } },
    async ({ text }) => ({
      content: [{ type: 'text', text }],
    }),
  );
  return s;
}

if (process.argv.includes('--http')) {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const httpServer = http.createServer(async (req, res) => {
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sid) => {
          sessions.set(sid, transport!);
        },
      });
      await server().connect(transport);
    }
    await transport.handleRequest(req, res);
  });
  httpServer.listen(0, '127.0.0.1', () => {
    const address = httpServer.address() as { port: number };
    process.stderr.write(`listening http://127.0.0.1:${address.port}/mcp\n`);
  });
} else {
  await server().connect(new StdioServerTransport());
}
