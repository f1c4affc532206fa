// The MCP Inspector's command-line mode, a client mcpkit did not write,
// lists and calls tools over stdio.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, example, ROOT, tempDir } from '../testing.js';

const run = promisify(execFile);
const INSPECTOR = join(
  ROOT,
  'node_modules',
  '@modelcontextprotocol',
  'inspector',
  'clients',
  'launcher',
  'build',
  'index.js',
);

async function inspector(args: string[]): Promise<unknown> {
  const data = tempDir();
  const { stdout } = await run(
    process.execPath,
    [
      INSPECTOR,
      '--cli',
      '-e',
      'MCPKIT_LOG_LEVEL=warn',
      process.execPath,
      CLI,
      'serve',
      '--data-dir',
      data,
      '--component',
      example('calculator'),
      '--component',
      example('hash'),
      ...args,
    ],
    { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.slice(stdout.indexOf('{')));
}

describe('MCP Inspector CLI', () => {
  it('lists the tools', async () => {
    const r = (await inspector(['--method', 'tools/list'])) as { tools: Array<{ name: string }> };
    const names = r.tools.map((t) => t.name);
    for (const n of ['calculate', 'add', 'hash', 'list-components'])
      assert.ok(names.includes(n), names.join(', '));
  });

  it('calls a tool', async () => {
    const r = (await inspector([
      '--method',
      'tools/call',
      '--tool-name',
      'hash',
      '--tool-arg',
      'text=abc',
      'algorithm=sha1',
    ])) as {
      content: Array<{ text: string }>;
      isError: boolean;
    };
    assert.equal(r.isError, false);
    assert.equal(r.content[0]!.text, 'a9993e364706816aba3e25717850c26c9cd0d89d');
  });
});
