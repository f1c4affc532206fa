import assert from 'node:assert/strict';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../testing.js';
import { type Descriptor, errOf, type Host, hostFor, str, text } from './testing.js';

interface Tree {
  t: string;
  h: Host;
  data: Descriptor;
  ro: Descriptor;
  slash: Descriptor;
  /** `t` relative to `/`, for paths through the `/` preopen. */
  top: string;
}

/**
 * data/ read-write (but not data/private or dotfiles), ro/ read-only,
 * secret.txt beside them granted to no one, and symlinks out of data.
 */
function tree(): Tree {
  const t = tempDir('mcpkit-wasi2-fs-');
  mkdirSync(join(t, 'data', 'sub'), { recursive: true });
  mkdirSync(join(t, 'data', 'private'));
  mkdirSync(join(t, 'ro'));
  writeFileSync(join(t, 'data', 'inside.txt'), 'inside');
  writeFileSync(join(t, 'data', 'sub', 'deep.txt'), 'deep');
  writeFileSync(join(t, 'data', '.env'), 'TOKEN=1');
  writeFileSync(join(t, 'data', 'private', 'p.txt'), 'private');
  writeFileSync(join(t, 'ro', 'r.txt'), 'read only');
  writeFileSync(join(t, 'secret.txt'), 'secret');
  symlinkSync(join(t, 'secret.txt'), join(t, 'data', 'abs'));
  symlinkSync('../secret.txt', join(t, 'data', 'rel'));
  symlinkSync('chain2', join(t, 'data', 'chain1'));
  symlinkSync('../secret.txt', join(t, 'data', 'chain2'));
  symlinkSync('inside.txt', join(t, 'data', 'good'));
  symlinkSync('good', join(t, 'data', 'goodchain'));
  symlinkSync(t, join(t, 'data', 'up'));
  const h = hostFor(`version: "1.0"
storage:
  allow:
    - uri: "fs://${t}/data/**"
      access: [read, write]
    - uri: "fs://${t}/ro/**"
      access: [read]
  deny:
    - uri: "fs://${t}/data/private/**"
      access: [read, write]
`);
  return {
    t,
    h,
    data: h.preopen(join(t, 'data')),
    ro: h.preopen(join(t, 'ro')),
    slash: h.preopen('/'),
    top: t.slice(1),
  };
}

const READ = { read: true } as const;
const FOLLOW = { symlinkFollow: true } as const;

function readAll(d: Descriptor): string {
  const [bytes] = d.read(1024n, 0n);
  return str(bytes);
}

function refusedFor(h: Host, target: string, access: string): boolean {
  return h.violations.some((v) => v.target === target && v.access === access);
}

