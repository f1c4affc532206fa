// `mcpkit run <module.wasm> [--policy file] [-- args...]`: any WASI command
// module under a policy, stdin/stdout/exit code passed through, like
// `wasmtime run` with a policy.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Sandbox, type SandboxError, WorkerPool } from '@mcpkit/sandbox';
import {
  type Diagnostic,
  emptyPolicy,
  loadPolicyFile,
  mergePolicies,
  type PolicyDocument,
} from '@mcpkit/wasm-policy';
import { explainViolations, RUN_REMEDY } from '../explain.js';
import { serverPolicyFrom, serverRegistry } from '../policies.js';

export interface RunCommandOptions {
  policyFile?: string;
  allowDirs?: readonly string[];
  allowHosts?: readonly string[];
  allowEnv?: readonly string[];
  args?: readonly string[];
  /** argv[0] (default: the module's path as given). */
  argv0?: string;
  stdin?: Uint8Array;
  env?: Readonly<Record<string, string>>;
  onStdout?: (chunk: Uint8Array) => void;
  onStderr?: (chunk: Uint8Array) => void;
}

export interface RunCommandResult {
  exitCode: number;
  stdout: Uint8Array;
  /** Set when the run failed (trap, deadline, limits): a message for stderr. */
  error?: string;
  denied?: string;
  diagnostics: readonly Diagnostic[];
}

export async function runModule(
  wasm: string,
  options: RunCommandOptions,
): Promise<RunCommandResult> {
  const registry = serverRegistry();
  let policy: PolicyDocument = emptyPolicy('mcpkit run');
  let diagnostics: readonly Diagnostic[] = [];
  if (options.policyFile) {
    const r = await loadPolicyFile(options.policyFile, { registry });
    diagnostics = r.diagnostics;
    if (!r.document) return { exitCode: 2, stdout: new Uint8Array(), diagnostics };
    policy = r.document;
  }
  const flags = serverPolicyFrom({
    allowDirs: (options.allowDirs ?? []).map((d) => resolve(d)),
    allowHosts: options.allowHosts ?? [],
    registry,
  });
  policy = mergePolicies(policy, flags, registry);
  if (options.allowEnv?.length) {
    const env = serverPolicyFrom({
      text: `version: "1.0"\nenvironment:\n  allow:\n${options.allowEnv.map((k) => `    - key: ${JSON.stringify(k)}`).join('\n')}\n`,
      registry,
    });
    policy = mergePolicies(policy, env, registry);
  }
  const bytes = await readFile(resolve(wasm));
  const pool = new WorkerPool({ size: 1 });
  try {
    const sandbox = await Sandbox.create({
      id: 'run',
      name: wasm,
      bytes,
      policy,
      pool,
      env: options.env ?? {},
    });
    try {
      const r = await sandbox.run({
        program: options.argv0 ?? wasm,
        args: options.args ?? [],
        stdin: options.stdin ?? new Uint8Array(),
        ...(options.onStderr ? { onStderr: options.onStderr } : {}),
      });
      options.onStdout?.(r.stdout);
      return {
        exitCode: r.exitCode,
        stdout: r.stdout,
        diagnostics,
        ...(r.violations.length ? { denied: explainViolations(r.violations, RUN_REMEDY) } : {}),
      };
    } catch (error) {
      const e = error as SandboxError;
      if (typeof e.code !== 'string') throw error;
      if (e.outcome) options.onStdout?.(e.outcome.stdout);
      return {
        exitCode: e.code === 'deadline' ? 124 : 125,
        stdout: e.outcome?.stdout ?? new Uint8Array(),
        error: e.message,
        diagnostics,
        ...(e.outcome?.violations.length
          ? { denied: explainViolations(e.outcome.violations, RUN_REMEDY) }
          : {}),
      };
    }
  } finally {
    await pool.close();
  }
}
