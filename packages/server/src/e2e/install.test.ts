// Installing the CLI as the README says: the packed packages installed
// globally (into a prefix of the test's own) give a working `mcpkit`, and so
// does a global install of the checkout's server package.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { example, ROOT, tempDir } from '../testing.js';

function run(command: string, args: string[], cwd = ROOT) {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error', MCPKIT_DATA_DIR: tempDir() },
    timeout: 180_000,
  });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function works(bin: string): void {
  assert.match(run(bin, ['--version']), /^\d+\.\d+\.\d+/);
  const out = run(bin, [
    'tool',
    'call',
    'add',
    '--component',
    example('calculator'),
    '--args',
    '{"a":2,"b":40}',
  ]);
  assert.equal(out.trim(), '42');
}

describe('installing the CLI', () => {
  it('npm run pack makes packages that install globally and run', () => {
    const dest = tempDir('mcpkit-pack-');
    run('npm', [
      'pack',
      '--silent',
      '-w',
      '@mcpkit/wasm-policy',
      '-w',
      '@mcpkit/sandbox',
      '-w',
      '@mcpkit/server',
      '--pack-destination',
      dest,
    ]);
    const tarballs = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
    assert.equal(tarballs.length, 3, tarballs.join(', '));
    const prefix = tempDir('mcpkit-global-');
    run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', ...tarballs], dest);
    works(join(prefix, 'bin', 'mcpkit'));
  });

  it('npm install -g ./packages/server gives a working mcpkit', () => {
    const prefix = tempDir('mcpkit-global-');
    run('npm', [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      './packages/server',
    ]);
    works(join(prefix, 'bin', 'mcpkit'));
  });
});
