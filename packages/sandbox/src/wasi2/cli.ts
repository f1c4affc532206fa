// wasi:cli: arguments, the environment the policy allows, exit, the call's
// stdio buffers, and no terminals.

import type { CompiledPolicy } from '@mcpkit/wasm-policy';
import { ProcExit } from '../wasi/aborts.js';
import type { InputBuffer, OutputBuffer } from '../wasi/stdio.js';
import { type Context, guardClass, guardFunction } from './context.js';
import type { Io } from './io.js';

export interface CliOptions {
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  stdin: InputBuffer;
  stdout: OutputBuffer;
  stderr: OutputBuffer;
  /** Remembers the status the guest exits with. */
  onExit: (code: number) => void;
}

/** The candidate environment reduced to the keys the policy allows. */
export function allowedEnvironment(
  policy: CompiledPolicy,
  env: Readonly<Record<string, string>>,
): Array<[string, string]> {
  return Object.entries(env).filter(
    ([k, v]) =>
      typeof v === 'string' &&
      k.length > 0 &&
      !k.includes('=') &&
      !k.includes('\0') &&
      policy.decideEnv(k).allowed,
  );
}

export function createCli(
  ctx: Context,
  io: Io,
  options: CliOptions,
): Record<string, Record<string, unknown>> {
  const environment = allowedEnvironment(ctx.policy, options.env);
  const args = [...options.args];

  const exit = (code: number): never => {
    options.onExit(code);
    throw new ProcExit(code);
  };

  class TerminalInput {
    constructor() {
      throw new TypeError('this host has no terminals');
    }
  }
  class TerminalOutput {
    constructor() {
      throw new TypeError('this host has no terminals');
    }
  }
  guardClass(ctx, TerminalInput);
  guardClass(ctx, TerminalOutput);

  const none = () => undefined;
  const f = <A extends unknown[], R>(fn: (...a: A) => R) => guardFunction(ctx, fn);

  return {
    'wasi:cli/environment': {
      getEnvironment: f(() => environment.map(([k, v]) => [k, v] as [string, string])),
      getArguments: f(() => [...args]),
      initialCwd: f(none),
    },
    'wasi:cli/exit': {
      exit: f((status: { tag: 'ok' | 'err' }) => exit(status?.tag === 'ok' ? 0 : 1)),
      exitWithCode: f((code: number) => exit(code & 0xff)),
    },
    'wasi:cli/stdin': {
      getStdin: f(() =>
        io.inputStream({
          read(max) {
            if (options.stdin.remaining === 0) return undefined;
            const buf = new Uint8Array(Math.min(max, options.stdin.remaining));
            return buf.subarray(0, options.stdin.read(buf));
          },
        }),
      ),
    },
    'wasi:cli/stdout': {
      getStdout: f(() => io.outputStream({ write: (data) => options.stdout.write(data) })),
    },
    'wasi:cli/stderr': {
      getStderr: f(() => io.outputStream({ write: (data) => options.stderr.write(data) })),
    },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: f(none) },
    'wasi:cli/terminal-stdout': { getTerminalStdout: f(none) },
    'wasi:cli/terminal-stderr': { getTerminalStderr: f(none) },
  };
}
