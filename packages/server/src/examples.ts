// `mcpkit serve --examples` (what `npm start` runs): the example tools of the
// repository, with the file system tool granted read access to examples/data
// and nothing else, and a component that tells the time. Works offline.

import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir } from './store.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The examples' store, one per checkout: grants made to one checkout's
 * example tools must not apply to another's (each has its own examples/data).
 */
export function examplesDataDir(root = ROOT): string {
  const key = createHash('sha256').update(realpathSync(root)).digest('hex').slice(0, 16);
  return join(defaultDataDir(), 'examples', key);
}

export const EXAMPLE_COMPONENTS = [
  'fs-tool/fs-tool.wasm',
  'calculator/calculator.wasm',
  'hash/hash.wasm',
  'echo/echo.wasm',
  // A WebAssembly component (JavaScript, WASI 0.2): transpiled on first start, then cached.
  'components/time-js/time-js.wasm',
];

export function examplesServeOptions() {
  const examples = join(ROOT, 'examples');
  if (!existsSync(examples))
    throw new Error(
      `the examples are not here (${examples}); --examples works from a checkout of the repository`,
    );
  const data = join(examples, 'data');
  return {
    components: EXAMPLE_COMPONENTS.map((p) => join(examples, p)).filter((p) => existsSync(p)),
    allowDirs: [data],
    dataDir: examplesDataDir(),
    policyFile: undefined as string | undefined,
    grants: [
      {
        component: 'fs-tool',
        fragment: { storage: { allow: [{ uri: `fs://${data}`, access: ['read'] }] } },
      },
    ],
  };
}
