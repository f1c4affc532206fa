// The server's test guests, copied into a directory of the test's own with
// the policy it needs beside them.

import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../testing.js';

const GUESTS = join(ROOT, 'packages', 'server', 'test', 'guests');
const FIXTURE = join(ROOT, 'packages', 'server', 'test', 'conformance', 'conformance.wasm');

/** Transpiled components, cached across test runs (keyed by digest and jco version). */
export const COMPONENT_CACHE = join(ROOT, 'node_modules', '.cache', 'mcpkit-components');

/** The catalog module (prompts, resources, templates, completions; see its catalog.c). */
export function catalogGuest(dir: string, policy?: string): string {
  const to = join(dir, 'catalog');
  mkdirSync(to, { recursive: true });
  for (const f of ['catalog.wasm', 'catalog.tools.json', 'policy.yaml'])
    cpSync(join(GUESTS, 'catalog', f), join(to, f));
  if (policy !== undefined) writeFileSync(join(to, 'policy.yaml'), policy);
  return join(to, 'catalog.wasm');
}

/** ask-js, the component that asks for grants and reads its environment (its policy grants nothing unless given one). */
export function askGuest(dir: string, policy?: string): string {
  const to = join(dir, 'ask-js');
  mkdirSync(to, { recursive: true });
  cpSync(join(GUESTS, 'ask-js', 'ask-js.wasm'), join(to, 'ask-js.wasm'));
  cpSync(join(GUESTS, 'ask-js', 'wit'), join(to, 'wit'), { recursive: true });
  writeFileSync(join(to, 'policy.yaml'), policy ?? 'version: "1.0"\n');
  return join(to, 'ask-js.wasm');
}

/** The conformance suite's fixture component, with `policy` beside it. */
export function conformanceFixture(dir: string, policy: string): string {
  const to = join(dir, 'conformance');
  mkdirSync(to, { recursive: true });
  cpSync(FIXTURE, join(to, 'conformance.wasm'));
  writeFileSync(join(to, 'policy.yaml'), policy);
  return join(to, 'conformance.wasm');
}

/** `wasm` copied to `<dir>/<name>/<name>.wasm`, with `policy` beside it as policy.yaml. */
export function guestWithPolicy(dir: string, name: string, wasm: string, policy: string): string {
  mkdirSync(join(dir, name), { recursive: true });
  const to = join(dir, name, `${name}.wasm`);
  cpSync(wasm, to);
  writeFileSync(join(dir, name, 'policy.yaml'), policy);
  return to;
}
