// The three toolchains' guests do their ordinary work under the sandbox, in
// both isolation modes.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WorkerPool } from './pool.js';
import { guest, run, sandboxFor, storagePolicy, tempDir } from './testing.js';

const pool = new WorkerPool({ size: 2 });
after(() => pool.close());

for (const isolation of ['inline', 'worker'] as const) {
  for (const name of ['fsops-c', 'fsops-go', 'fsops-as'] as const) {
    describe(`${name} (${isolation})`, () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'in.txt'), 'from the host');
      const pol = storagePolicy(
        [[`${dir}/**`, ['read', 'write']]],
        'environment:\n  allow:\n    - key: "API_KEY"\n',
      );
      const box = sandboxFor(guest(name), pol, {
        isolation,
        pool,
        env: { API_KEY: 'k-123', HOME: '/root' },
      });

      it('prints, exits with codes, sees its arguments', async () => {
        const sb = await box;
        assert.equal((await run(sb, ['echo', 'hello', 'world'])).out, 'hello world\n');
        assert.equal((await run(sb, ['exit', '42'])).code, 42);
        assert.equal((await run(sb, ['args'])).out, 'fsops\nargs\n');
      });

      it('reads and writes files it is granted', async () => {
        const sb = await box;
        assert.equal((await run(sb, ['cat', join(dir, 'in.txt')])).out, 'from the host');
        assert.equal(
          (await run(sb, ['write', join(dir, `out-${isolation}.txt`), 'from the guest'])).code,
          0,
        );
        assert.equal(readFileSync(join(dir, `out-${isolation}.txt`), 'utf8'), 'from the guest');
      });

      it('sees only the environment its policy allows', async () => {
        const sb = await box;
        assert.equal((await run(sb, ['env', 'API_KEY'])).out.trim(), 'k-123');
        const home = await run(sb, ['env', 'HOME']);
        assert.notEqual(home.code, 0);
        assert.doesNotMatch(home.out, /root/);
      });
    });
  }
}
