// Secrets for guests, through the real CLI and the SDK's Client: a secret set
// with `mcpkit secret set` reaches the component whose policy allows its key,
// and nowhere else: not another component, not a key its policy does not
// allow, not the server's log (at debug level), not the output of any
// management tool, not an error message. Kept in a 0600 file, or in the OS
// keyring (GNOME Keyring over D-Bus, through secret-tool).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLI, type Connected, call, stdioClient, tempDir, text } from '../testing.js';
import { askGuest, COMPONENT_CACHE as CACHE } from './guests.js';

const run = promisify(execFile);

const secretValue = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

async function cli(args: string[], input?: string) {
  const child = run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' } });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return child;
}

const POLICY = 'version: "1.0"\nenvironment:\n  allow:\n    - key: API_TOKEN\n';

const envOf = async (c: Connected, name: string, key: string) => {
  const r = (await c.client.callTool({ name, arguments: { key } })) as CallToolResult;
  assert.equal(r.isError, undefined, text(r));
  return (r.structuredContent as { result: string | null }).result;
};

describe('secrets in files', () => {
  let conn: Connected;
  let data: string;
  const token = secretValue('token');
  const hidden = secretValue('hidden');
  const later = secretValue('later');
  const outputs: string[] = [];

  before(async () => {
    const dir = tempDir();
    data = join(dir, 'data');
    await cli(['secret', 'set', '--data-dir', data, 'ask-js', `API_TOKEN=${token}`]);
    // The value from stdin, as a user keeps it out of the shell's history.
    await cli(['secret', 'set', '--data-dir', data, 'ask-js', 'HIDDEN_TOKEN'], `${hidden}\n`);
    conn = await stdioClient(
      [
        '--data-dir',
        data,
        '--log-level',
        'debug',
        '--component',
        askGuest(join(dir, 'a'), POLICY),
        '--allow-dir',
        dir,
      ],
      // The server's own environment has the key too: a secret wins over it.
      { MCPKIT_CACHE_DIR: CACHE, API_TOKEN: 'from-the-environment' },
    );
    // A second component with the same policy, under another id.
    const other = askGuest(join(dir, 'b'), POLICY).replace(/ask-js\.wasm$/, 'other.wasm');
    await run('cp', [join(dir, 'b', 'ask-js', 'ask-js.wasm'), other]);
    const loaded = await call(conn, 'load-component', { path: other });
    assert.equal(loaded.isError, undefined, text(loaded));
  });
  after(() => conn.close());

  it('keeps them in a file only its owner may read, written whole', () => {
    const file = join(data, 'secrets', 'ask-js.yaml');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(data, 'secrets')).mode & 0o777, 0o700);
    assert.match(readFileSync(file, 'utf8'), /^API_TOKEN: /m);
  });

  it('hands a secret to the component whose policy allows its key, over the environment', async () => {
    assert.equal(await envOf(conn, 'get-env', 'API_TOKEN'), token);
  });

  it('hands nothing its policy does not allow, and nothing to another component', async () => {
    assert.equal(await envOf(conn, 'get-env', 'HIDDEN_TOKEN'), null);
    // `other` gets the server's environment, not ask-js's secret.
    assert.equal(await envOf(conn, 'other__get-env', 'API_TOKEN'), 'from-the-environment');
  });

  it('lists keys, and whether the component sees each, never values', async () => {
    const r = await call(conn, 'list-secrets', { component_id: 'ask-js' });
    outputs.push(JSON.stringify(r));
    assert.deepEqual(r.structuredContent, {
      component_id: 'ask-js',
      store: 'file',
      secrets: [
        { key: 'API_TOKEN', visible_to_component: true },
        { key: 'HIDDEN_TOKEN', visible_to_component: false },
      ],
      total: 2,
    });
  });

  it('sets and deletes through the management tools; the next call sees the change', async () => {
    const set = await call(conn, 'set-secret', {
      component_id: 'ask-js',
      key: 'API_TOKEN',
      value: later,
    });
    outputs.push(JSON.stringify(set));
    assert.equal(set.isError, undefined, text(set));
    assert.equal(await envOf(conn, 'get-env', 'API_TOKEN'), later);
    const unseen = await call(conn, 'set-secret', {
      component_id: 'ask-js',
      key: 'EXTRA',
      value: later,
    });
    outputs.push(JSON.stringify(unseen));
    assert.match(text(unseen), /its policy does not allow the environment variable EXTRA/);
    const del = await call(conn, 'delete-secret', { component_id: 'ask-js', key: 'EXTRA' });
    outputs.push(JSON.stringify(del));
    assert.equal(del.isError, undefined, text(del));
    const again = await call(conn, 'delete-secret', { component_id: 'ask-js', key: 'EXTRA' });
    outputs.push(JSON.stringify(again));
    assert.match(text(again), /has no secret `EXTRA`/);
  });

  it('says what is wrong with a secret without repeating its value', async () => {
    for (const [key, value] of [
      ['9LIVES', later],
      ['OK_KEY', `${later}\0tail`],
    ] as const) {
      const r = await call(conn, 'set-secret', { component_id: 'ask-js', key, value });
      outputs.push(JSON.stringify(r));
      assert.equal(r.isError, true);
    }
    const bad = await call(conn, 'set-secret', { component_id: '../x', key: 'K', value: later });
    outputs.push(JSON.stringify(bad));
    assert.match(text(bad), /is not a component id/);
  });

  it('applies `mcpkit secret set` to a running server without a restart', async () => {
    await cli(['secret', 'set', '--data-dir', data, 'ask-js', `API_TOKEN=${token}`]);
    let seen: string | null = null;
    for (let i = 0; i < 50 && seen !== token; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await envOf(conn, 'get-env', 'API_TOKEN');
    }
    assert.equal(seen, token);
  });

  it('shows no value in any management tool output, nor in the log', async () => {
    const { tools } = await conn.client.listTools();
    const management = tools.filter((t) => !t.name.includes('get-env') && !t.name.includes('ask-'));
    for (const t of management) {
      if (['unload-component', 'load-component', 'set-secret', 'delete-secret'].includes(t.name))
        continue;
      for (const id of ['ask-js', 'other']) {
        const args =
          t.name === 'list-components'
            ? {}
            : t.name.includes('storage')
              ? { component_id: id, details: { uri: 'fs:///tmp/x', access: ['read'] } }
              : t.name.includes('network')
                ? { component_id: id, details: { host: 'example.com' } }
                : t.name.includes('environment')
                  ? { component_id: id, details: { key: 'API_TOKEN' } }
                  : { component_id: id };
        outputs.push(JSON.stringify(await call(conn, t.name, args)));
      }
    }
    assert.ok(outputs.length > 20, `${outputs.length} outputs`);
    // The component's own calls show it, and nothing else does.
    assert.equal(await envOf(conn, 'get-env', 'API_TOKEN'), token);
    const log = conn.stderr();
    // Everything the server logs at debug level and above, including the change it noticed.
    assert.match(log, /its secrets changed; made anew/);
    for (const v of [token, hidden, later]) {
      for (const o of outputs) assert.ok(!o.includes(v), `a management tool showed a secret: ${o}`);
      assert.ok(!log.includes(v), 'the log holds a secret');
    }
    assert.equal(
      (await cli(['secret', 'list', '--data-dir', data, 'ask-js'])).stdout,
      'API_TOKEN\nHIDDEN_TOKEN\n',
    );
  });
});

