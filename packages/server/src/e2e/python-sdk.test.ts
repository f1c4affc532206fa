// The official MCP Python SDK's client (packages/server/test/python/client.py;
// the SDK as scripts/python-requirements.txt pins it, installed by CI) lists
// and reads resources and gets a prompt, over stdio and over Streamable HTTP.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, httpServer, ROOT, tempDir } from '../testing.js';
import { catalogGuest } from './guests.js';

const run = promisify(execFile);
const CLIENT = join(ROOT, 'packages', 'server', 'test', 'python', 'client.py');

/** The Python with the MCP SDK: `$MCPKIT_PYTHON`, else `python3`. */
const PYTHON = process.env.MCPKIT_PYTHON ?? 'python3';

const EXPECTED = {
  server: 'mcpkit',
  resources: ['notes://readme', 'notes://private'],
  templates: ['notes://day/{day}'],
  readme: [{ uri: 'notes://readme', mimeType: 'text/plain', text: 'Notes are kept by day.' }],
  day: [
    { uri: 'notes://day/2024-03-04', mimeType: 'text/markdown', text: '# Notes for 2024-03-04' },
  ],
  prompts: ['greeting', 'summary'],
  greeting: [{ role: 'user', content: { type: 'text', text: 'Say hello to Ada.' } }],
};

async function client(args: string[]): Promise<unknown> {
  const { stdout } = await run(PYTHON, [CLIENT, ...args], { timeout: 60_000 }).catch(
    (error: Error & { stderr?: string }) => {
      throw new Error(
        `the Python client failed (the SDK is installed with \`python3 -m pip install -r scripts/python-requirements.txt\`): ${error.message}\n${error.stderr ?? ''}`,
      );
    },
  );
  return JSON.parse(stdout);
}

describe('the MCP Python SDK client', () => {
  it('lists and reads resources and gets a prompt over stdio', async () => {
    const dir = tempDir();
    const r = await client([
      'stdio',
      process.execPath,
      CLI,
      'serve',
      '--log-level',
      'warn',
      '--data-dir',
      join(dir, 'data'),
      '--component',
      catalogGuest(dir),
    ]);
    assert.deepEqual(r, EXPECTED);
  });

  it('does the same over Streamable HTTP', async () => {
    const dir = tempDir();
    const server = await httpServer([
      '--data-dir',
      join(dir, 'data'),
      '--component',
      catalogGuest(dir),
    ]);
    try {
      assert.deepEqual(await client(['http', server.url]), EXPECTED);
    } finally {
      await server.stop();
    }
  });
});
