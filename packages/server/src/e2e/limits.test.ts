// Limits reach the client as tool errors that say which limit stopped the
// call: a grow beyond the memory limit is seen by the guest, CPU time and the
// CPU quota stop busy calls and not sleeping ones, and the server goes on.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Connected, call, ROOT, stdioClient, tempDir, text } from '../testing.js';
import { guestWithPolicy } from './guests.js';

const GUEST = join(ROOT, 'packages', 'sandbox', 'test', 'guests', 'limits-component.wasm');

/** The test component in a directory of its own, with this policy beside it. */
const withPolicy = (dir: string, name: string, policy: string) =>
  guestWithPolicy(dir, name, GUEST, policy);

describe('limits over MCP', () => {
  let conn: Connected;
  const dir = tempDir('mcpkit-limits-');
  before(async () => {
    conn = await stdioClient([
      '--data-dir',
      join(dir, 'data'),
      '--component',
      withPolicy(
        dir,
        'timed',
        'version: "1.0"\nresources:\n  limits: {memory: 16Mi, cpu_time: 100ms, execution_time: 1m}\n',
      ),
      '--component',
      withPolicy(
        dir,
        'quota',
        'version: "1.0"\nresources:\n  limits: {cpu: 1m, execution_time: 1m}\n',
      ),
    ]);
  });
  after(() => conn.close());

  it('a guest sees the memory limit and answers', async () => {
    const r = await call(conn, 'allocate-all');
    assert.notEqual(r.isError, true, text(r));
    const got = Number(text(r));
    assert.ok(got >= 14 && got < 16, text(r));
  });

  it('a busy call is stopped by its CPU time, a sleeping one is not', async () => {
    const busy = await call(conn, 'spin');
    assert.equal(busy.isError, true);
    assert.equal(
      text(busy),
      'the call used more than its 100 ms of CPU time (`resources.limits.cpu_time`) and was stopped',
    );
    const asleep = await call(conn, 'nap', { ms: 500 });
    assert.notEqual(asleep.isError, true, text(asleep));
  });

  it('a call that spends the CPU quota is stopped, saying so', async () => {
    const r = await call(conn, 'quota__spin');
    assert.equal(r.isError, true);
    assert.match(
      text(r),
      /^component `quota` used up its CPU quota of 1m \(`resources\.limits\.cpu`\) and the call was stopped; calls can start again in/,
    );
    // Other components are not held back by it.
    assert.notEqual((await call(conn, 'nap', { ms: 1 })).isError, true);
  });
});
