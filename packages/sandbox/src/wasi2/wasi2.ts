// The project's own WASI 0.2 host for components transpiled by jco
// (instantiation mode 'sync'): every interface the glue asks for, each
// deciding through the compiled policy before it touches the host. Nothing is
// granted by default.

import type { CompiledPolicy } from '@mcpkit/wasm-policy';
import type { EgressRequest, EgressResponse } from '../egress.js';
import { UnsupportedImportsError } from '../errors.js';
import type { StorageGate } from '../storage-gate.js';
import type { ViolationListener } from '../violation.js';
import { InputBuffer, OutputBuffer } from '../wasi/stdio.js';
import { createCli } from './cli.js';
import { createClocks, createRandom } from './clocks.js';
import { createConfig } from './config.js';
import { Context } from './context.js';
import { createFilesystem } from './filesystem.js';
import { createHttp } from './http.js';
import { createIo } from './io.js';
import { createSockets } from './sockets.js';

export interface Wasi2Options {
  /** Id of the component, for violations. */
  component: string;
  policy: CompiledPolicy;
  gate: StorageGate;
  args: readonly string[];
  /** Candidate environment; only keys `policy.decideEnv` allows are visible. */
  env: Readonly<Record<string, string>>;
  stdin: Uint8Array;
  /** Bytes per stream; exceeding throws OutputLimitExceeded (ends the call). */
  maxOutput: number;
  onStderr?: (chunk: Uint8Array) => void;
  onViolation?: ViolationListener;
  /** Checked at every host call; true throws Cancelled. */
  cancelled?: () => boolean;
  /**
   * Perform an HTTP request through the egress service (policy, DNS pinning,
   * redirects, caps), synchronously; throws EgressError. Absent: no network at all.
   */
  http?: (request: EgressRequest) => EgressResponse;
  /**
   * The interfaces the glue imports (jco's `imports` list, with or without
   * versions). A `wasi:` interface among them that this host does not
   * provide throws UnsupportedImportsError naming it; other namespaces are
   * the embedder's.
   */
  required?: readonly string[];
}

export interface Wasi2 {
  /** Everything the glue asks for, by unversioned interface name. */
  readonly imports: Record<string, Record<string, unknown>>;
  readonly stdout: OutputBuffer;
  readonly stderr: OutputBuffer;
  /** Set when the guest called wasi:cli/exit. */
  exitCode(): number | undefined;
  /** Close host resources (open file descriptors) after the call. */
  dispose(): void;
}

/**
 * Every interface provided, unversioned: jco's glue looks imports up by
 * `namespace:package/interface` without the version, so one set serves every 0.2.x.
 */
export const WASI2_INTERFACES: readonly string[] = Object.freeze([
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/stderr',
  'wasi:cli/terminal-input',
  'wasi:cli/terminal-output',
  'wasi:cli/terminal-stdin',
  'wasi:cli/terminal-stdout',
  'wasi:cli/terminal-stderr',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:config/store',
  'wasi:filesystem/types',
  'wasi:filesystem/preopens',
  'wasi:http/types',
  'wasi:http/outgoing-handler',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:random/random',
  'wasi:random/insecure',
  'wasi:random/insecure-seed',
  'wasi:sockets/network',
  'wasi:sockets/instance-network',
  'wasi:sockets/tcp',
  'wasi:sockets/tcp-create-socket',
  'wasi:sockets/udp',
  'wasi:sockets/udp-create-socket',
  'wasi:sockets/ip-name-lookup',
]);

const PROVIDED = new Set(WASI2_INTERFACES);
const VERSION = /@(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$/;

/**
 * The `wasi:` interfaces among `names` that this host does not provide: not
 * in WASI2_INTERFACES, or of a version other than 0.2.x.
 */
export function unsupportedInterfaces(names: readonly string[]): string[] {
  return names.filter((name) => {
    if (!name.startsWith('wasi:')) return false;
    const v = VERSION.exec(name);
    const base = v ? name.slice(0, v.index) : name;
    if (v && !(v[1] === '0' && v[2] === '2')) return true;
    return !PROVIDED.has(base);
  });
}

export function createWasi2(options: Wasi2Options): Wasi2 {
  if (options.required) {
    const missing = unsupportedInterfaces(options.required);
    if (missing.length > 0) {
      throw new UnsupportedImportsError(`component \`${options.component}\``, missing);
    }
  }
  const ctx = new Context({
    component: options.component,
    policy: options.policy,
    gate: options.gate,
    onViolation: options.onViolation,
    cancelled: options.cancelled,
  });
  const stdout = new OutputBuffer('stdout', options.maxOutput);
  const stderr = new OutputBuffer('stderr', options.maxOutput, options.onStderr);
  let exitCode: number | undefined;

  const io = createIo(ctx);
  const fs = createFilesystem(ctx, io);
  const imports: Record<string, Record<string, unknown>> = {
    ...io.imports,
    ...fs.imports,
    ...createCli(ctx, io, {
      args: options.args,
      env: options.env,
      stdin: new InputBuffer(options.stdin),
      stdout,
      stderr,
      onExit: (code) => {
        exitCode = code;
      },
    }),
    ...createClocks(ctx, io),
    ...createConfig(ctx, options.env),
    ...createRandom(ctx),
    ...createSockets(ctx),
    ...createHttp(ctx, io, options.http),
  };
  for (const name of WASI2_INTERFACES) {
    if (!imports[name]) throw new Error(`WASI 0.2 interface ${name} is missing`);
    Object.freeze(imports[name]);
  }

  return {
    imports: Object.freeze(imports),
    stdout,
    stderr,
    exitCode: () => exitCode,
    dispose: () => fs.dispose(),
  };
}
