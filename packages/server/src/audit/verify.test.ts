// A real log, tampered with in each way `audit verify` must find, each
// reported with its file and line; and the marks a crash leaves, which verify.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../testing.js';
import { AuditLog } from './audit-log.js';
import { sealLine } from './chain.js';
import { verifyAuditLog } from './verify.js';

const KEY = randomBytes(32);

/** A closed log of 20 records: start, 18 grants, stop. */
function makeLog(key?: Uint8Array, close = true): string {
  const file = join(tempDir(), 'audit.log');
  const log = AuditLog.open({ file, ...(key ? { key } : {}) });
  for (let i = 0; i < 18; i++)
    log.append({
      client: { id: `client-${i}`, role: 'admin', via: 'oauth' },
      action: 'grant',
      target: 'fs-tool',
      decision: 'allowed',
      details: { uri: `fs:///data/${i}` },
    });
  if (close) log.close();
  return file;
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);
const put = (file: string, ls: string[]) => writeFileSync(file, `${ls.join('\n')}\n`);
const found = (r: ReturnType<typeof verifyAuditLog>) => r.problems.map((p) => [p.line, p.kind]);

describe('verifyAuditLog', () => {
  it('passes an untouched log, keyed or not, without notes', () => {
    for (const key of [undefined, KEY]) {
      const r = verifyAuditLog([makeLog(key)], key ? { key } : {});
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.equal(r.records, 20);
      assert.deepEqual(r.notes, []);
    }
  });

  it('finds a changed line', () => {
    const file = makeLog();
    const ls = lines(file);
    ls[4] = ls[4]!.replace('"client-3"', '"mallory"');
    put(file, ls);
    const r = verifyAuditLog([file]);
    assert.equal(r.ok, false);
    assert.deepEqual(found(r), [[5, 'changed']]);
    assert.equal(r.problems[0]!.file, file);
  });

  it('finds a changed line whose hash was recomputed: by the chain, and by its HMAC', () => {
    for (const key of [undefined, KEY]) {
      const file = makeLog(key);
      const ls = lines(file);
      const r5 = JSON.parse(ls[4]!) as Record<string, unknown>;
      const { prev, hash: _h, hmac: _m, ...fields } = r5;
      ls[4] = sealLine(
        { ...fields, client: { id: 'mallory', role: 'admin', via: 'oauth' } },
        prev as string,
      ).line;
      put(file, ls);
      const r = verifyAuditLog([file], key ? { key } : {});
      assert.deepEqual(
        found(r),
        key
          ? [
              [5, 'hmac'],
              [6, 'chain'],
            ]
          : [[6, 'chain']],
        JSON.stringify(r.problems),
      );
    }
  });

  it('finds a removed line', () => {
    const file = makeLog();
    const ls = lines(file);
    ls.splice(6, 1);
    put(file, ls);
    const r = verifyAuditLog([file]);
    assert.deepEqual(found(r), [[7, 'removed']]);
    assert.match(r.problems[0]!.message, /1 record is missing before this line \(seq 7\)/);
  });

  it('finds two swapped lines', () => {
    const file = makeLog();
    const ls = lines(file);
    [ls[8], ls[9]] = [ls[9]!, ls[8]!];
    put(file, ls);
    const r = verifyAuditLog([file]);
    assert.deepEqual(found(r), [[9, 'reordered']]);
    assert.match(
      r.problems[0]!.message,
      /this line and line 10 are swapped \(seq 10 before seq 9\)/,
    );
  });

  it('finds a line moved far from its place', () => {
    const file = makeLog();
    const ls = lines(file);
    const [moved] = ls.splice(2, 1);
    ls.splice(15, 0, moved!);
    put(file, ls);
    assert.deepEqual(found(verifyAuditLog([file])), [
      [3, 'removed'],
      [16, 'reordered'],
    ]);
  });

  it('finds a cut tail, at a line boundary or inside a line', () => {
    const file = makeLog();
    put(file, lines(file).slice(0, 17));
    const r = verifyAuditLog([file]);
    assert.deepEqual(found(r), [[18, 'truncated']]);
    assert.match(
      r.problems[0]!.message,
      /ends at seq 17, but its head file records seq 20: 3 records were cut/,
    );
    const mid = makeLog();
    truncateSync(mid, readFileSync(mid).length - 40);
    assert.deepEqual(found(verifyAuditLog([mid])), [[20, 'truncated']]);
  });

  it('finds a cut tail even when the head file was removed too', () => {
    const file = makeLog();
    put(file, lines(file).slice(0, 17));
    rmSync(`${file}.head`);
    assert.deepEqual(found(verifyAuditLog([file])), [[0, 'head']]);
    // Reopened by the server afterwards, the log keeps the evidence.
    const again = makeLog();
    put(again, lines(again).slice(0, 17));
    AuditLog.open({ file: again }).close();
    const r = verifyAuditLog([again]);
    assert.deepEqual(found(r), [[18, 'truncated']]);
    assert.match(r.problems[0]!.message, /seq 18–20, which its head file had recorded, were gone/);
  });

  it('finds a line that is not JSON without also calling it a removal', () => {
    const file = makeLog();
    const ls = lines(file);
    ls[2] = 'rm -rf /var/log/mcpkit';
    put(file, ls);
    const r = verifyAuditLog([file]);
    assert.deepEqual(found(r), [[3, 'not-json']]);
  });

  it('finds a wrong HMAC, a missing one, and a key that was not given', () => {
    const file = makeLog(KEY);
    const ls = lines(file);
    ls[3] = ls[3]!.replace(/"hmac":"[0-9a-f]{64}"/, `"hmac":"${'ab'.repeat(32)}"`);
    ls[5] = ls[5]!.replace(/,"hmac":"[0-9a-f]{64}"/, '');
    put(file, ls);
    assert.deepEqual(found(verifyAuditLog([file], { key: KEY })), [
      [4, 'hmac'],
      [6, 'hmac'],
    ]);
    const unkeyed = verifyAuditLog([makeLog(KEY)]);
    assert.equal(unkeyed.ok, true);
    assert.deepEqual(
      unkeyed.notes.map((n) => n.kind),
      ['unkeyed'],
    );
  });

  it('reports a log that was not closed as an unclean end, which still verifies', () => {
    const file = makeLog(undefined, false);
    const r = verifyAuditLog([file]);
    assert.equal(r.ok, true);
    assert.deepEqual(
      r.notes.map((n) => [n.line, n.kind]),
      [[19, 'unclean-end']],
    );
  });

  it('follows the chain across rotated files and finds lines removed from the start of one', () => {
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    const log = AuditLog.open({ file, maxBytes: 4096 });
    for (let i = 0; i < 60; i++)
      log.append({
        client: { id: 'c', role: 'r', via: 'stdio' },
        action: 'tool-call',
        decision: 'allowed',
        target: `t${i}`,
      });
    log.close();
    const r = verifyAuditLog([file]);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.records, 62);
    const second = r.files[1]!;
    put(second, lines(second).slice(2));
    const cut = verifyAuditLog([file]);
    assert.deepEqual(
      cut.problems.map((p) => [p.file, p.line, p.kind]),
      [
        [second, 1, 'rotation'],
        [second, 1, 'removed'],
      ],
    );
    // Files given out of order break the chain where they meet.
    const [a, b] = r.files;
    const swapped = verifyAuditLog([b!, a!, file]);
    assert.equal(swapped.ok, false);
  });

  it('reports a file that cannot be read, and a live file lost mid-rotation is not one', () => {
    const file = makeLog();
    const r = verifyAuditLog([join(tempDir(), 'nothing.log')]);
    assert.deepEqual(
      r.problems.map((p) => p.kind),
      ['unreadable'],
    );
    renameSync(file, `${file}.1`);
    const mid = verifyAuditLog([file]);
    assert.equal(mid.ok, true, JSON.stringify(mid.problems));
    assert.equal(mid.records, 20);
  });
});
