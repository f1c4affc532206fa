// Precise hostile calls at the host-function boundary, in WAT: bad pointers,
// absurd lengths and counts, descriptors never opened. Each returns an errno
// (never a host exception, never host memory); the test reads it as the exit code.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Sandbox } from './sandbox.js';
import { storagePolicy, tempDir, wat } from './testing.js';
import { ERRNO, errnoName } from './wasi/constants.js';
import { PREVIEW1_FUNCTIONS } from './wasi/preview1.js';

const root = tempDir('mcpkit-boundary-');
mkdirSync(join(root, 'dir'));
writeFileSync(join(root, 'dir', 'f.txt'), 'data');
const pol = storagePolicy([[`${root}/**`, ['read', 'write']]]);

const SIGS: Record<string, string> = {
  fd_write: '(param i32 i32 i32 i32) (result i32)',
  fd_read: '(param i32 i32 i32 i32) (result i32)',
  fd_close: '(param i32) (result i32)',
  fd_renumber: '(param i32 i32) (result i32)',
  fd_prestat_get: '(param i32 i32) (result i32)',
  fd_prestat_dir_name: '(param i32 i32 i32) (result i32)',
  fd_readdir: '(param i32 i32 i32 i64 i32) (result i32)',
  fd_seek: '(param i32 i64 i32 i32) (result i32)',
  path_open: '(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)',
  path_filestat_get: '(param i32 i32 i32 i32 i32) (result i32)',
  args_get: '(param i32 i32) (result i32)',
  args_sizes_get: '(param i32 i32) (result i32)',
  random_get: '(param i32 i32) (result i32)',
  poll_oneoff: '(param i32 i32 i32 i32) (result i32)',
  sock_send: '(param i32 i32 i32 i32 i32) (result i32)',
  sock_accept: '(param i32 i32 i32) (result i32)',
  proc_raise: '(param i32) (result i32)',
  clock_time_get: '(param i32 i64 i32) (result i32)',
};

/** A module whose _start exits with the errno of `body` (an i32 expression). */
async function errnoOf(fn: string, body: string, data = ''): Promise<number> {
  const bytes = await wat(`(module
    (import "wasi_snapshot_preview1" "${fn}" (func $f ${SIGS[fn]}))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    ${data}
    (func (export "_start") (call $exit ${body})))`);
  const sb = await Sandbox.create({ id: 'wat', bytes, policy: pol, isolation: 'inline' });
  return (await sb.run()).exitCode;
}

const PAGE = 65536;

