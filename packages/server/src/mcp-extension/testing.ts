// Shared by the tests of this folder: wasm-policy's fixtures, and reading
// policy text with the `mcp` extension registered.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  type Diagnostic,
  ExtensionRegistry,
  type ReadResult,
  readPolicy,
} from '@mcpkit/wasm-policy';
import { CompiledMcp } from './compiled.js';
import { mcpExtension } from './extension.js';
import type { McpSection } from './model.js';

export function registry(): ExtensionRegistry {
  return new ExtensionRegistry([mcpExtension]);
}

/** A fixture of wasm-policy's tests (read as data, from the package's test folder). */
export function policyFixture(name: string): string {
  return readFileSync(
    new URL(`../../../wasm-policy/test/fixtures/${name}`, import.meta.url),
    'utf8',
  );
}

export function read(text: string): ReadResult {
  return readPolicy(text, { file: 'p.yaml', registry: registry() });
}

export function errors(text: string): Diagnostic[] {
  return read(text).diagnostics.filter((d) => d.severity === 'error');
}

export function warnings(text: string): Diagnostic[] {
  return read(text).diagnostics.filter((d) => d.severity === 'warning');
}

/** The `mcp` section of policy text that must have no errors. */
export function section(text: string): McpSection {
  const r = read(text);
  const errs = r.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errs, [], 'the policy has errors');
  return r.document!.extensions.mcp as McpSection;
}

export function compiled(text: string): CompiledMcp {
  return new CompiledMcp(section(text));
}

/** A policy document around an `mcp:` section given as YAML lines (indented by two). */
export function policy(...mcpLines: string[]): string {
  return ['version: "1.0"', 'mcp:', ...mcpLines.map((l) => `  ${l}`), ''].join('\n');
}
