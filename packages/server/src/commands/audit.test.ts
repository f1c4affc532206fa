// `mcpkit audit verify` and `audit key create` as a user runs them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AuditLog } from '../audit/audit-log.js';
import { readAuditKey } from '../audit/key.js';
import { CLI, tempDir } from '../testing.js';

function mcpkit(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function keyedLog(dir: string): Promise<{ file: string; keyFile: string }> {
  const keyFile = join(dir, 'audit.key');
  assert.equal(mcpkit(['audit', 'key', 'create', keyFile]).code, 0);
  const file = join(dir, 'audit.log');
  const log = AuditLog.open({ file, key: await readAuditKey(keyFile) });
  for (let i = 0; i < 5; i++)
    log.append({
      client: { id: 'alice', role: 'dev', via: 'token' },
      action: 'tool-call',
      target: `t${i}`,
      decision: 'allowed',
    });
  log.close();
  return { file, keyFile };
}

describe('mcpkit audit', () => {
  it('key create writes a 0600 key once and will not replace it', () => {
    const dir = tempDir();
    const keyFile = join(dir, 'k');
    const r = mcpkit(['audit', 'key', 'create', keyFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.match(readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);
    const again = mcpkit(['audit', 'key', 'create', keyFile]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /exists; a new key would leave the logs signed with it unverifiable/,
    );
  });

  it('verify exits 0 for a good log and prints a summary', async () => {
    const { file, keyFile } = await keyedLog(tempDir());
    const r = mcpkit(['audit', 'verify', file, '--key-file', keyFile]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, 'ok: 7 records in 1 file\n');
    const unkeyed = mcpkit(['audit', 'verify', file]);
    assert.equal(unkeyed.code, 0);
    assert.match(unkeyed.stdout, /audit\.log:1: unkeyed: records carry HMACs/);
  });

  it('verify prints each problem as file:line: kind: message and exits 1', async () => {
    const { file, keyFile } = await keyedLog(tempDir());
    const ls = readFileSync(file, 'utf8').split('\n');
    ls[2] = ls[2]!.replace('"t1"', '"t9"');
    ls.splice(4, 1);
    writeFileSync(file, ls.join('\n'));
    const r = mcpkit(['audit', 'verify', file, '--key-file', keyFile]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      `${file}:3: changed: changed after it was written: its text no longer matches its hash\n` +
        `${file}:5: removed: 1 record is missing before this line (seq 5)\n` +
        'failed: 2 problems in 6 records in 1 file\n',
    );
    const j = mcpkit(['audit', 'verify', file, '--key-file', keyFile, '--json']);
    assert.equal(j.code, 1);
    const report = JSON.parse(j.stdout) as {
      ok: boolean;
      problems: { line: number; kind: string }[];
    };
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.problems.map((p) => [p.line, p.kind]),
      [
        [3, 'changed'],
        [5, 'removed'],
      ],
    );
  });

  it('verify refuses a key file others can read', async () => {
    const { file, keyFile } = await keyedLog(tempDir());
    chmodSync(keyFile, 0o644);
    const r = mcpkit(['audit', 'verify', file, '--key-file', keyFile]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /can be read by others \(mode 644\); run `chmod 600/);
  });
});