describe('the preview1 boundary', () => {
  it('offers all 46 functions', () => {
    assert.equal(PREVIEW1_FUNCTIONS.length, 46);
    assert.equal(new Set(PREVIEW1_FUNCTIONS).size, 46);
  });

  const cases: Array<[string, string, string, number, string?]> = [
    [
      'iovec array out of bounds',
      'fd_write',
      `(call $f (i32.const 1) (i32.const ${PAGE - 4}) (i32.const 1) (i32.const 0))`,
      ERRNO.FAULT,
    ],
    [
      'iovec pointing past memory',
      'fd_write',
      '(call $f (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 0))',
      ERRNO.FAULT,
      `(data (i32.const 16) "\\00\\00\\01\\00\\10\\00\\00\\00")`,
    ],
    [
      'iovec with a 4 GiB length',
      'fd_write',
      '(call $f (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 0))',
      ERRNO.FAULT,
      `(data (i32.const 16) "\\00\\01\\00\\00\\ff\\ff\\ff\\ff")`,
    ],
    [
      'a billion iovecs',
      'fd_write',
      '(call $f (i32.const 1) (i32.const 16) (i32.const 1000000000) (i32.const 0))',
      ERRNO.INVAL,
    ],
    [
      'result pointer out of bounds',
      'fd_write',
      `(call $f (i32.const 1) (i32.const 16) (i32.const 0) (i32.const ${PAGE}))`,
      ERRNO.FAULT,
    ],
    [
      'read into memory that is not there',
      'fd_read',
      '(call $f (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 0))',
      ERRNO.FAULT,
      `(data (i32.const 16) "\\f0\\ff\\00\\00\\00\\01\\00\\00")`,
    ],
    [
      'write to a descriptor never opened',
      'fd_write',
      '(call $f (i32.const 77) (i32.const 16) (i32.const 0) (i32.const 0))',
      ERRNO.BADF,
    ],
    ['close a descriptor never opened', 'fd_close', '(call $f (i32.const 4096))', ERRNO.BADF],
    [
      'renumber onto a descriptor never opened',
      'fd_renumber',
      '(call $f (i32.const 1) (i32.const 999))',
      ERRNO.BADF,
    ],
    [
      'seek on stdout',
      'fd_seek',
      '(call $f (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 0))',
      ERRNO.SPIPE,
    ],
    [
      'readdir on a file descriptor',
      'fd_readdir',
      '(call $f (i32.const 1) (i32.const 0) (i32.const 64) (i64.const 0) (i32.const 128))',
      ERRNO.NOTCAPABLE,
    ],
    [
      'prestat of a descriptor never opened',
      'fd_prestat_get',
      '(call $f (i32.const 500) (i32.const 0))',
      ERRNO.BADF,
    ],
    [
      'prestat name into a buffer too small',
      'fd_prestat_dir_name',
      '(call $f (i32.const 3) (i32.const 0) (i32.const 1))',
      ERRNO.NAMETOOLONG,
    ],
    [
      'open relative to a descriptor that is not a directory',
      'path_open',
      '(call $f (i32.const 1) (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))',
      ERRNO.NOTDIR,
      '(data (i32.const 16) "x")',
    ],
    [
      'open relative to a descriptor never opened',
      'path_open',
      '(call $f (i32.const 42) (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))',
      ERRNO.BADF,
      '(data (i32.const 16) "x")',
    ],
    [
      'open an absolute path',
      'path_open',
      '(call $f (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 11) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))',
      ERRNO.NOTCAPABLE,
      '(data (i32.const 16) "/etc/passwd")',
    ],
    [
      'open a path with NUL in it',
      'path_open',
      '(call $f (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 11) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))',
      ERRNO.INVAL,
      '(data (i32.const 16) "dir\\00/../../x")',
    ],
    [
      'open a path that is not UTF-8',
      'path_open',
      '(call $f (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 2) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))',
      ERRNO.ILSEQ,
      '(data (i32.const 16) "\\ff\\fe")',
    ],
    [
      'open climbing out with ..',
      'path_open',
      '(call $f (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 16) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))',
      ERRNO.NOTCAPABLE,
      '(data (i32.const 16) "../../etc/passwd")',
    ],
    [
      'path pointer out of bounds',
      'path_open',
      `(call $f (i32.const 3) (i32.const 0) (i32.const ${PAGE - 2}) (i32.const 100) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))`,
      ERRNO.FAULT,
    ],
    [
      'result fd pointer out of bounds',
      'path_open',
      `(call $f (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 8) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const ${PAGE}))`,
      ERRNO.FAULT,
      '(data (i32.const 16) "dir/f.txt")',
    ],
    [
      'stat result out of bounds',
      'path_filestat_get',
      `(call $f (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 3) (i32.const ${PAGE - 8}))`,
      ERRNO.FAULT,
      '(data (i32.const 16) "dir")',
    ],
    [
      'args into memory that is not there',
      'args_get',
      `(call $f (i32.const ${PAGE}) (i32.const ${PAGE}))`,
      ERRNO.FAULT,
    ],
    [
      'arg sizes out of bounds',
      'args_sizes_get',
      '(call $f (i32.const -4) (i32.const 0))',
      ERRNO.FAULT,
    ],
    [
      'random bytes past memory',
      'random_get',
      `(call $f (i32.const ${PAGE - 10}) (i32.const 100))`,
      ERRNO.FAULT,
    ],
    [
      'poll with no subscriptions',
      'poll_oneoff',
      '(call $f (i32.const 0) (i32.const 64) (i32.const 0) (i32.const 128))',
      ERRNO.INVAL,
    ],
    [
      'poll with a billion subscriptions',
      'poll_oneoff',
      '(call $f (i32.const 0) (i32.const 64) (i32.const 1000000000) (i32.const 128))',
      ERRNO.INVAL,
    ],
    [
      'send on a descriptor that is not a socket',
      'sock_send',
      '(call $f (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))',
      ERRNO.NOTSOCK,
    ],
    [
      'accept on a descriptor never opened',
      'sock_accept',
      '(call $f (i32.const 9) (i32.const 0) (i32.const 0))',
      ERRNO.BADF,
    ],
    ['raise a signal', 'proc_raise', '(call $f (i32.const 9))', ERRNO.NOSYS],
    [
      'an unknown clock',
      'clock_time_get',
      '(call $f (i32.const 99) (i64.const 0) (i32.const 0))',
      ERRNO.INVAL,
    ],
  ];
  for (const [name, fn, body, want, data] of cases) {
    it(`${name}: ${errnoName(want)}`, async () => {
      const got = await errnoOf(fn, body, data);
      assert.equal(errnoName(got), errnoName(want));
    });
  }

  it('stdout captures exactly what the guest wrote', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "\\08\\00\\00\\00\\05\\00\\00\\00hello")
      (func (export "_start") (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100)))))`);
    const sb = await Sandbox.create({ id: 'w', bytes, policy: pol, isolation: 'inline' });
    const r = await sb.run();
    assert.equal(new TextDecoder().decode(r.stdout), 'hello');
    assert.equal(r.exitCode, 0);
  });
});
