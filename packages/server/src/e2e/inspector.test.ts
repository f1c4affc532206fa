// The MCP Inspector's command-line mode, a client mcpkit did not write,
// lists and calls tools (an Extism plugin's too), lists and reads resources
// and gets a prompt over stdio.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, example, ROOT, tempDir } from '../testing.js';
import { catalogGuest } from './guests.js';

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
      '--component',
      catalogGuest(data),
      '--component',
      join(ROOT, 'packages', 'sandbox', 'test', 'guests', 'extism-hello.wasm'),
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

  it("calls an Extism plugin's tool", async () => {
    const r = (await inspector([
      '--method',
      'tools/call',
      '--tool-name',
      'greet',
      '--tool-arg',
      'name=Inspector',
    ])) as { content: Array<{ text: string }>; isError: boolean };
    assert.equal(r.isError, false);
    assert.equal(r.content[0]!.text, 'Hello, Inspector!');
  });

  it('lists and reads resources', async () => {
    const list = (await inspector(['--method', 'resources/list'])) as {
      resources: Array<{ uri: string }>;
    };
    assert.deepEqual(
      list.resources.map((r) => r.uri),
      ['notes://readme', 'notes://private'],
    );
    const read = (await inspector(['--method', 'resources/read', '--uri', 'notes://readme'])) as {
      contents: Array<{ uri: string; text: string; mimeType: string }>;
    };
    assert.deepEqual(read.contents, [
      { uri: 'notes://readme', mimeType: 'text/plain', text: 'Notes are kept by day.' },
    ]);
  });

  it('gets a prompt with arguments', async () => {
    const r = (await inspector([
      '--method',
      'prompts/get',
      '--prompt-name',
      'greeting',
      '--prompt-args',
      'name=Grace',
    ])) as { messages: Array<{ role: string; content: { type: string; text: string } }> };
    assert.deepEqual(r.messages, [
      { role: 'user', content: { type: 'text', text: 'Say hello to Grace.' } },
    ]);
  });
});
