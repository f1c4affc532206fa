// Shared by the server's tests: temporary trees, the CLI as a child process,
// SDK clients over stdio and HTTP.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, ClientCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));
export const EXAMPLES = join(ROOT, 'examples');
export const example = (name: string) => join(EXAMPLES, name, `${name}.wasm`);

export function tempDir(prefix = 'mcpkit-server-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

export function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : JSON.stringify(c))).join('\n');
}

export interface Connected {
  client: Client;
  stderr: () => string;
  close(): Promise<void>;
}

/** The CLI's `serve` on stdio, with an SDK client connected (declaring `capabilities`). */
export async function stdioClient(
  args: string[],
  env: Record<string, string> = {},
  capabilities: ClientCapabilities = {},
): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', '--log-level', 'warn', ...args],
    env: { PATH: process.env.PATH ?? '', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const client = new Client({ name: 'mcpkit-test', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** The CLI's `serve --http` as a child process (on a free port unless `args` say `--http`); resolves with its URL. */
export async function httpServer(
  args: string[],
  env: Record<string, string> = {},
): Promise<{
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<number | null>;
}> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      ...(args.includes('--http') ? [] : ['--http', '127.0.0.1:0']),
      '--log-level',
      'warn',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start:\n${stderr}`)),
      20_000,
    );
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /serving MCP at (\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}:\n${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

export async function httpClient(url: string): Promise<Connected> {
  const client = new Client({ name: 'mcpkit-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, stderr: () => '', close: () => client.close() };
}

/** The tool named `name` in `tools`; fails the test, listing them, when there is none. */
export function toolNamed(tools: readonly Tool[], name: string): Tool {
  const t = tools.find((x) => x.name === name);
  assert.ok(t, `${name} in ${tools.map((x) => x.name).join(', ')}`);
  return t;
}

export async function call(
  c: Connected,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await c.client.callTool({ name, arguments: args })) as CallToolResult;
}

/** `p` fails with a message matching `pattern` (a JSON-RPC error, say). */
export async function rejectsWith(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.match(e.message, pattern);
    return true;
  });
}