describe('wasi:filesystem keeps the guest inside what the policy grants', () => {
  it('preopens the granted directories and / last', () => {
    const { h, t } = tree();
    const list = h
      .iface<{ getDirectories(): Array<[Descriptor, string]> }>('wasi:filesystem/preopens')
      .getDirectories()
      .map(([, g]) => g);
    assert.deepEqual(list, [join(t, 'data'), join(t, 'ro'), '/']);
  });

  it('refuses `..` out of a preopen before asking the host, and reports it', () => {
    const { h, data, t } = tree();
    for (const path of ['../secret.txt', 'sub/../../secret.txt', '..', 'sub/../..']) {
      assert.equal(
        errOf(() => data.openAt({}, path, {}, READ)),
        'not-permitted',
        path,
      );
      assert.equal(
        errOf(() => data.statAt({}, path)),
        'not-permitted',
        path,
      );
    }
    assert.equal(
      errOf(() => data.createDirectoryAt('../made')),
      'not-permitted',
    );
    assert.equal(existsSync(join(t, 'made')), false);
    assert.ok(
      h.violations.some((v) => v.access === 'resolve' && v.target.endsWith('../secret.txt')),
    );
  });

  it('refuses absolute paths', () => {
    const { data, t } = tree();
    for (const path of ['/etc/passwd', join(t, 'secret.txt'), '/']) {
      assert.equal(
        errOf(() => data.openAt({}, path, {}, READ)),
        'not-permitted',
        path,
      );
    }
  });

  it('decides every path under the / preopen by the policy, and hides what it does not grant', () => {
    const { h, slash, t, top } = tree();
    assert.equal(
      errOf(() => slash.openAt({}, `${top}/secret.txt`, {}, READ)),
      'access',
    );
    assert.ok(refusedFor(h, join(t, 'secret.txt'), 'read'));
    assert.equal(
      errOf(() => slash.openAt({}, 'etc/passwd', {}, READ)),
      'access',
    );
    // Whether a path nobody granted exists is not the guest's business.
    assert.equal(
      errOf(() => slash.statAt({}, `${top}/no-such-file`)),
      'access',
    );
    assert.equal(
      errOf(() => slash.statAt({}, 'etc/shadow')),
      'access',
    );
    // Granted paths work through / as well.
    assert.equal(readAll(slash.openAt({}, `${top}/data/inside.txt`, {}, READ)), 'inside');
  });

  it('follows no symlink out of the grant: absolute, relative, chained, through a directory', () => {
    const { h, data, t } = tree();
    for (const link of ['abs', 'rel', 'chain1', 'up/secret.txt']) {
      assert.equal(
        errOf(() => data.openAt(FOLLOW, link, {}, READ)),
        'access',
        link,
      );
      assert.equal(
        errOf(() => data.statAt(FOLLOW, link)),
        'access',
        link,
      );
    }
    assert.ok(refusedFor(h, join(t, 'secret.txt'), 'read'));
    // Not following: the final symlink is not opened at all (O_NOFOLLOW).
    for (const link of ['abs', 'rel', 'chain1']) {
      assert.equal(
        errOf(() => data.openAt({}, link, {}, READ)),
        'loop',
        link,
      );
    }
    // Links that stay inside work, chained or not.
    assert.equal(readAll(data.openAt(FOLLOW, 'good', {}, READ)), 'inside');
    assert.equal(readAll(data.openAt(FOLLOW, 'goodchain', {}, READ)), 'inside');
    assert.equal(data.statAt({}, 'abs').type, 'symbolic-link');
    assert.equal(data.readlinkAt('abs'), join(t, 'secret.txt'));
  });

  it('writes through no symlink out of the grant', () => {
    const { data, t } = tree();
    for (const link of ['abs', 'rel', 'chain1']) {
      assert.equal(
        errOf(() => data.openAt(FOLLOW, link, { truncate: true }, { write: true })),
        'access',
      );
      assert.equal(
        errOf(() => data.openAt(FOLLOW, link, { create: true }, { write: true })),
        'access',
      );
      assert.equal(
        errOf(() => data.setTimesAt(FOLLOW, link, { tag: 'now' }, { tag: 'now' })),
        'access',
      );
    }
    assert.equal(readFileSync(join(t, 'secret.txt'), 'utf8'), 'secret');
  });

  it('lets the guest plant no symlink that points where it could not read', () => {
    const { data, t } = tree();
    for (const target of [
      '../secret.txt',
      join(t, 'secret.txt'),
      '/etc',
      'sub/../../secret.txt',
      'private/p.txt',
      '.env',
    ]) {
      assert.equal(
        errOf(() => data.symlinkAt(target, 'evil')),
        'access',
        target,
      );
      assert.equal(lstatSync(join(t, 'data', 'evil'), { throwIfNoEntry: false }), undefined);
    }
    data.symlinkAt('sub/deep.txt', 'fine');
    assert.equal(readAll(data.openAt(FOLLOW, 'fine', {}, READ)), 'deep');
  });

  it('makes no hard link that would reach a file the guest may not both read and write', () => {
    const { data, ro, slash, t, top } = tree();
    assert.equal(
      errOf(() => slash.linkAt({}, `${top}/secret.txt`, data, 'hl')),
      'access',
    );
    assert.equal(
      errOf(() => data.linkAt({}, '../secret.txt', data, 'hl')),
      'not-permitted',
    );
    assert.equal(
      errOf(() => data.linkAt(FOLLOW, 'abs', data, 'hl')),
      'access',
    );
    // Read-only grant: a second name for it would be writable.
    assert.equal(
      errOf(() => ro.linkAt({}, 'r.txt', data, 'hl')),
      'access',
    );
    // Nor out of the grant.
    assert.equal(
      errOf(() => data.linkAt({}, 'inside.txt', slash, `${top}/out`)),
      'access',
    );
    assert.equal(existsSync(join(t, 'data', 'hl')), false);
    assert.equal(existsSync(join(t, 'out')), false);
    // A hard link to a symlink is a new symlink: it must point where the guest may read.
    assert.equal(
      errOf(() => data.linkAt({}, 'abs', data, 'hl')),
      'access',
    );
    data.linkAt({}, 'inside.txt', data, 'hl');
    assert.equal(statSync(join(t, 'data', 'inside.txt')).nlink, 2);
  });

  it('renames nothing out of the grant or into it', () => {
    const { data, slash, t, top } = tree();
    assert.equal(
      errOf(() => data.renameAt('inside.txt', slash, `${top}/out.txt`)),
      'access',
    );
    assert.equal(
      errOf(() => slash.renameAt(`${top}/secret.txt`, data, 'stolen.txt')),
      'access',
    );
    assert.equal(
      errOf(() => data.renameAt('../secret.txt', data, 'stolen.txt')),
      'not-permitted',
    );
    assert.equal(
      errOf(() => data.renameAt('inside.txt', data, '../out.txt')),
      'not-permitted',
    );
    assert.equal(
      errOf(() => data.renameAt('inside.txt', data, 'private/x.txt')),
      'access',
    );
    assert.equal(
      errOf(() => data.renameAt('inside.txt', data, '.hidden')),
      'access',
    );
    assert.equal(readFileSync(join(t, 'data', 'inside.txt'), 'utf8'), 'inside');
    assert.equal(readFileSync(join(t, 'secret.txt'), 'utf8'), 'secret');
    assert.equal(existsSync(join(t, 'out.txt')), false);
    // A preopened directory stays where it is.
    assert.equal(
      errOf(() => data.renameAt('.', data, 'moved')),
      'busy',
    );
    assert.equal(
      errOf(() => data.removeDirectoryAt('.')),
      'busy',
    );
    data.renameAt('inside.txt', data, 'sub/moved.txt');
    assert.equal(readFileSync(join(t, 'data', 'sub', 'moved.txt'), 'utf8'), 'inside');
  });

  it('keeps dotfiles and denied directories out of reach and out of listings', () => {
    const { data } = tree();
    assert.equal(
      errOf(() => data.openAt({}, '.env', {}, READ)),
      'access',
    );
    assert.equal(
      errOf(() => data.openAt({}, 'private/p.txt', {}, READ)),
      'access',
    );
    assert.equal(
      errOf(() => data.openAt({}, 'private', { directory: true }, READ)),
      'access',
    );
    assert.equal(
      errOf(() => data.unlinkFileAt('.env')),
      'access',
    );
    const names: string[] = [];
    const stream = data.readDirectory();
    for (let e = stream.readDirectoryEntry(); e; e = stream.readDirectoryEntry())
      names.push(e.name);
    assert.deepEqual(names.sort(), [
      'abs',
      'chain1',
      'chain2',
      'good',
      'goodchain',
      'inside.txt',
      'rel',
      'sub',
      'up',
    ]);
  });

  it('lists / without the names the policy does not grant', () => {
    const { slash } = tree();
    const stream = slash.readDirectory();
    const names: string[] = [];
    for (let e = stream.readDirectoryEntry(); e; e = stream.readDirectoryEntry())
      names.push(e.name);
    assert.ok(!names.includes('etc'), names.join(', '));
    assert.ok(!names.includes('proc'), names.join(', '));
  });

  it('refuses writes the policy does not grant', () => {
    const { ro, t } = tree();
    assert.equal(
      errOf(() => ro.openAt({}, 'r.txt', {}, { write: true })),
      'access',
    );
    assert.equal(
      errOf(() => ro.openAt({}, 'r.txt', { truncate: true }, READ)),
      'access',
    );
    assert.equal(
      errOf(() => ro.openAt({}, 'new.txt', { create: true }, READ)),
      'access',
    );
    assert.equal(
      errOf(() => ro.createDirectoryAt('d')),
      'access',
    );
    assert.equal(
      errOf(() => ro.unlinkFileAt('r.txt')),
      'access',
    );
    assert.equal(
      errOf(() => ro.symlinkAt('r.txt', 'l')),
      'access',
    );
    assert.equal(readFileSync(join(t, 'ro', 'r.txt'), 'utf8'), 'read only');
    assert.equal(existsSync(join(t, 'ro', 'new.txt')), false);
    assert.equal(readAll(ro.openAt({}, 'r.txt', {}, READ)), 'read only');
  });

  it('enforces descriptor flags: a read-only descriptor does not write, a write-only one does not read', () => {
    const { data, t } = tree();
    const f = data.openAt({}, 'inside.txt', {}, READ);
    assert.equal(
      errOf(() => f.write(text('x'), 0n)),
      'bad-descriptor',
    );
    assert.equal(
      errOf(() => f.setSize(0n)),
      'bad-descriptor',
    );
    assert.equal(
      errOf(() => f.writeViaStream(0n)),
      'bad-descriptor',
    );
    assert.equal(
      errOf(() => f.appendViaStream()),
      'bad-descriptor',
    );
    assert.equal(
      errOf(() => f.setTimes({ tag: 'now' }, { tag: 'now' })),
      'bad-descriptor',
    );
    assert.deepEqual(f.getFlags(), {
      read: true,
      write: false,
      fileIntegritySync: false,
      dataIntegritySync: false,
      requestedWriteSync: false,
      mutateDirectory: false,
    });
    const w = data.openAt({}, 'inside.txt', {}, { write: true });
    assert.equal(
      errOf(() => w.read(10n, 0n)),
      'bad-descriptor',
    );
    assert.equal(
      errOf(() => w.readViaStream(0n)),
      'bad-descriptor',
    );
    assert.equal(readFileSync(join(t, 'data', 'inside.txt'), 'utf8'), 'inside');
    // Files are not directories and directories are not files.
    assert.equal(
      errOf(() => f.openAt({}, 'x', {}, READ)),
      'not-directory',
    );
    assert.equal(
      errOf(() => f.readDirectory()),
      'not-directory',
    );
    assert.equal(
      errOf(() => data.read(1n, 0n)),
      'is-directory',
    );
    assert.equal(
      errOf(() => data.openAt({}, 'sub', {}, { write: true })),
      'is-directory',
    );
  });

  it('enforces mutate-directory: a directory opened without it changes nothing below it', () => {
    const { data, t } = tree();
    const sub = data.openAt({}, 'sub', { directory: true }, READ);
    assert.equal(sub.getFlags().mutateDirectory, false);
    assert.equal(
      errOf(() => sub.createDirectoryAt('d')),
      'read-only',
    );
    assert.equal(
      errOf(() => sub.unlinkFileAt('deep.txt')),
      'read-only',
    );
    assert.equal(
      errOf(() => sub.removeDirectoryAt('d')),
      'read-only',
    );
    assert.equal(
      errOf(() => sub.symlinkAt('deep.txt', 'l')),
      'read-only',
    );
    assert.equal(
      errOf(() => sub.renameAt('deep.txt', data, 'x')),
      'read-only',
    );
    assert.equal(
      errOf(() => data.renameAt('inside.txt', sub, 'x')),
      'read-only',
    );
    assert.equal(
      errOf(() => data.linkAt({}, 'inside.txt', sub, 'x')),
      'read-only',
    );
    assert.equal(
      errOf(() => sub.openAt({}, 'n.txt', { create: true }, READ)),
      'read-only',
    );
    assert.equal(
      errOf(() => sub.openAt({}, 'deep.txt', {}, { write: true })),
      'read-only',
    );
    assert.equal(
      errOf(() => sub.openAt({}, '.', { directory: true }, { read: true, mutateDirectory: true })),
      'read-only',
    );
    assert.equal(
      errOf(() => sub.setTimesAt({}, 'deep.txt', { tag: 'now' }, { tag: 'now' })),
      'read-only',
    );
    assert.equal(readFileSync(join(t, 'data', 'sub', 'deep.txt'), 'utf8'), 'deep');
    // Reading through it is fine, and `..` stays confined to the preopen it came from.
    assert.equal(readAll(sub.openAt({}, 'deep.txt', {}, READ)), 'deep');
    assert.equal(readAll(sub.openAt({}, '../inside.txt', {}, READ)), 'inside');
    assert.equal(
      errOf(() => sub.openAt({}, '../../secret.txt', {}, READ)),
      'not-permitted',
    );
    // With mutate-directory, the policy decides each change.
    const w = data.openAt({}, 'sub', { directory: true }, { read: true, mutateDirectory: true });
    w.createDirectoryAt('d');
    assert.ok(statSync(join(t, 'data', 'sub', 'd')).isDirectory());
  });

  it('a directory descriptor whose directory was moved and replaced by a symlink reaches nothing', () => {
    const { data, t } = tree();
    const sub = data.openAt({}, 'sub', { directory: true }, { read: true, mutateDirectory: true });
    data.renameAt('sub', data, 'sub2');
    // The guest may read ro/, so it may plant a link to it; writing there is another matter.
    data.symlinkAt(join(t, 'ro'), 'sub');
    assert.equal(
      errOf(() => sub.openAt({}, 'r.txt', { truncate: true }, { write: true })),
      'bad-descriptor',
    );
    assert.equal(
      errOf(() => sub.createDirectoryAt('made')),
      'bad-descriptor',
    );
    assert.equal(
      errOf(() => sub.readDirectory()),
      'bad-descriptor',
    );
    assert.equal(
      errOf(() => sub.stat()),
      'bad-descriptor',
    );
    assert.equal(readFileSync(join(t, 'ro', 'r.txt'), 'utf8'), 'read only');
    assert.equal(existsSync(join(t, 'ro', 'made')), false);
  });

  it('refuses set-times, metadata hashes and readlink outside the grant', () => {
    const { data, slash, top } = tree();
    assert.equal(
      errOf(() => slash.setTimesAt({}, `${top}/secret.txt`, { tag: 'now' }, { tag: 'now' })),
      'access',
    );
    assert.equal(
      errOf(() => slash.metadataHashAt({}, `${top}/secret.txt`)),
      'access',
    );
    assert.equal(
      errOf(() => data.metadataHashAt(FOLLOW, 'abs')),
      'access',
    );
    assert.equal(
      errOf(() => data.readlinkAt('../secret.txt')),
      'not-permitted',
    );
    assert.equal(
      errOf(() => slash.readlinkAt(`${top}/secret.txt`)),
      'access',
    );
  });

  it('unlinks a symlink, not what it points to', () => {
    const { data, t } = tree();
    data.unlinkFileAt('abs');
    assert.equal(existsSync(join(t, 'data', 'abs')), false);
    assert.equal(readFileSync(join(t, 'secret.txt'), 'utf8'), 'secret');
  });

  it('a hard link planted on the host still needs the grant of the name used', () => {
    const { data, t } = tree();
    // The host (not the guest) linked a granted name to the secret: reading
    // the name is what the policy allows, so the content is reachable. What the
    // guest cannot do is create such a link itself (tested above).
    linkSync(join(t, 'secret.txt'), join(t, 'data', 'host-made'));
    assert.equal(readAll(data.openAt({}, 'host-made', {}, READ)), 'secret');
    assert.equal(
      errOf(() => data.openAt({}, '.host-made', {}, READ)),
      'access',
    );
  });
});

