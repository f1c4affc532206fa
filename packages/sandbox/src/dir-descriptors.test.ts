// Directory descriptors of the preview1 host are kept as host paths. A guest
// may move an opened directory away and plant a symlink in its place; the old
// descriptor must not then reach through the link under the policy terms of
// the old path. Each case is a real guest (WAT) making the calls in order and
// reporting every errno on stdout.

import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compilePolicy, type PolicyDocument } from '@mcpkit/wasm-policy';
import { Sandbox } from './sandbox.js';
import { StorageGate } from './storage-gate.js';
import { storagePolicy, tempDir, wat } from './testing.js';
import {
  ALL_RIGHTS,
  DIRECTORY_RIGHTS,
  ERRNO,
  FILE_RIGHTS,
  FSTFLAGS,
  OFLAGS,
  RIGHTS,
} from './wasi/constants.js';

const IMPORTS: Record<string, string> = {
  path_open: '(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)',
  path_rename: '(param i32 i32 i32 i32 i32 i32) (result i32)',
  path_symlink: '(param i32 i32 i32 i32 i32) (result i32)',
  path_link: '(param i32 i32 i32 i32 i32 i32 i32) (result i32)',
  path_readlink: '(param i32 i32 i32 i32 i32 i32) (result i32)',
  path_create_directory: '(param i32 i32 i32) (result i32)',
  path_remove_directory: '(param i32 i32 i32) (result i32)',
  path_unlink_file: '(param i32 i32 i32) (result i32)',
  path_filestat_get: '(param i32 i32 i32 i32 i32) (result i32)',
  path_filestat_set_times: '(param i32 i32 i32 i32 i64 i64 i32) (result i32)',
  fd_readdir: '(param i32 i32 i32 i64 i32) (result i32)',
  fd_filestat_get: '(param i32 i32) (result i32)',
  fd_write: '(param i32 i32 i32 i32) (result i32)',
  fd_close: '(param i32) (result i32)',
  fd_renumber: '(param i32 i32) (result i32)',
};

// Guest memory: iovecs for the report, descriptor slots, one errno byte per
// step, the strings, a scratch area (dumped after the errnos), and the data written.
const IOVECS = 0;
const NWRITTEN = 32;
const SLOTS = 64;
const RESULTS = 256;
const STRINGS = 1024;
const SCRATCH = 8192; // u32 `used`, then a buffer
const SCRATCH_BUF = SCRATCH + 8;
const SCRATCH_LEN = 4096;
const IOVEC_DATA = 12288;

/** What a slot holds until a path_open fills it. */
const NEVER_OPENED = 0x7fff_fff0;

/** A descriptor: a number, or the name of a slot an earlier path_open filled. */
type Fd = number | string;

/** A guest program: a list of calls whose errnos it writes to stdout, in order. */
class Program {
  readonly #steps: Array<{ name: string; expr: string }> = [];
  readonly #strings = new Map<string, number>();
  #stringsEnd = STRINGS;
  readonly #slots = new Map<string, number>();

