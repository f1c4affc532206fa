// A user's path through mcpkit, over stdio and over Streamable HTTP, with the
// real CLI and the SDK's Client: list tools, call one, get refused, grant,
// succeed, revoke, fail again, restart and keep the grant, stay under the ceiling.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type Connected,
  call,
  example,
  httpClient,
  httpServer,
  stdioClient,
  tempDir,
  text,
} from '../testing.js';

for (const transport of ['stdio', 'http'] as const) {
  describe(`end to end over ${transport}`, () => {
    const data = tempDir();
    const ws = tempDir('mcpkit-ws-');
    writeFileSync(join(ws, 'notes.txt'), 'the notes');
    const serverArgs = ['--data-dir', data, '--allow-dir', ws];
    let stopHttp: (() => Promise<unknown>) | undefined;
    let conn: Connected | undefined;

    async function start(extra: string[]): Promise<Connected> {
      if (transport === 'stdio') return stdioClient([...serverArgs, ...extra]);
      const s = await httpServer([...serverArgs, ...extra]);
      stopHttp = s.stop;
      return httpClient(s.url);
    }
    async function stop() {
      await conn?.close();
      await stopHttp?.();
      conn = undefined;
      stopHttp = undefined;
    }
    after(stop);

    const readNotes = () => call(conn!, 'read_file', { path: join(ws, 'notes.txt') });
    const grant = { component_id: 'fs-tool', details: { uri: `fs://${ws}/**`, access: ['read'] } };

    it('lists the component tools and the management tools', async () => {
      conn = await start(['--component', example('fs-tool'), '--component', example('calculator')]);
      const { tools } = await conn.client.listTools();
      const names = tools.map((t) => t.name);
      for (const n of [
        'list_files',
        'read_file',
        'search_files',
        'calculate',
        'add',
        'load-component',
        'grant-storage-permission',
        'reset-permission',
      ]) {
        assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      }
      const calc = tools.find((t) => t.name === 'calculate')!;
      assert.equal(calc.inputSchema.type, 'object');
      assert.ok(calc.description);
      // Clients that run non-destructive tools without asking must ask before these.
      for (const n of ['load-component', 'grant-storage-permission', 'grant-network-permission']) {
        const t = tools.find((x) => x.name === n)!;
        assert.equal(t.annotations?.destructiveHint, true, n);
        assert.equal(t.annotations?.readOnlyHint, false, n);
      }
      assert.equal(
        tools.find((t) => t.name === 'list-components')!.annotations?.readOnlyHint,
        true,
      );
      assert.doesNotMatch(
        tools.find((t) => t.name === 'read_file')!.description!,
        /Files it may/,
        'nothing granted yet',
      );
    });

    it('calls an allowed tool', async () => {
      const r = await call(conn!, 'calculate', { expression: '2 * (3 + 4)' });
      assert.notEqual(r.isError, true, text(r));
      assert.match(text(r), /14/);
      assert.equal((r.structuredContent as { result: number }).result, 14);
    });

    it('a file read the policy does not grant is an error naming the grant', async () => {
      const r = await readNotes();
      assert.equal(r.isError, true);
      assert.doesNotMatch(text(r), /the notes/);
      assert.match(text(r), /grant-storage-permission/);
      assert.ok(text(r).includes(`fs://${join(ws, 'notes.txt')}`), text(r));
    });

    it('grant-storage-permission makes it succeed', async () => {
      const g = await call(conn!, 'grant-storage-permission', grant);
      assert.notEqual(g.isError, true, text(g));
      const r = await readNotes();
      assert.notEqual(r.isError, true, text(r));
      assert.match(text(r), /the notes/);
      // The tools' descriptions now say where they may read.
      const { tools } = await conn!.client.listTools();
      const d = tools.find((t) => t.name === 'read_file')!.description!;
      assert.ok(d.includes(`Files it may read \`${ws}\``), d);
    });

    it('revoking makes it fail again', async () => {
      const v = await call(conn!, 'revoke-storage-permission', grant);
      assert.notEqual(v.isError, true, text(v));
      assert.equal((await readNotes()).isError, true);
    });

    it('a restart keeps the grants', async () => {
      await call(conn!, 'grant-storage-permission', grant);
      await stop();
      conn = await start([]);
      const r = await readNotes();
      assert.notEqual(r.isError, true, text(r));
      assert.match(text(r), /the notes/);
      const p = await call(conn, 'get-policy', { component_id: 'fs-tool' });
      assert.match(text(p), new RegExp(ws.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });

    it('a grant outside the ceiling is refused, and nothing changes', async () => {
      const r = await call(conn!, 'grant-storage-permission', {
        component_id: 'fs-tool',
        details: { uri: 'fs:///etc/**', access: ['read'] },
      });
      assert.equal(r.isError, true);
      assert.match(text(r), /beyond what the server allows/);
      const n = await call(conn!, 'grant-network-permission', {
        component_id: 'fs-tool',
        details: { host: 'evil.example' },
      });
      assert.equal(n.isError, true);
      const read = await call(conn!, 'read_file', { path: '/etc/hostname' });
      assert.equal(read.isError, true);
    });

    it('reset-permission removes every grant', async () => {
      await call(conn!, 'reset-permission', { component_id: 'fs-tool' });
      assert.equal((await readNotes()).isError, true);
    });
  });
}