describe('wasi:filesystem inside the grant', () => {
  it('creates, writes, reads, appends, truncates and stats files', () => {
    const { data, t } = tree();
    const f = data.openAt(
      {},
      'new.txt',
      { create: true, exclusive: true },
      { read: true, write: true },
    );
    assert.equal(f.write(text('hello'), 0n), 5n);
    assert.deepEqual(
      f.read(3n, 1n).map((x) => (x instanceof Uint8Array ? str(x) : x)),
      ['ell', false],
    );
    const [rest, end] = f.read(100n, 3n);
    assert.equal(str(rest), 'lo');
    assert.equal(end, true);
    const out = f.appendViaStream();
    out.write(text(' world'));
    out[Symbol.dispose]();
    assert.equal(readFileSync(join(t, 'data', 'new.txt'), 'utf8'), 'hello world');
    f.setSize(5n);
    assert.equal(f.stat().size, 5n);
    assert.equal(f.stat().type, 'regular-file');
    assert.equal(f.getType(), 'regular-file');
    assert.equal(
      errOf(() => data.openAt({}, 'new.txt', { create: true, exclusive: true }, { write: true })),
      'exist',
    );
    const g = data.openAt({}, 'new.txt', { truncate: true }, { write: true });
    assert.equal(g.stat().size, 0n);
    assert.equal(
      errOf(() => data.openAt({}, 'missing.txt', {}, READ)),
      'no-entry',
    );
    f[Symbol.dispose]();
    g[Symbol.dispose]();
  });

  it('reads and writes through streams from an offset', () => {
    const { data, t } = tree();
    const f = data.openAt({}, 'inside.txt', {}, { read: true, write: true });
    const input = f.readViaStream(2n);
    assert.equal(str(input.read(2n)), 'si');
    assert.equal(input.skip(1n), 1n);
    assert.equal(str(input.blockingRead(100n)), 'e');
    assert.deepEqual(
      errOf(() => input.read(1n)),
      { tag: 'closed' },
    );
    assert.equal(input.subscribe().ready(), true);
    const out = f.writeViaStream(6n);
    assert.ok(out.checkWrite() > 0n);
    out.blockingWriteAndFlush(text('!'));
    out.writeZeroes(2n);
    out.flush();
    assert.deepEqual([...readFileSync(join(t, 'data', 'inside.txt'))].slice(6), [33, 0, 0]);
    // The stream keeps its file open after the descriptor is dropped.
    f[Symbol.dispose]();
    out.write(text('?'));
    assert.equal(readFileSync(join(t, 'data', 'inside.txt'))[9], 63);
    out[Symbol.dispose]();
  });

  it('makes and removes directories, lists them with types', () => {
    const { data, t } = tree();
    data.createDirectoryAt('made');
    assert.equal(
      errOf(() => data.createDirectoryAt('made')),
      'exist',
    );
    const made = data.openAt(
      {},
      'made',
      { directory: true },
      { read: true, mutateDirectory: true },
    );
    made.openAt({}, 'x.txt', { create: true }, { write: true })[Symbol.dispose]();
    made.createDirectoryAt('y');
    const stream = made.readDirectory();
    const entries: string[] = [];
    for (let e = stream.readDirectoryEntry(); e; e = stream.readDirectoryEntry())
      entries.push(`${e.type} ${e.name}`);
    assert.deepEqual(entries.sort(), ['directory y', 'regular-file x.txt']);
    assert.equal(
      errOf(() => data.removeDirectoryAt('made')),
      'not-empty',
    );
    assert.equal(
      errOf(() => data.removeDirectoryAt('inside.txt')),
      'not-directory',
    );
    assert.equal(
      errOf(() => data.unlinkFileAt('made')),
      'is-directory',
    );
    made.unlinkFileAt('x.txt');
    made.removeDirectoryAt('y');
    data.removeDirectoryAt('made');
    assert.equal(existsSync(join(t, 'data', 'made')), false);
  });

  it('sets times, compares objects, hashes metadata', () => {
    const { data, t } = tree();
    data.setTimesAt(
      {},
      'inside.txt',
      { tag: 'no-change' },
      {
        tag: 'timestamp',
        val: { seconds: 1_000_000_000n, nanoseconds: 0 },
      },
    );
    assert.equal(statSync(join(t, 'data', 'inside.txt')).mtimeMs, 1e12);
    const a = data.openAt({}, 'inside.txt', {}, READ);
    const b = data.openAt(FOLLOW, 'good', {}, READ);
    const c = data.openAt({}, 'sub/deep.txt', {}, READ);
    assert.equal(a.isSameObject(b), true);
    assert.equal(a.isSameObject(c), false);
    assert.deepEqual(a.metadataHash(), data.metadataHashAt({}, 'inside.txt'));
    assert.notDeepEqual(a.metadataHash(), c.metadataHash());
    a.advise(0n, 0n, 'sequential');
    a.sync();
    a.syncData();
  });
});

