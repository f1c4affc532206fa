// Static bearer tokens: made once and shown once, kept as hashes, refused
// when unknown, revoked or expired, and picked up by a running verifier.

import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../testing.js';
import { createToken, listTokens, revokeToken, TokenVerifier } from './tokens.js';

const roles = new Set(['operator', 'dev']);

describe('static tokens', () => {
  it('are kept only as hashes in a file only the owner may read', async () => {
    const file = join(tempDir(), 'tokens.json');
    const { token, record } = await createToken(file, { role: 'dev', name: 'ci' });
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(token.split('.')[1]!), 'the secret is not in the file');
    assert.ok(text.includes(record.sha256));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(
      (await listTokens(file)).map((t) => [t.id, t.role, t.name]),
      [[record.id, 'dev', 'ci']],
    );
  });

  it('verify to their role, and not when changed, unknown, revoked or expired', async () => {
    const file = join(tempDir(), 'tokens.json');
    const a = await createToken(file, { role: 'dev' });
    const b = await createToken(file, { role: 'operator', expiresInMs: 60_000, now: 1_000_000 });
    const v = new TokenVerifier(file, roles);
    const ok = v.verify(a.token);
    assert.ok('role' in ok && ok.role === 'dev' && ok.id === `token:${a.record.id}`);
    const flipped = `${a.token.slice(0, -1)}${a.token.endsWith('A') ? 'B' : 'A'}`;
    assert.deepEqual(v.verify(flipped), {
      error: 'the token is not known (revoked, or never made)',
    });
    assert.match((v.verify('mcpk_nothex.x') as { error: string }).error, /well-formed/);
    assert.deepEqual(v.verify(b.token, 1_000_000 + 60_001), { error: 'the token has expired' });
    assert.ok('role' in v.verify(b.token, 1_000_000 + 59_000));
    assert.ok(await revokeToken(file, a.record.id));
    // The verifier looks at the file again at most once a second.
    assert.match((v.verify(a.token, Date.now() + 2000) as { error: string }).error, /not known/);
  });

  it('a file naming a role the server does not have is refused at start', async () => {
    const file = join(tempDir(), 'tokens.json');
    await createToken(file, { role: 'admin' });
    assert.throws(() => new TokenVerifier(file, roles), /names role `admin`/);
    writeFileSync(file, '{"tokens": 3}');
    assert.throws(() => new TokenVerifier(file, roles), /not a token file/);
  });
});
