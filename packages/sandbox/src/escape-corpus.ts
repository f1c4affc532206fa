// The escape corpus as data, for any guest that offers file operations: a
// tree of temporary directories with a secret outside the sandbox, and the
// operations a hostile guest tries on it. Each host (preview1 commands,
// WASI 0.2 components, over MCP or not) maps the operations to its guest's
// own interface and checks that every one is refused and nothing changed.

import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ESCAPE_SECRET = 'TOP-SECRET-CONTENT';

export interface EscapeTree {
  /** The temporary root. */
  readonly root: string;
  /** Granted read and write (`<sandbox>/**`). */
  readonly sandbox: string;
  /** Granted nothing; holds `secret.txt`. */
  readonly outside: string;
  /** Granted read only; holds `ro.txt`. */
  readonly readonly: string;
}

/** The policy rules the corpus assumes, as [path glob, access]. */
export function escapeRules(t: EscapeTree): Array<[string, string[]]> {
  return [
    [`${t.sandbox}/**`, ['read', 'write']],
    [`${t.readonly}/**`, ['read']],
  ];
}

/** Build the tree: files inside, a secret outside, and symlinks that try to reach it. */
export function escapeTree(prefix = 'mcpkit-escape-'): EscapeTree {
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const sandbox = join(root, 'sandbox');
  const outside = join(root, 'outside');
  const readonly = join(root, 'readonly');
  for (const d of [sandbox, outside, readonly, join(sandbox, 'sub')]) mkdirSync(d);
  writeFileSync(join(sandbox, 'a.txt'), 'inside');
  writeFileSync(join(sandbox, '.env'), ESCAPE_SECRET);
  writeFileSync(join(outside, 'secret.txt'), ESCAPE_SECRET);
  writeFileSync(join(readonly, 'ro.txt'), 'read only');
  symlinkSync(join(outside, 'secret.txt'), join(sandbox, 'abs-link'));
  symlinkSync('../outside/secret.txt', join(sandbox, 'rel-link'));
  symlinkSync('chain2', join(sandbox, 'chain1'));
  symlinkSync('../outside', join(sandbox, 'chain2'));
  symlinkSync(outside, join(sandbox, 'dir-link'));
  symlinkSync('loop2', join(sandbox, 'loop1'));
  symlinkSync('loop1', join(sandbox, 'loop2'));
  symlinkSync('/etc', join(sandbox, 'etc-link'));
  symlinkSync(join(readonly, 'ro.txt'), join(sandbox, 'ro-link'));
  symlinkSync('sub/../../outside/secret.txt', join(sandbox, 'dotdot-link'));
  return { root, sandbox, outside, readonly };
}

export type EscapeOp =
  | { op: 'read'; path: string }
  | { op: 'list'; path: string }
  | { op: 'stat'; path: string }
  | { op: 'write'; path: string; content: string }
  | { op: 'mkdir'; path: string }
  | { op: 'remove'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'symlink'; target: string; link: string }
  | { op: 'link'; existing: string; link: string };

/** Every attempt must be refused (and must not reveal the secret). */
export function escapeAttempts(t: EscapeTree): EscapeOp[] {
  const { sandbox: sb, outside: out, readonly: ro } = t;
  return [
    // `..` out of the sandbox
    { op: 'read', path: `${sb}/../outside/secret.txt` },
    { op: 'read', path: `${sb}/sub/../../outside/secret.txt` },
    { op: 'read', path: `${sb}/../../../../../../../../etc/passwd` },
    { op: 'list', path: `${sb}/..` },
    { op: 'write', path: `${sb}/../outside/new.txt`, content: 'x' },
    // absolute paths outside every grant
    { op: 'read', path: join(out, 'secret.txt') },
    { op: 'read', path: '/etc/passwd' },
    { op: 'read', path: '/proc/self/environ' },
    { op: 'stat', path: join(out, 'secret.txt') },
    { op: 'list', path: '/' },
    // symlinks planted beforehand
    { op: 'read', path: join(sb, 'abs-link') },
    { op: 'read', path: join(sb, 'rel-link') },
    { op: 'read', path: join(sb, 'chain1', 'secret.txt') },
    { op: 'read', path: join(sb, 'dir-link', 'secret.txt') },
    { op: 'list', path: join(sb, 'dir-link') },
    { op: 'read', path: join(sb, 'dotdot-link') },
    { op: 'read', path: join(sb, 'etc-link', 'passwd') },
    { op: 'read', path: join(sb, 'loop1') },
    { op: 'write', path: join(sb, 'abs-link'), content: 'overwrite' },
    { op: 'write', path: join(sb, 'ro-link'), content: 'changed' },
    // symlinks and hard links the guest makes
    { op: 'symlink', target: join(out, 'secret.txt'), link: join(sb, 'planted') },
    { op: 'symlink', target: '../outside/secret.txt', link: join(sb, 'planted2') },
    { op: 'symlink', target: '/etc/passwd', link: join(sb, 'planted3') },
    { op: 'link', existing: join(out, 'secret.txt'), link: join(sb, 'hl') },
    { op: 'link', existing: '/etc/passwd', link: join(sb, 'hl2') },
    { op: 'link', existing: join(ro, 'ro.txt'), link: join(sb, 'hl3') },
    // renames across the boundary
    { op: 'rename', from: join(sb, 'a.txt'), to: join(out, 'stolen.txt') },
    { op: 'rename', from: join(out, 'secret.txt'), to: join(sb, 'got.txt') },
    { op: 'rename', from: join(sb, 'a.txt'), to: join(ro, 'moved.txt') },
    { op: 'rename', from: join(ro, 'ro.txt'), to: join(sb, 'moved.txt') },
    // changes outside, and to a read-only grant
    { op: 'mkdir', path: join(out, 'd') },
    { op: 'remove', path: join(out, 'secret.txt') },
    { op: 'write', path: join(ro, 'ro.txt'), content: 'x' },
    { op: 'remove', path: join(ro, 'ro.txt') },
    // dotfiles are not matched by `**`
    { op: 'read', path: join(sb, '.env') },
    // absurd paths
    { op: 'read', path: `${sb}/${'a/'.repeat(3000)}x` },
  ];
}

/** What must still hold after the attempts: nothing outside changed, nothing planted inside. */
export function escapeDamage(t: EscapeTree): string[] {
  const problems: string[] = [];
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  if (read(join(t.outside, 'secret.txt')) !== ESCAPE_SECRET) problems.push('the secret changed');
  if (read(join(t.readonly, 'ro.txt')) !== 'read only') problems.push('the read-only file changed');
  if (read(join(t.sandbox, 'a.txt')) !== 'inside') problems.push('a.txt was moved away');
  for (const f of ['new.txt', 'stolen.txt', 'd'])
    if (exists(join(t.outside, f))) problems.push(`outside/${f} appeared`);
  for (const f of ['planted', 'planted2', 'planted3', 'hl', 'hl2', 'hl3', 'got.txt', 'moved.txt'])
    if (exists(join(t.sandbox, f))) problems.push(`sandbox/${f} appeared`);
  if (exists(join(t.readonly, 'moved.txt'))) problems.push('readonly/moved.txt appeared');
  return problems;
}

/** Is there anything at `p` (a dangling symlink included)? */
function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