describe('wasi:filesystem handles are the host’s', () => {
  it('a descriptor cannot be made or borrowed by anyone else', () => {
    const { h, data } = tree();
    const { Descriptor } = h.iface<{ Descriptor: new (...a: unknown[]) => Descriptor }>(
      'wasi:filesystem/types',
    );
    assert.throws(
      () => new Descriptor(Symbol('filesystem'), { kind: 'dir', real: '/' }),
      TypeError,
    );
    const forged = Object.create(Descriptor.prototype) as Descriptor;
    assert.equal(
      errOf(() => forged.openAt({}, 'etc/passwd', {}, READ)),
      'bad-descriptor',
    );
    const fake = { kind: 'dir', real: '/' } as unknown as Descriptor;
    assert.equal(
      errOf(() => data.renameAt('inside.txt', fake, 'x')),
      'bad-descriptor',
    );
    assert.equal(
      errOf(() => data.linkAt({}, 'inside.txt', forged, 'x')),
      'bad-descriptor',
    );
  });

  it('a dropped descriptor is dead, and dispose closes what the guest left open', () => {
    const { h, data } = tree();
    const f = data.openAt({}, 'inside.txt', {}, READ);
    const g = data.openAt({}, 'inside.txt', {}, READ);
    f[Symbol.dispose]();
    assert.equal(
      errOf(() => f.read(1n, 0n)),
      'bad-descriptor',
    );
    h.wasi.dispose();
    assert.equal(
      errOf(() => g.read(1n, 0n)),
      'bad-descriptor',
    );
  });

  it('open files are limited by `open_files`: one more is `quota`, and a closed one makes room', () => {
    const t = tempDir('mcpkit-wasi2-fs-');
    writeFileSync(join(t, 'f.txt'), 'x');
    const h = hostFor(
      `version: "1.0"\nstorage:\n  allow:\n    - uri: "fs://${t}/**"\n      access: [read]\nresources:\n  limits:\n    open_files: 3\n`,
    );
    const dir = h.preopen(t);
    const open = () => dir.openAt({}, 'f.txt', {}, READ);
    const held = [open(), open(), open()];
    assert.equal(errOf(open), 'quota');
    // A stream holds its file too: dropping the descriptor alone does not free it.
    const stream = held[0]!.readViaStream(0n);
    held[0]![Symbol.dispose]();
    assert.equal(errOf(open), 'quota');
    stream[Symbol.dispose]();
    // Directories are kept as paths: opening them holds nothing.
    for (let i = 0; i < 5; i++) dir.openAt({}, '.', { directory: true }, READ);
    assert.equal(readAll(open()), 'x');
    assert.equal(errOf(open), 'quota');
    // The end of the call closes everything.
    h.wasi.dispose();
    assert.equal(readAll(open()), 'x');
  });

  it('a filesystem error behind a stream is readable as its error-code', () => {
    const { h, data } = tree();
    const types = h.iface<{ filesystemErrorCode(e: unknown): string | undefined }>(
      'wasi:filesystem/types',
    );
    const f = data.openAt({}, 'inside.txt', {}, READ);
    const input = f.readViaStream(0n);
    h.wasi.dispose();
    const err = errOf(() => input.read(1n)) as { tag: string; val?: unknown };
    assert.equal(err.tag, 'last-operation-failed');
    assert.equal(types.filesystemErrorCode(err.val), 'bad-descriptor');
    assert.equal(types.filesystemErrorCode({}), undefined);
  });
});

