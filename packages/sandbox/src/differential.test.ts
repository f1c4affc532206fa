// For operations the policy allows, a guest behaves the same under mcpkit's
// host as under node:wasi given the same preopened directory.

import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WASI } from 'node:wasi';
import { guest, run, sandboxFor, storagePolicy, tempDir } from './testing.js';

function freshTree(): string {
  const t = tempDir('mcpkit-diff-');
  mkdirSync(join(t, 'docs'));
  mkdirSync(join(t, 'empty'));
  writeFileSync(join(t, 'a.txt'), 'alpha\n');
  writeFileSync(join(t, 'docs', 'b.md'), '# beta\n');
  writeFileSync(join(t, 'docs', 'c.txt'), 'x'.repeat(5000));
  return t;
}

const ENV = { GREETING: 'hello', LANG_CODE: 'en' };

/** Run argv under node:wasi with stdio through temporary files. */
async function underNode(
  bytes: Uint8Array,
  dir: string,
  args: string[],
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  const io = tempDir('mcpkit-diff-io-');
  writeFileSync(join(io, 'in'), stdin);
  const fds = [
    openSync(join(io, 'in'), 'r'),
    openSync(join(io, 'out'), 'w'),
    openSync(join(io, 'err'), 'w'),
  ];
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: ['fsops', ...args],
      env: ENV,
      preopens: { [dir]: dir },
      stdin: fds[0]!,
      stdout: fds[1]!,
      stderr: fds[2]!,
      returnOnExit: true,
    });
    const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    const instance = await WebAssembly.instantiate(module, {
      wasi_snapshot_preview1: wasi.wasiImport,
    });
    const code = wasi.start(instance);
    return {
      code,
      out: readFileSync(join(io, 'out'), 'utf8'),
      err: readFileSync(join(io, 'err'), 'utf8'),
    };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

const SCRIPTS: Array<{ name: string; steps: Array<(d: string) => string[]>; stdin?: string }> = [
  {
    name: 'read files',
    steps: [
      (d) => ['cat', `${d}/a.txt`],
      (d) => ['cat', `${d}/docs/c.txt`],
      (d) => ['cat', `${d}/missing.txt`],
    ],
  },
  {
    name: 'list directories',
    steps: [(d) => ['ls', d], (d) => ['ls', `${d}/docs`], (d) => ['ls', `${d}/empty`]],
  },
  {
    name: 'stat',
    steps: [
      (d) => ['stat', `${d}/a.txt`],
      (d) => ['stat', `${d}/docs/c.txt`],
      (d) => ['lstat', `${d}/docs`],
    ],
  },
  {
    name: 'write, append, read back',
    steps: [
      (d) => ['write', `${d}/new.txt`, 'one'],
      (d) => ['append', `${d}/new.txt`, '+two'],
      (d) => ['cat', `${d}/new.txt`],
      (d) => ['truncate', `${d}/new.txt`, '2'],
      (d) => ['cat', `${d}/new.txt`],
    ],
  },
  {
    name: 'make, rename and remove',
    steps: [
      (d) => ['mkdir', `${d}/made`],
      (d) => ['write', `${d}/made/f`, 'f'],
      (d) => ['mv', `${d}/made/f`, `${d}/made/g`],
      (d) => ['ls', `${d}/made`],
      (d) => ['rm', `${d}/made/g`],
      (d) => ['rmdir', `${d}/made`],
      (d) => ['ls', d],
    ],
  },
  {
    name: 'links inside',
    steps: [
      (d) => ['symlink', 'a.txt', `${d}/link`],
      (d) => ['readlink', `${d}/link`],
      (d) => ['cat', `${d}/link`],
      (d) => ['lstat', `${d}/link`],
      (d) => ['link', `${d}/a.txt`, `${d}/hard`],
      (d) => ['cat', `${d}/hard`],
    ],
  },
  {
    name: 'errors',
    steps: [
      (d) => ['rmdir', `${d}/docs`],
      (d) => ['mkdir', `${d}/docs`],
      (d) => ['cat', `${d}/docs`],
      () => ['exit', '7'],
    ],
  },
  {
    name: 'env, args, stdin, clock, random',
    steps: [
      () => ['env'],
      () => ['env', 'GREETING'],
      () => ['args'],
      () => ['stdin'],
      () => ['clock'],
      () => ['random', '32'],
      () => ['echo', 'a', 'b'],
    ],
    stdin: 'piped input\n',
  },
];

for (const name of ['fsops-c', 'fsops-go'] as const) {
  describe(`${name} under mcpkit and under node:wasi`, () => {
    for (const script of SCRIPTS) {
      it(script.name, async () => {
        const ours = freshTree();
        const theirs = freshTree();
        const bytes = guest(name);
        const box = await sandboxFor(
          bytes,
          storagePolicy(
            [[`${ours}/**`, ['read', 'write']]],
            'environment:\n  allow:\n    - key: "GREETING"\n    - key: "LANG_CODE"\n',
          ),
          { env: ENV },
        );
        for (const step of script.steps) {
          const a = await run(box, step(ours), { stdin: script.stdin ?? '' });
          const b = await underNode(bytes, theirs, step(theirs), script.stdin ?? '');
          const norm = (s: string, d: string) => s.split(d).join('<dir>');
          assert.deepEqual(
            { code: a.code, out: norm(a.out, ours), err: norm(a.err, ours) },
            { code: b.code, out: norm(b.out, theirs), err: norm(b.err, theirs) },
            `step ${step('<dir>').join(' ')}`,
          );
        }
      });
    }
  });
}
