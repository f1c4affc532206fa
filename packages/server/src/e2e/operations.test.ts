// An operator's tools against a running server: TLS, the emergency stop,
// quarantine, approval of policy files changed behind the server's back, an
// audit log that cannot be written (calls refused, not unaudited), and a
// kill -9 in the middle of a burst of grants.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { verifyAuditLog } from '../audit/index.js';
import {
  CLI,
  call,
  EXAMPLES,
  example,
  httpClient,
  httpServer,
  stdioClient,
  tempDir,
  text,
} from '../testing.js';
import { makeTlsCertificates } from '../testing-auth.js';

const mcpkit = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('TLS', () => {
  it('serves HTTPS that the SDK client reaches with the CA, and nothing in plain HTTP', async () => {
    const dir = tempDir();
    const { ca, cert, key } = await makeTlsCertificates();
    writeFileSync(join(dir, 'cert.pem'), cert);
    writeFileSync(join(dir, 'key.pem'), key);
    const s = await httpServer([
      '--data-dir',
      join(dir, 'data'),
      '--tls-cert',
      join(dir, 'cert.pem'),
      '--tls-key',
      join(dir, 'key.pem'),
      '--tls-min-version',
      'TLSv1.3',
      '--component',
      example('calculator'),
    ]);
    try {
      assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const agent = new Agent({ connect: { ca } });
      const client = new Client({ name: 'tls', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(s.url), {
          fetch: (url, init) =>
            undiciFetch(url as string, { ...(init as object), dispatcher: agent }) as never,
        }),
      );
      const r = (await client.callTool({
        name: 'add',
        arguments: { a: 1, b: 2 },
      })) as CallToolResult;
      assert.equal(text(r), '3');
      await client.close();

      await assert.rejects(fetch(s.url.replace('https:', 'http:'), { method: 'POST' }));
      // Without the CA the certificate is not trusted.
      await assert.rejects(fetch(s.url, { method: 'POST' }), /fetch failed/);
      // TLS 1.2 is below the minimum asked for.
      const port = Number(new URL(s.url).port);
      await assert.rejects(
        new Promise((resolve, reject) => {
          const sock = connect({ host: '127.0.0.1', port, ca, maxVersion: 'TLSv1.2' }, () =>
            resolve(sock.getProtocol()),
          );
          sock.on('error', reject);
        }),
      );
    } finally {
      await s.stop();
    }
  });
});

