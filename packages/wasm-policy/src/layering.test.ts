// The arrow only points down: server -> sandbox -> wasm-policy.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

const packages = new URL('../../', import.meta.url).pathname;

function imports(pkg: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|js)$/.test(e.name)) {
        for (const m of readFileSync(p, 'utf8').matchAll(
          /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g,
        ))
          out.push(`${p}: ${m[1]}`);
      }
    }
  };
  walk(join(packages, pkg, 'src'));
  return out;
}

function deps(pkg: string): string[] {
  const json = JSON.parse(readFileSync(join(packages, pkg, 'package.json'), 'utf8'));
  return Object.keys({
    ...json.dependencies,
    ...json.peerDependencies,
    ...json.optionalDependencies,
  });
}

it('wasm-policy imports neither sandbox nor server', () => {
  const bad = imports('wasm-policy').filter((i) =>
    /@mcpkit\/(sandbox|server)|packages\/(sandbox|server)|\.\.\/\.\.\/(sandbox|server)/.test(i),
  );
  assert.deepEqual(bad, []);
  assert.deepEqual(
    deps('wasm-policy').filter((d) => d.startsWith('@mcpkit/')),
    [],
  );
});

it('sandbox does not import server', () => {
  const bad = imports('sandbox').filter((i) =>
    /@mcpkit\/server|packages\/server|\.\.\/\.\.\/server/.test(i),
  );
  assert.deepEqual(bad, []);
  assert.deepEqual(
    deps('sandbox').filter((d) => d.startsWith('@mcpkit/')),
    ['@mcpkit/wasm-policy'],
  );
});

it('wasm-policy knows nothing of MCP or of a runtime', () => {
  const bad = imports('wasm-policy').filter((i) =>
    /@modelcontextprotocol|worker_threads|node:wasi|undici/.test(i),
  );
  assert.deepEqual(bad, []);
});