describe('wasi:filesystem preopens cannot be moved from under their descriptor', () => {
  it('renaming a parent of a preopen, or a directory onto one, is refused', () => {
    const t = tempDir('mcpkit-wasi2-preopen-parent-');
    mkdirSync(join(t, 'data', 'x', 'y'), { recursive: true });
    mkdirSync(join(t, 'data', 'empty'));
    mkdirSync(join(t, 'ro', 'y'), { recursive: true });
    const h = hostFor(`version: "1.0"
storage:
  allow:
    - uri: "fs://${t}/data/**"
      access: [read, write]
    - uri: "fs://${t}/data/x/y/*.log"
      access: [read, write]
    - uri: "fs://${t}/ro/**"
      access: [read]
`);
    const data = h.preopen(join(t, 'data'));
    const y = h.preopen(join(t, 'data', 'x', 'y'));
    assert.equal(
      errOf(() => data.renameAt('x', data, 'x-moved')),
      'busy',
    );
    assert.equal(
      errOf(() => data.renameAt('x/y', data, 'y-moved')),
      'busy',
    );
    assert.equal(
      errOf(() => data.renameAt('empty', data, 'x/y')),
      'busy',
    );
    assert.equal(
      errOf(() => data.symlinkAt('../ro', 'x')),
      'exist',
    );
    const f = y.openAt({}, 'f.log', { create: true }, { write: true });
    f.write(new TextEncoder().encode('logged'), 0n);
    assert.equal(readFileSync(join(t, 'data', 'x', 'y', 'f.log'), 'utf8'), 'logged');
    assert.equal(existsSync(join(t, 'ro', 'y', 'f.log')), false);
  });
});