describe('secrets in the OS keyring', () => {
  let client: Client;
  let stderr = '';
  const token = secretValue('keyring');

  before(async () => {
    const home = tempDir();
    const data = join(home, 'data');
    // A session bus with an unlocked GNOME Keyring, as a desktop session has.
    const session = [
      'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1',
      `printf '%s' "$TOKEN" | "$NODE" "$CLI" secret set --secret-store keyring --data-dir "$DATA" ask-js API_TOKEN`,
      'exec "$NODE" "$CLI" serve --secret-store keyring --log-level debug --data-dir "$DATA" --component "$WASM"',
    ].join(' && ');
    const transport = new StdioClientTransport({
      command: 'dbus-run-session',
      args: ['--', 'sh', '-c', session],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        XDG_DATA_HOME: join(home, 'xdg'),
        NODE: process.execPath,
        CLI,
        DATA: data,
        TOKEN: token,
        WASM: askGuest(home, POLICY),
        MCPKIT_CACHE_DIR: CACHE,
      },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    client = new Client({ name: 'mcpkit-test', version: '1.0.0' });
    await client.connect(transport);
  });
  after(() => client.close());

  it('hands the secret from the keyring to the component, and keeps it out of the files and log', async () => {
    const r = (await client.callTool({
      name: 'get-env',
      arguments: { key: 'API_TOKEN' },
    })) as CallToolResult;
    assert.deepEqual(r.structuredContent, { result: token }, stderr);
    const listed = (await client.callTool({
      name: 'list-secrets',
      arguments: { component_id: 'ask-js' },
    })) as CallToolResult;
    assert.deepEqual((listed.structuredContent as { store: string }).store, 'keyring');
    assert.ok(!JSON.stringify(listed).includes(token));
    assert.ok(!stderr.includes(token), 'the log holds the secret');
  });
});
