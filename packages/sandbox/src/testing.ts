// Shared by this package's tests: the committed guests, temporary trees,
// policies from YAML, and WAT assembled by wabt.

import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PolicyDocument, readPolicy } from '@mcpkit/wasm-policy';
import wabtInit from 'wabt';
import { type RunOptions, type RunResult, Sandbox, type SandboxOptions } from './sandbox.js';

export const GUESTS = new URL('../test/guests/', import.meta.url);

export function guest(
  name: 'fsops-c' | 'fsops-go' | 'fsops-as' | 'alloc-c' | 'limits-component',
): Uint8Array {
  return readFileSync(new URL(`${name}.wasm`, GUESTS));
}

export function tempDir(prefix = 'mcpkit-sandbox-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

export function policy(yaml: string): PolicyDocument {
  const r = readPolicy(yaml);
  if (!r.document) throw new Error(`test policy is invalid: ${JSON.stringify(r.diagnostics)}`);
  return r.document;
}

export function storagePolicy(rules: Array<[string, string[]]>, extra = ''): PolicyDocument {
  const allow = rules
    .map(([uri, access]) => `    - uri: "fs://${uri}"\n      access: [${access.join(', ')}]`)
    .join('\n');
  return policy(`version: "1.0"\nstorage:\n  allow:\n${allow}\n${extra}`);
}

const decoder = new TextDecoder();

export interface Ran {
  code: number;
  out: string;
  err: string;
  result: RunResult;
}

export async function sandboxFor(
  bytes: Uint8Array,
  p: PolicyDocument,
  options: Partial<SandboxOptions> = {},
): Promise<Sandbox> {
  return Sandbox.create({ id: 'test', bytes, policy: p, isolation: 'inline', ...options });
}

/** Run a guest command; the program name is `fsops`. */
export async function run(sb: Sandbox, args: string[], options: RunOptions = {}): Promise<Ran> {
  const result = await sb.run({ program: 'fsops', args, ...options });
  return {
    code: result.exitCode,
    out: decoder.decode(result.stdout),
    err: decoder.decode(result.stderr),
    result,
  };
}

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

/** Assemble WAT text into a module binary (with more wabt features when asked). */
export async function wat(
  text: string,
  features: Record<string, boolean> = {},
): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const m = wabt.parseWat('test.wat', text, { bulk_memory: true, multi_value: true, ...features });
  try {
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}