describe('the emergency stop', () => {
  let hang: Server;
  const pending: Array<() => void> = [];
  after(() => {
    for (const end of pending) end();
    hang?.close();
  });

  it('ends a running call at once, refuses new ones, and lifts', async () => {
    let arrived: () => void = () => {};
    const reached = new Promise<void>((r) => {
      arrived = r;
    });
    // A server that answers only when the test ends: the guest's call waits on it.
    hang = createServer((_req, res) => {
      arrived();
      pending.push(() => res.end('too late'));
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as AddressInfo).port;
    const dir = tempDir();
    const data = join(dir, 'data');
    cpSync(join(EXAMPLES, 'components', 'fetch-js', 'fetch-js.wasm'), join(dir, 'fetch-js.wasm'));
    writeFileSync(
      join(dir, 'fetch-js.policy.yaml'),
      'version: "1.0"\nnetwork:\n  allow:\n    - cidr: "127.0.0.1/32"\n',
    );
    const conn = await stdioClient([
      '--data-dir',
      data,
      '--component',
      join(dir, 'fetch-js.wasm'),
      '--component',
      example('calculator'),
    ]);
    try {
      const running = call(conn, 'fetch', { url: `http://127.0.0.1:${port}/slow` });
      await reached;
      const stop = mcpkit(['emergency', 'stop', '--data-dir', data, '--reason', 'drill']);
      assert.equal(stop.status, 0, stop.stderr);
      const ended = await running;
      assert.equal(ended.isError, true);
      assert.match(text(ended), /emergency stop|refused/);
      const refused = await call(conn, 'add', { a: 1, b: 1 });
      assert.equal(refused.isError, true);
      assert.match(text(refused), /an emergency stop is in force .*drill/);
      assert.equal(mcpkit(['emergency', 'status', '--data-dir', data]).status, 1);
      const lift = await call(conn, 'lift-emergency-stop', {});
      assert.notEqual(lift.isError, true, text(lift));
      assert.equal(text(await call(conn, 'add', { a: 1, b: 1 })), '2');
      assert.equal(mcpkit(['emergency', 'status', '--data-dir', data]).status, 0);
    } finally {
      await conn.close();
    }
  });
});

describe('quarantine', () => {
  it('hides and refuses a component, survives a restart, and is lifted from the CLI while serving', async () => {
    const data = tempDir();
    let conn = await stdioClient(['--data-dir', data, '--component', example('calculator')]);
    try {
      const q = await call(conn, 'quarantine-component', {
        component_id: 'calculator',
        reason: 'odd behaviour',
      });
      assert.notEqual(q.isError, true, text(q));
      const names = (await conn.client.listTools()).tools.map((t) => t.name);
      assert.ok(!names.includes('add'), 'its tools are not listed');
      const r = await call(conn, 'add', { a: 1, b: 2 });
      assert.equal(r.isError, true);
      assert.match(text(r), /quarantined .*odd behaviour/);
      const list = await call(conn, 'list-components', {});
      assert.match(text(list), /"quarantined"[\s\S]*odd behaviour/);
      await conn.close();
      // Kept across a restart (no --component: the stored one).
      conn = await stdioClient(['--data-dir', data]);
      assert.equal((await call(conn, 'add', { a: 1, b: 2 })).isError, true);
      const release = mcpkit(['component', 'release', 'calculator', '--data-dir', data]);
      assert.equal(release.status, 0, release.stderr);
      let result: CallToolResult | undefined;
      for (let i = 0; i < 100; i++) {
        result = await call(conn, 'add', { a: 1, b: 2 });
        if (!result.isError) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(text(result!), '3', 'the running server took up the release');
    } finally {
      await conn.close();
    }
  });
});

describe('policy files changed behind the server', () => {
  it('are refused until approved again', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const policy = join(dir, 'server.yaml');
    const role = join(dir, 'dev.yaml');
    writeFileSync(role, 'version: "1.0"\nmcp:\n  tools:\n    allow:\n      - name: "add"\n');
    writeFileSync(
      policy,
      `version: "1.0"\naccess:\n  roles:\n    dev: ./dev.yaml\n  stdio_role: dev\n`,
    );
    const start = () =>
      stdioClient(['--data-dir', data, '--policy', policy, '--component', example('calculator')]);
    const first = await start();
    assert.equal(text(await call(first, 'add', { a: 1, b: 1 })), '2');
    // The stdio role is `dev`: it sees `add` and nothing else.
    assert.deepEqual(
      (await first.client.listTools()).tools.map((t) => t.name),
      ['add'],
    );
    await first.close();

    writeFileSync(
      role,
      'version: "1.0"\nmcp:\n  tools:\n    allow:\n      - name: "*"\nrole:\n  manage: ["*"]\n',
    );
    const refused = spawnSync(
      process.execPath,
      [CLI, 'serve', '--data-dir', data, '--policy', policy],
      { encoding: 'utf8', input: '', timeout: 30_000 },
    );
    assert.equal(refused.status, 1);
    assert.ok(refused.stderr.includes(`\`${role}\` changed since it was approved`), refused.stderr);
    assert.match(refused.stderr, /mcpkit policy approve/);

    const approve = mcpkit(['policy', 'approve', policy, '--data-dir', data]);
    assert.equal(approve.status, 0, approve.stderr);
    assert.ok(approve.stdout.includes(role));
    const again = await start();
    assert.ok((await again.client.listTools()).tools.some((t) => t.name === 'load-component'));
    await again.close();
  });
});

describe('the audit log when it cannot be written', () => {
  it('stops the server from starting on a full disk', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'server.yaml'),
      'version: "1.0"\naccess:\n  audit:\n    file: /dev/full\n',
    );
    const r = spawnSync(
      process.execPath,
      [CLI, 'serve', '--data-dir', join(dir, 'data'), '--policy', join(dir, 'server.yaml')],
      { encoding: 'utf8', input: '', timeout: 30_000 },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ENOSPC|no space/i);
  });

  it('refuses calls once a write fails, and says so', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    writeFileSync(
      join(dir, 'server.yaml'),
      `version: "1.0"\naccess:\n  audit:\n    file: ${join(dir, 'audit.log')}\n    max_size: 100Mi\n`,
    );
    // The server may write files up to 128 KiB (512-byte blocks); the audit log outgrows that.
    const child = spawn(
      'sh',
      [
        '-c',
        `trap '' XFSZ; ulimit -f 256; exec "${process.execPath}" "${CLI}" serve --http 127.0.0.1:0 --log-level warn --data-dir "${data}" --policy "${join(dir, 'server.yaml')}" --component "${example('calculator')}"`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /serving MCP at (\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const conn = await httpClient(url);
    try {
      let refusal: CallToolResult | undefined;
      for (let i = 0; i < 2000 && !refusal; i++) {
        const r = await call(conn, 'calculate', { expression: `1+${i}` });
        if (r.isError && /audit log/.test(text(r))) refusal = r;
      }
      assert.ok(refusal, 'a call was refused for the audit log');
      const next = await call(conn, 'add', { a: 1, b: 1 });
      assert.equal(next.isError, true);
      assert.match(text(next), /audit log cannot be written, so the server refuses every call/);
      const report = verifyAuditLog([join(dir, 'audit.log')]);
      assert.deepEqual(report.problems, [], 'what was written still verifies');
    } finally {
      await conn.close();
      child.kill('SIGTERM');
    }
  });
});

