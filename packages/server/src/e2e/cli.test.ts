// The `mcpkit` command as a user meets it: the command npx finds in a
// checkout, exit codes, `run` with a tool module, what a refusal under `run`
// suggests, `component inspect` into a closed pipe, and a strict stdio client
// on the command the README gives clients.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { example, ROOT, tempDir } from '../testing.js';

const BIN = join(ROOT, 'packages', 'server', 'bin', 'mcpkit.js');
const FSOPS = join(ROOT, 'packages', 'sandbox', 'test', 'guests', 'fsops-c.wasm');

function mcpkit(args: string[], input = '', env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, MCPKIT_DATA_DIR: tempDir('mcpkit-cli-data-'), ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the mcpkit command', () => {
  it('npx finds it in the checkout', () => {
    const r = spawnSync('npx', ['--no-install', 'mcpkit', '--help'], {
      cwd: join(ROOT, 'examples'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: mcpkit/);
  });

  it('exits 2 for bad usage, 0 for --help and --version', () => {
    assert.equal(mcpkit(['--no-such-option']).code, 2);
    assert.equal(mcpkit(['no-such-command']).code, 2);
    assert.equal(mcpkit(['run']).code, 2, 'a missing argument');
    assert.equal(mcpkit(['tool', 'call', 'x', '--args', '[1]']).code, 2);
    const explain = mcpkit(['policy', 'explain', join(ROOT, 'examples', 'echo', 'policy.yaml')]);
    assert.equal(explain.code, 2);
    assert.match(explain.stderr, /say what to explain/);
    assert.equal(mcpkit(['--help']).code, 0);
    const v = mcpkit(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  });

  it('exits 1 for a policy with errors, naming the line', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'version: "1.0"\nstorrage: {}\n');
    const r = mcpkit(['policy', 'validate', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.yaml:2:1/);
    assert.match(r.stderr, /storage/);
  });

  it('run --argv0 calls a tool module the way a server does', () => {
    const r = mcpkit(['run', '--argv0', 'echo', example('echo')], '{"text":"hello"}');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello');
    const without = mcpkit(['run', example('echo')], '{"text":"hello"}');
    assert.equal(without.code, 1);
    assert.match(without.stderr, /unknown tool/);
  });

  it('a refusal under run names the run options that would allow it, not a grant tool', () => {
    const r = mcpkit(
      ['run', '--argv0', 'read_file', example('fs-tool')],
      '{"path":"/etc/hostname"}',
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--allow-dir \/etc/);
    assert.match(r.stderr, /--policy/);
    assert.doesNotMatch(r.stderr, /grant-storage-permission/);
    assert.doesNotMatch(r.stderr, /component_id/);
  });

  it('run exits 124 when the module runs past its deadline', () => {
    const dir = tempDir();
    const policy = join(dir, 'p.yaml');
    writeFileSync(policy, 'version: "1.0"\nresources:\n  limits:\n    execution_time: "1s"\n');
    const r = mcpkit(['run', '--policy', policy, FSOPS, '--', 'spin']);
    assert.equal(r.code, 124, r.stderr);
    assert.match(r.stderr, /deadline|execution_time/);
  });

  it('component inspect into a pipe closed early ends quietly', async () => {
    const child = spawn(process.execPath, [BIN, 'component', 'inspect', example('fs-tool')], {
      env: { ...process.env, MCPKIT_DATA_DIR: tempDir('mcpkit-cli-data-') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // Like `| head -1`: read one chunk, then close the reading end.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.doesNotMatch(stderr, /EPIPE|Unhandled|at /);
    assert.equal(code, 0, stderr);
  });

  it('component inspect shows the tools of a sidecar manifest', () => {
    const r = mcpkit(['component', 'inspect', '--json', example('echo')]);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { tools: { name: string }[]; manifest: string };
    assert.deepEqual(
      info.tools.map((t) => t.name),
      ['echo'],
    );
    assert.match(info.manifest, /echo\.tools\.json$/);
  });

  it('tool call --component keeps nothing in the store', () => {
    const data = tempDir('mcpkit-cli-data-');
    const r = mcpkit(
      ['tool', 'call', 'add', '--component', example('calculator'), '--args', '{"a":2,"b":3}'],
      '',
      { MCPKIT_DATA_DIR: data },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '5');
    const list = mcpkit(['component', 'list', '--json'], '', { MCPKIT_DATA_DIR: data });
    assert.deepEqual((JSON.parse(list.stdout) as { components: unknown[] }).components, []);
  });
});

describe("the README's stdio command for clients", () => {
  it('keeps stdout pure JSON-RPC, line by line, as strict clients require', async () => {
    // What the README tells a client to run, from another directory.
    const child = spawn('npx', ['--prefix', ROOT, 'mcpkit', 'serve', '--examples'], {
      cwd: tempDir(),
      env: { ...process.env, MCPKIT_DATA_DIR: tempDir('mcpkit-cli-data-') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });
    const notJsonRpc: string[] = [];
    const waiting = new Map<number, (m: { result?: unknown }) => void>();
    lines.on('line', (line) => {
      // A strict client: anything that is not a JSON-RPC message is fatal.
      let m: { jsonrpc?: string; id?: number; result?: unknown };
      try {
        m = JSON.parse(line);
      } catch {
        notJsonRpc.push(line);
        return;
      }
      if (m.jsonrpc !== '2.0') notJsonRpc.push(line);
      if (m.id !== undefined) waiting.get(m.id)?.(m);
    });
    const request = (id: number, method: string, params: object = {}) =>
      new Promise<{ result?: unknown }>((resolve) => {
        waiting.set(id, resolve);
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      });
    try {
      const init = await request(1, 'initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'strict', version: '1' },
      });
      assert.equal((init.result as { serverInfo: { name: string } }).serverInfo.name, 'mcpkit');
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`,
      );
      const list = await request(2, 'tools/list');
      const names = (list.result as { tools: { name: string }[] }).tools.map((t) => t.name);
      assert.ok(names.includes('read_file'), names.join(', '));
      assert.deepEqual(notJsonRpc, []);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  });
});
