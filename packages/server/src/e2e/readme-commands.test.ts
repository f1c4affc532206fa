// The examples' READMEs work as written: every `$ command` in a ```console
// block runs, in the README's directory, and prints the lines below it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { EXAMPLES, ROOT, tempDir } from '../testing.js';

interface Example {
  readme: string;
  command: string;
  output: string;
}

function readmes(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? readmes(join(dir, e.name))
      : e.name === 'README.md'
        ? [join(dir, e.name)]
        : [],
  );
}

function examplesOf(readme: string): Example[] {
  const out: Example[] = [];
  for (const block of readFileSync(readme, 'utf8').matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    let current: Example | undefined;
    for (const line of block[1]!.split('\n')) {
      if (line.startsWith('$ ')) {
        current = { readme, command: line.slice(2), output: '' };
        out.push(current);
      } else if (current) current.output += `${line}\n`;
    }
  }
  return out;
}

const all = readmes(EXAMPLES).flatMap(examplesOf);

describe('the commands in the examples’ READMEs', () => {
  it('there are some', () => assert.ok(all.length >= 6, `${all.length} found`));
  for (const ex of all) {
    it(`${relative(ROOT, ex.readme)}: ${ex.command}`, () => {
      const r = spawnSync('bash', ['-c', ex.command], {
        cwd: dirname(ex.readme),
        encoding: 'utf8',
        env: { ...process.env, MCPKIT_DATA_DIR: tempDir('mcpkit-readme-data-') },
        timeout: 60_000,
      });
      assert.equal(r.stdout.trimEnd(), ex.output.trimEnd(), r.stderr);
    });
  }
});