  /** Where `s` lies in guest memory, and its length in bytes. */
  at(s: string): [number, number] {
    let at = this.#strings.get(s);
    if (at === undefined) {
      at = this.#stringsEnd;
      this.#strings.set(s, at);
      this.#stringsEnd += Buffer.byteLength(s);
      assert.ok(this.#stringsEnd < SCRATCH, 'strings overflow');
    }
    return [at, Buffer.byteLength(s)];
  }

  /** `s` as the two i32 arguments (pointer, length) of a call. */
  str(s: string): string {
    const [ptr, len] = this.at(s);
    return `(i32.const ${ptr}) (i32.const ${len})`;
  }

  slot(name: string): number {
    let at = this.#slots.get(name);
    if (at === undefined) {
      at = SLOTS + this.#slots.size * 4;
      this.#slots.set(name, at);
      assert.ok(at < RESULTS, 'slots overflow');
    }
    return at;
  }

  fd(fd: Fd): string {
    return typeof fd === 'number' ? `(i32.const ${fd})` : `(i32.load (i32.const ${this.slot(fd)}))`;
  }

  step(name: string, expr: string): this {
    this.#steps.push({ name, expr });
    assert.ok(this.#steps.length <= STRINGS - RESULTS, 'too many steps');
    return this;
  }

  open(
    name: string,
    dir: Fd,
    path: string,
    into: string,
    o: { oflags?: number; base?: bigint; inheriting?: bigint } = {},
  ): this {
    const base = o.base ?? DIRECTORY_RIGHTS;
    const inheriting = o.inheriting ?? ALL_RIGHTS;
    return this.step(
      name,
      `(call $path_open ${this.fd(dir)} (i32.const 0) ${this.str(path)} (i32.const ${o.oflags ?? OFLAGS.DIRECTORY}) (i64.const ${base}) (i64.const ${inheriting}) (i32.const 0) (i32.const ${this.slot(into)}))`,
    );
  }

  /** Create (or truncate) `path` and write `text` to it, closing it again. */
  create(name: string, dir: Fd, path: string, text: string): this {
    const slot = `file:${name}`;
    this.open(name, dir, path, slot, {
      oflags: OFLAGS.CREAT | OFLAGS.TRUNC,
      base: FILE_RIGHTS,
      inheriting: 0n,
    });
    const [ptr, len] = this.at(text);
    return this.step(
      `${name}: write`,
      `(block (result i32)
        (i32.store (i32.const ${IOVEC_DATA}) (i32.const ${ptr}))
        (i32.store (i32.const ${IOVEC_DATA + 4}) (i32.const ${len}))
        (call $fd_write ${this.fd(slot)} (i32.const ${IOVEC_DATA}) (i32.const 1) (i32.const ${IOVEC_DATA + 8})))`,
    ).step(`${name}: close`, `(call $fd_close ${this.fd(slot)})`);
  }

  rename(name: string, from: Fd, a: string, to: Fd, b: string): this {
    return this.step(
      name,
      `(call $path_rename ${this.fd(from)} ${this.str(a)} ${this.fd(to)} ${this.str(b)})`,
    );
  }

  symlink(name: string, target: string, dir: Fd, path: string): this {
    return this.step(
      name,
      `(call $path_symlink ${this.str(target)} ${this.fd(dir)} ${this.str(path)})`,
    );
  }

  link(name: string, from: Fd, a: string, to: Fd, b: string): this {
    return this.step(
      name,
      `(call $path_link ${this.fd(from)} (i32.const 0) ${this.str(a)} ${this.fd(to)} ${this.str(b)})`,
    );
  }

  readlink(name: string, dir: Fd, path: string): this {
    return this.step(
      name,
      `(call $path_readlink ${this.fd(dir)} ${this.str(path)} (i32.const ${SCRATCH_BUF}) (i32.const ${SCRATCH_LEN}) (i32.const ${SCRATCH}))`,
    );
  }

  mkdir(name: string, dir: Fd, path: string): this {
    return this.step(name, `(call $path_create_directory ${this.fd(dir)} ${this.str(path)})`);
  }

  rmdir(name: string, dir: Fd, path: string): this {
    return this.step(name, `(call $path_remove_directory ${this.fd(dir)} ${this.str(path)})`);
  }

  unlink(name: string, dir: Fd, path: string): this {
    return this.step(name, `(call $path_unlink_file ${this.fd(dir)} ${this.str(path)})`);
  }

  stat(name: string, dir: Fd, path: string): this {
    return this.step(
      name,
      `(call $path_filestat_get ${this.fd(dir)} (i32.const 0) ${this.str(path)} (i32.const ${SCRATCH_BUF}))`,
    );
  }

  touch(name: string, dir: Fd, path: string): this {
    return this.step(
      name,
      `(call $path_filestat_set_times ${this.fd(dir)} (i32.const 0) ${this.str(path)} (i64.const 0) (i64.const 0) (i32.const ${FSTFLAGS.ATIM_NOW | FSTFLAGS.MTIM_NOW}))`,
    );
  }

  readdir(name: string, dir: Fd): this {
    return this.step(
      name,
      `(call $fd_readdir ${this.fd(dir)} (i32.const ${SCRATCH_BUF}) (i32.const ${SCRATCH_LEN}) (i64.const 0) (i32.const ${SCRATCH}))`,
    );
  }

  fstat(name: string, dir: Fd): this {
    return this.step(name, `(call $fd_filestat_get ${this.fd(dir)} (i32.const ${SCRATCH_BUF}))`);
  }

  close(name: string, fd: Fd): this {
    return this.step(name, `(call $fd_close ${this.fd(fd)})`);
  }

  renumber(name: string, from: Fd, to: Fd): this {
    return this.step(name, `(call $fd_renumber ${this.fd(from)} ${this.fd(to)})`);
  }

  get names(): string[] {
    return this.#steps.map((s) => s.name);
  }

  async binary(): Promise<Uint8Array> {
    const hex = (s: string) =>
      [...Buffer.from(s)].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
    const data = [...this.#strings].map(([s, at]) => `(data (i32.const ${at}) "${hex(s)}")`);
    const n = this.#steps.length;
    return wat(`(module
      ${Object.entries(IMPORTS)
        .map(([fn, sig]) => `(import "wasi_snapshot_preview1" "${fn}" (func $${fn} ${sig}))`)
        .join('\n')}
      (memory (export "memory") 1)
      ${data.join('\n')}
      (func (export "_start")
        ${[...this.#slots.values()].map((at) => `(i32.store (i32.const ${at}) (i32.const ${NEVER_OPENED}))`).join('\n')}
        ${this.#steps.map((s, i) => `(i32.store8 (i32.const ${RESULTS + i}) ${s.expr})`).join('\n')}
        (i32.store (i32.const ${IOVECS}) (i32.const ${RESULTS}))
        (i32.store (i32.const ${IOVECS + 4}) (i32.const ${n}))
        (i32.store (i32.const ${IOVECS + 8}) (i32.const ${SCRATCH}))
        (i32.store (i32.const ${IOVECS + 12}) (i32.const ${8 + SCRATCH_LEN}))
        (drop (call $fd_write (i32.const 1) (i32.const ${IOVECS}) (i32.const 2) (i32.const ${NWRITTEN})))))`);
  }
}

/** `BADF`, `SUCCESS`, `ACCES`...: the keys of ERRNO. */
const ERRNO_KEYS = new Map<number, string>(Object.entries(ERRNO).map(([k, v]) => [v, k]));

interface Report {
  /** Errno name of every step, by step name. */
  errnos: Record<string, string>;
  /** The scratch area after the last step that used it: `used`, then the buffer. */
  scratch: Uint8Array;
}

async function runProgram(p: Program, doc: PolicyDocument): Promise<Report> {
  const sb = await Sandbox.create({
    id: 'dir-fds',
    bytes: await p.binary(),
    policy: doc,
    isolation: 'inline',
  });
  const r = await sb.run();
  assert.equal(r.exitCode, 0, new TextDecoder().decode(r.stderr));
  const names = p.names;
  assert.equal(r.stdout.length, names.length + 8 + SCRATCH_LEN);
  const errnos: Record<string, string> = {};
  names.forEach((name, i) => {
    errnos[name] = ERRNO_KEYS.get(r.stdout[i]!) ?? `errno ${r.stdout[i]}`;
  });
  return { errnos, scratch: r.stdout.subarray(names.length) };
}

/** Names in an fd_readdir result (the scratch area after an fd_readdir step). */
function direntNames(scratch: Uint8Array): string[] {
  const view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
  const used = view.getUint32(0, true);
  const out: string[] = [];
  for (let at = 8; at + 24 <= 8 + used; ) {
    const len = view.getUint32(at + 16, true);
    out.push(Buffer.from(scratch.subarray(at + 24, at + 24 + len)).toString());
    at += 24 + len;
  }
  return out;
}

/**
 * `<t>/data` read-write, `<t>/ro` read-only. `data/sub` holds `a.txt`;
 * `ro/` holds `existing.txt`, a symlink `lnk` and an empty directory `emptydir`.
 */
function tree() {
  const t = tempDir('mcpkit-dirfd-');
  const data = join(t, 'data');
  const ro = join(t, 'ro');
  mkdirSync(join(data, 'sub', 'inner'), { recursive: true });
  mkdirSync(join(data, 'work'));
  mkdirSync(join(ro, 'inner'), { recursive: true });
  mkdirSync(join(ro, 'emptydir'));
  writeFileSync(join(data, 'sub', 'a.txt'), 'in data');
  writeFileSync(join(ro, 'existing.txt'), 'read only');
  symlinkSync('existing.txt', join(ro, 'lnk'));
  const doc = storagePolicy([
    [`${data}/**`, ['read', 'write']],
    [`${ro}/**`, ['read']],
  ]);
  // Preopens come in the order StorageGate gives them, from fd 3.
  const roots = StorageGate.rootsOf(compilePolicy(doc));
  const fdOf = (dir: string) => {
    const i = roots.findIndex((r) => r.real === dir);
    assert.ok(i >= 0, `${dir} is not preopened`);
    return 3 + i;
  };
  return { t, data, ro, doc, fdOf, D: fdOf(data) };
}

/** What `ro/` must still look like after every attack. */
function roUntouched(ro: string) {
  assert.deepEqual(readdirSync(ro).sort(), ['emptydir', 'existing.txt', 'inner', 'lnk']);
  assert.deepEqual(readdirSync(join(ro, 'inner')), []);
  assert.equal(readFileSync(join(ro, 'existing.txt'), 'utf8'), 'read only');
  assert.equal(lstatSync(join(ro, 'existing.txt')).nlink, 1);
}

/** The swap: `data/sub` moved to `data/sub-moved`, `data/sub` now a link to `../ro`. */
function swap(p: Program, D: number): Program {
  return p
    .rename('move sub away', D, 'sub', D, 'sub-moved')
    .symlink('plant sub -> ../ro', '../ro', D, 'sub');
}

describe('preview1 directory descriptors swapped for a symlink', () => {
  it('a write through the old descriptor does not land in the read-only directory', async () => {
    const { ro, doc, D } = tree();
    const p = new Program().open('open data/sub', D, 'sub', 'sub');
    swap(p, D).create('create r.txt through the old descriptor', 'sub', 'r.txt', 'pwned');
    const r = await runProgram(p, doc);
    assert.deepEqual(r.errnos, {
      'open data/sub': 'SUCCESS',
      'move sub away': 'SUCCESS',
      'plant sub -> ../ro': 'SUCCESS',
      'create r.txt through the old descriptor': 'BADF',
      'create r.txt through the old descriptor: write': 'BADF',
      'create r.txt through the old descriptor: close': 'BADF',
    });
    assert.equal(existsSync(join(ro, 'r.txt')), false);
    roUntouched(ro);
  });

  it('every operation relative to the old descriptor is refused', async () => {
    const { data, ro, doc, D } = tree();
    const p = new Program()
      .open('open data/sub', D, 'sub', 'sub')
      .open('open data/sub/inner', 'sub', 'inner', 'inner');
    swap(p, D)
      .mkdir('path_create_directory', 'sub', 'made')
      .stat('path_filestat_get', 'sub', 'existing.txt')
      .touch('path_filestat_set_times', 'sub', 'existing.txt')
      .symlink('path_symlink', 'existing.txt', 'sub', 'planted')
      .rename('path_rename into it', D, 'sub-moved/a.txt', 'sub', 'moved.txt')
      .rename('path_rename out of it', 'sub', 'existing.txt', D, 'stolen.txt')
      .rename('path_rename within it', 'sub', 'existing.txt', 'sub', 'renamed.txt')
      .link('path_link into it', D, 'sub-moved/a.txt', 'sub', 'hl.txt')
      .link('path_link out of it', 'sub', 'existing.txt', D, 'hl2.txt')
      .readlink('path_readlink', 'sub', 'lnk')
      .rmdir('path_remove_directory', 'sub', 'emptydir')
      .unlink('path_unlink_file', 'sub', 'existing.txt')
      .open('path_open .', 'sub', '.', 'dot')
      .open('path_open a file for reading', 'sub', 'existing.txt', 'f', {
        oflags: 0,
        base: RIGHTS.FD_READ,
        inheriting: 0n,
      })
      .readdir('fd_readdir', 'sub')
      .fstat('fd_filestat_get', 'sub')
      // A descriptor opened below it names a path through the link too.
      .create('create through a descriptor opened below it', 'inner', 'x.txt', 'pwned')
      .mkdir('path_create_directory below it', 'inner', 'made')
      .readdir('fd_readdir below it', 'inner')
      .close('fd_close', 'sub');
    const r = await runProgram(p, doc);
    const want: Record<string, string> = {};
    for (const name of p.names) want[name] = 'BADF';
    Object.assign(want, {
      'open data/sub': 'SUCCESS',
      'open data/sub/inner': 'SUCCESS',
      'move sub away': 'SUCCESS',
      'plant sub -> ../ro': 'SUCCESS',
      fd_close: 'SUCCESS',
    });
    assert.deepEqual(r.errnos, want);
    roUntouched(ro);
    assert.deepEqual(readdirSync(join(data, 'sub-moved')).sort(), ['a.txt', 'inner']);
    assert.deepEqual(readdirSync(data).sort(), ['sub', 'sub-moved', 'work']);
  });

  it('a descriptor opened without O_DIRECTORY that turns out to be a directory is checked too', async () => {
    const { ro, doc, D } = tree();
    const p = new Program().open('open data/sub as a file', D, 'sub', 'sub', {
      oflags: 0,
      base: DIRECTORY_RIGHTS | RIGHTS.FD_READ,
    });
    swap(p, D)
      .create('create r.txt through it', 'sub', 'r.txt', 'pwned')
      .mkdir('path_create_directory', 'sub', 'made');
    const r = await runProgram(p, doc);
    assert.deepEqual(r.errnos, {
      'open data/sub as a file': 'SUCCESS',
      'move sub away': 'SUCCESS',
      'plant sub -> ../ro': 'SUCCESS',
      'create r.txt through it': 'BADF',
      'create r.txt through it: write': 'BADF',
      'create r.txt through it: close': 'BADF',
      path_create_directory: 'BADF',
    });
    roUntouched(ro);
  });

  it('a directory moved away is gone for its descriptor, and back when it is moved back', async () => {
    const { data, doc, D } = tree();
    const p = new Program()
      .open('open data/sub', D, 'sub', 'sub')
      .rename('move sub away', D, 'sub', D, 'sub-moved')
      .stat('stat while away', 'sub', 'a.txt')
      .readdir('fd_readdir while away', 'sub')
      .fstat('fd_filestat_get while away', 'sub')
      .mkdir('replace it with another directory', D, 'sub')
      .stat('stat while replaced', 'sub', 'a.txt')
      .readdir('fd_readdir while replaced', 'sub')
      .rmdir('remove the replacement', D, 'sub')
      .rename('move sub back', D, 'sub-moved', D, 'sub')
      .stat('stat when back', 'sub', 'a.txt')
      .fstat('fd_filestat_get when back', 'sub')
      .readdir('fd_readdir when back', 'sub');
    const r = await runProgram(p, doc);
    assert.deepEqual(r.errnos, {
      'open data/sub': 'SUCCESS',
      'move sub away': 'SUCCESS',
      'stat while away': 'BADF',
      'fd_readdir while away': 'BADF',
      'fd_filestat_get while away': 'BADF',
      'replace it with another directory': 'SUCCESS',
      'stat while replaced': 'BADF',
      'fd_readdir while replaced': 'BADF',
      'remove the replacement': 'SUCCESS',
      'move sub back': 'SUCCESS',
      'stat when back': 'SUCCESS',
      'fd_filestat_get when back': 'SUCCESS',
      'fd_readdir when back': 'SUCCESS',
    });
    assert.deepEqual(direntNames(r.scratch).sort(), ['.', '..', 'a.txt', 'inner']);
    assert.ok(statSync(join(data, 'sub', 'a.txt')).isFile());
  });
});

describe('preview1 directory descriptors in ordinary use', () => {
  it('open a subdirectory, create in it, list it, and work below it', async () => {
    const { data, doc, D } = tree();
    const p = new Program()
      .open('open data/work', D, 'work', 'work')
      .create('create new.txt', 'work', 'new.txt', 'hello')
      .mkdir('path_create_directory', 'work', 'inner')
      .open('open work/inner', 'work', 'inner', 'inner')
      .create('create inner/deep.txt', 'inner', 'deep.txt', 'deep')
      .open('open work/. ', 'work', '.', 'dot')
      .create('create through work/.', 'dot', 'dot.txt', 'dot')
      .open('open data/sub without O_DIRECTORY', D, 'sub', 'lazy', {
        oflags: 0,
        base: DIRECTORY_RIGHTS | RIGHTS.FD_READ,
      })
      .stat('path_filestat_get through it', 'lazy', 'a.txt')
      .stat('path_filestat_get', 'work', 'new.txt')
      .touch('path_filestat_set_times', 'work', 'new.txt')
      .rename('path_rename within', 'work', 'new.txt', 'work', 'renamed.txt')
      .rename('path_rename between descriptors', 'inner', 'deep.txt', 'work', 'deep.txt')
      .link('path_link', 'work', 'renamed.txt', 'inner', 'hard.txt')
      .unlink('path_unlink_file', 'inner', 'hard.txt')
      .symlink('path_symlink', 'renamed.txt', 'work', 'ln')
      .readlink('path_readlink', 'work', 'ln')
      .mkdir('make gone/', 'work', 'gone')
      .rmdir('path_remove_directory', 'work', 'gone')
      .fstat('fd_filestat_get', 'work')
      .renumber('fd_renumber', 'work', 'dot')
      .readdir('fd_readdir after renumber', 'dot');
    const r = await runProgram(p, doc);
    const want: Record<string, string> = {};
    for (const name of p.names) want[name] = 'SUCCESS';
    assert.deepEqual(r.errnos, want);
    assert.deepEqual(direntNames(r.scratch).sort(), [
      '.',
      '..',
      'deep.txt',
      'dot.txt',
      'inner',
      'ln',
      'renamed.txt',
    ]);
    const work = join(data, 'work');
    assert.equal(readFileSync(join(work, 'renamed.txt'), 'utf8'), 'hello');
    assert.equal(readFileSync(join(work, 'deep.txt'), 'utf8'), 'deep');
    assert.equal(readFileSync(join(work, 'dot.txt'), 'utf8'), 'dot');
    assert.deepEqual(readdirSync(join(work, 'inner')), []);
  });

  it('a descriptor of a read-only directory still only reads', async () => {
    const { ro, doc, fdOf } = tree();
    const roFd = fdOf(ro);
    const p = new Program()
      .open('open ro/inner', roFd, 'inner', 'inner')
      .readdir('fd_readdir', 'inner')
      .create('create in it', 'inner', 'x.txt', 'no')
      .mkdir('path_create_directory', 'inner', 'made');
    const r = await runProgram(p, doc);
    assert.deepEqual(r.errnos, {
      'open ro/inner': 'SUCCESS',
      fd_readdir: 'SUCCESS',
      'create in it': 'ACCES',
      'create in it: write': 'BADF',
      'create in it: close': 'BADF',
      path_create_directory: 'ACCES',
    });
    roUntouched(ro);
  });
});

describe('preview1 preopens cannot be moved from under their descriptor', () => {
  it('renaming a parent of a preopen, or a directory onto one, is refused', async () => {
    const t = tempDir('mcpkit-preopen-parent-');
    const data = join(t, 'data');
    const ro = join(t, 'ro');
    mkdirSync(join(data, 'x', 'y'), { recursive: true });
    mkdirSync(join(data, 'empty'));
    mkdirSync(join(ro, 'y'), { recursive: true });
    const doc = storagePolicy([
      [`${data}/**`, ['read', 'write']],
      // A rule of its own makes `data/x/y` a preopen.
      [`${data}/x/y/*.log`, ['read', 'write']],
      [`${ro}/**`, ['read']],
    ]);
    const roots = StorageGate.rootsOf(compilePolicy(doc));
    const fdOf = (dir: string) => 3 + roots.findIndex((r) => r.real === dir);
    const D = fdOf(data);
    const Y = fdOf(join(data, 'x', 'y'));
    assert.ok(D >= 3 && Y >= 3);
    const p = new Program()
      .rename('move data/x away', D, 'x', D, 'x-moved')
      .symlink('plant x -> ../ro', '../ro', D, 'x')
      .rename('move data/x/y away', D, 'x/y', D, 'y-moved')
      .rename('move a directory onto the preopen', D, 'empty', D, 'x/y')
      .create('create through the preopen', Y, 'f.log', 'logged');
    const r = await runProgram(p, doc);
    assert.deepEqual(r.errnos, {
      'move data/x away': 'BUSY',
      'plant x -> ../ro': 'EXIST',
      'move data/x/y away': 'BUSY',
      'move a directory onto the preopen': 'BUSY',
      'create through the preopen': 'SUCCESS',
      'create through the preopen: write': 'SUCCESS',
      'create through the preopen: close': 'SUCCESS',
    });
    assert.equal(readFileSync(join(data, 'x', 'y', 'f.log'), 'utf8'), 'logged');
    assert.equal(existsSync(join(ro, 'y', 'f.log')), false);
    assert.ok(statSync(join(data, 'empty')).isDirectory());
  });
});