describe('a kill -9 during a burst of grants', () => {
  it('leaves an audit log that verifies and a store that loads', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const ws = tempDir('mcpkit-ws-');
    const audit = join(dir, 'audit.log');
    writeFileSync(
      join(dir, 'server.yaml'),
      `version: "1.0"\naccess:\n  audit:\n    file: ${audit}\n`,
    );
    const args = ['--data-dir', data, '--policy', join(dir, 'server.yaml'), '--allow-dir', ws];
    const s = await httpServer([...args, '--component', example('fs-tool')]);
    const clients = await Promise.all([1, 2, 3].map(() => httpClient(s.url)));
    let stop = false;
    const done = [0, 0, 0];
    const burst = clients.map(async (c, n) => {
      for (let i = 0; !stop; i++) {
        const uri = `fs://${ws}/d${n}-${i}`;
        await c.client
          .callTool(
            {
              name: 'grant-storage-permission',
              arguments: { component_id: 'fs-tool', details: { uri, access: ['read'] } },
            },
            undefined,
            { timeout: 3000 },
          )
          .then(() => done[n]!++)
          .catch(() => {});
      }
    });
    // Kill it in the middle of the burst, once every client has made a few grants.
    while (Math.min(...done) < 3) await new Promise((r) => setTimeout(r, 20));
    s.child.kill('SIGKILL');
    stop = true;
    await Promise.all(burst);
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await s.stop();

    const report = verifyAuditLog([audit]);
    assert.deepEqual(report.problems, []);
    assert.ok(report.records >= 9, `${report.records} records`);
    const again = await stdioClient(args);
    try {
      const p = await call(again, 'get-policy', { component_id: 'fs-tool' });
      assert.notEqual(p.isError, true, text(p));
      // Concurrent grants each took effect: none lost another's.
      for (const n of [0, 1, 2]) assert.match(text(p), new RegExp(`d${n}-0`));
      assert.equal(again.stderr().includes('skipped a stored component'), false, again.stderr());
    } finally {
      await again.close();
    }
  });
});
