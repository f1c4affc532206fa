// The project's own wasi_snapshot_preview1: all 46 functions, each deciding
// through the compiled policy before it touches the host. Not node:wasi,
// which its own documentation says is not a sandbox.

import { randomFillSync } from 'node:crypto';
import type { CompiledPolicy } from '@mcpkit/wasm-policy';
import type { StorageGate } from '../storage-gate.js';
import type { ViolationListener } from '../violation.js';
import { Cancelled, ProcExit, Unsettled } from './aborts.js';
import { nowNs, RESOLUTION_NS } from './clock.js';
import { ALL_RIGHTS, CLOCK, DIRECTORY_RIGHTS, ERRNO, RIGHTS } from './constants.js';
import { guarded, WasiContext } from './context.js';
import { utf8Encoder } from './memory.js';
import { pollFunctions } from './poll.js';
import { fdFunctions } from './preview1-fd.js';
import { pathFunctions } from './preview1-path.js';
import { InputBuffer, OutputBuffer } from './stdio.js';

export const WASI_MODULE = 'wasi_snapshot_preview1';

/** Every function of wasi_snapshot_preview1, in the order of the specification. */
export const PREVIEW1_FUNCTIONS = Object.freeze([
  'args_get',
  'args_sizes_get',
  'environ_get',
  'environ_sizes_get',
  'clock_res_get',
  'clock_time_get',
  'fd_advise',
  'fd_allocate',
  'fd_close',
  'fd_datasync',
  'fd_fdstat_get',
  'fd_fdstat_set_flags',
  'fd_fdstat_set_rights',
  'fd_filestat_get',
  'fd_filestat_set_size',
  'fd_filestat_set_times',
  'fd_pread',
  'fd_prestat_get',
  'fd_prestat_dir_name',
  'fd_pwrite',
  'fd_read',
  'fd_readdir',
  'fd_renumber',
  'fd_seek',
  'fd_sync',
  'fd_tell',
  'fd_write',
  'path_create_directory',
  'path_filestat_get',
  'path_filestat_set_times',
  'path_link',
  'path_open',
  'path_readlink',
  'path_remove_directory',
  'path_rename',
  'path_symlink',
  'path_unlink_file',
  'poll_oneoff',
  'proc_exit',
  'proc_raise',
  'sched_yield',
  'random_get',
  'sock_accept',
  'sock_recv',
  'sock_send',
  'sock_shutdown',
] as const);

/** What one call gives the guest; set with `bind` before `_start`. */
export interface WasiCall {
  /** argv, the program name first. */
  args: readonly string[];
  /** Candidate environment; only keys the policy allows reach the guest. */
  env: Readonly<Record<string, string>>;
  stdin: Uint8Array;
  onStderr?: ((chunk: Uint8Array) => void) | undefined;
  cancelled?: (() => boolean) | undefined;
}

export interface WasiOptions extends Partial<WasiCall> {
  policy: CompiledPolicy;
  gate: StorageGate;
  maxOutput: number;
  onViolation?: ViolationListener | undefined;
  /**
   * For a trial run: only host calls that stay in memory (arguments,
   * environment, clocks, random bytes, stdio) are made; any other ends the
   * run with `Unsettled` before it touches anything.
   */
  trial?: boolean;
}

export interface Wasi {
  readonly imports: Record<string, (...args: never[]) => number>;
  readonly stdout: OutputBuffer;
  readonly stderr: OutputBuffer;
  readonly context: WasiContext;
  /** Give the host functions the guest's memory once it is instantiated. */
  attach(memory: WebAssembly.Memory): void;
  /**
   * Set this call's arguments, environment and input. A host made ahead of
   * the call (an instance prepared in advance) is bound once, before `_start`.
   */
  bind(call: WasiCall): void;
  /**
   * Back to as made, for another call of an instance whose memory was
   * restored: files the guest left open closed, the descriptor table as at
   * the start, new empty output. `bind` again before the call.
   */
  reset(): void;
}

function encodeList(items: readonly string[]): { bytes: Uint8Array[]; size: number } {
  const bytes = items.map((s) => utf8Encoder.encode(`${s}\0`));
  return { bytes, size: bytes.reduce((a, b) => a + b.length, 0) };
}

export function createWasi(options: WasiOptions): Wasi {
  const ctx = new WasiContext(options.policy, options.gate, options.onViolation);
  let stdout: OutputBuffer;
  let stderr: OutputBuffer;
  const input = new InputBuffer(new Uint8Array(0));
  /** The descriptors a guest starts with: stdio, then the preopens; new, empty output. */
  const open = () => {
    ctx.files.closeAll();
    ctx.fds.clear();
    stdout = new OutputBuffer('stdout', options.maxOutput);
    stderr = new OutputBuffer('stderr', options.maxOutput);
    input.reset(new Uint8Array(0));
    ctx.fds.add({
      kind: 'stdin',
      input,
      rightsBase: RIGHTS.FD_READ | RIGHTS.FD_FILESTAT_GET | RIGHTS.POLL_FD_READWRITE,
      rightsInheriting: 0n,
    });
    for (const output of [stdout, stderr]) {
      ctx.fds.add({
        kind: output.stream,
        output,
        rightsBase:
          RIGHTS.FD_WRITE |
          RIGHTS.FD_FILESTAT_GET |
          RIGHTS.POLL_FD_READWRITE |
          RIGHTS.FD_FDSTAT_SET_FLAGS,
        rightsInheriting: 0n,
      });
    }
    for (const root of options.gate.roots) {
      ctx.fds.add({
        kind: 'dir',
        real: root.real,
        preopen: root,
        isPreopen: true,
        rightsBase: DIRECTORY_RIGHTS,
        rightsInheriting: ALL_RIGHTS,
      });
    }
  };
  open();

  const mem = ctx.memory;
  // Filled in by bind(): what this call's guest sees.
  const args = { bytes: [] as Uint8Array[], size: 0 };
  const environ = { bytes: [] as Uint8Array[], size: 0 };
  let cancelled: () => boolean = () => false;
  const bind = (call: WasiCall) => {
    Object.assign(args, encodeList(call.args));
    const env = Object.entries(call.env)
      .filter(([k]) => !k.includes('=') && !k.includes('\0') && options.policy.decideEnv(k).allowed)
      .map(([k, v]) => `${k}=${v}`);
    Object.assign(environ, encodeList(env));
    input.reset(call.stdin);
    stderr.onData = call.onStderr;
    cancelled = call.cancelled ?? (() => false);
  };
  if (options.args) {
    bind({
      args: options.args,
      env: options.env ?? {},
      stdin: options.stdin ?? new Uint8Array(0),
      onStderr: options.onStderr,
      cancelled: options.cancelled,
    });
  }

  const listGet = (list: { bytes: Uint8Array[] }) =>
    guarded((ptrs: number, buf: number) => {
      let at = buf;
      list.bytes.forEach((b, i) => {
        mem.setU32(ptrs + i * 4, at);
        mem.write(at, b);
        at += b.length;
      });
      return ERRNO.SUCCESS;
    });
  const sizesGet = (list: { bytes: Uint8Array[]; size: number }) =>
    guarded((countPtr: number, sizePtr: number) => {
      mem.setU32(countPtr, list.bytes.length);
      mem.setU32(sizePtr, list.size);
      return ERRNO.SUCCESS;
    });

  const notSocket = guarded((fd: number) => (ctx.fd(fd) ? ERRNO.NOTSOCK : ERRNO.BADF));

  const own: Record<string, (...args: never[]) => number> = {
    args_get: listGet(args),
    args_sizes_get: sizesGet(args),
    environ_get: listGet(environ),
    environ_sizes_get: sizesGet(environ),

    clock_res_get: guarded((id: number, out: number) => {
      if (id > CLOCK.THREAD_CPUTIME) return ERRNO.INVAL;
      mem.setU64(out, id === CLOCK.MONOTONIC ? 1n : RESOLUTION_NS);
      return ERRNO.SUCCESS;
    }),
    clock_time_get: guarded((id: number, _precision: bigint, out: number) => {
      if (id > CLOCK.THREAD_CPUTIME) return ERRNO.INVAL;
      mem.setU64(out, nowNs(id));
      return ERRNO.SUCCESS;
    }),

    random_get: guarded((buf: number, len: number) => {
      const view = mem.view(buf, len);
      for (let at = 0; at < view.length; at += 65536)
        randomFillSync(view, at, Math.min(65536, view.length - at));
      return ERRNO.SUCCESS;
    }),

    proc_exit: (code: number) => {
      throw new ProcExit(code >>> 0);
    },
    proc_raise: guarded(() => ERRNO.NOSYS),
    sched_yield: guarded(() => ERRNO.SUCCESS),

    sock_accept: guarded((fd: number) => (ctx.fd(fd) ? ERRNO.NOTSOCK : ERRNO.BADF)),
    sock_recv: notSocket,
    sock_send: notSocket,
    sock_shutdown: notSocket,

    ...fdFunctions(ctx),
    ...pathFunctions(ctx),
    ...pollFunctions(ctx),
  };

  // Cancellation is noticed at the guest's next host call.
  const enter = () => {
    if (cancelled()) throw new Cancelled();
  };
  const imports: Record<string, (...args: never[]) => number> = {};
  for (const name of PREVIEW1_FUNCTIONS) {
    const fn = own[name] as (...args: unknown[]) => number;
    if (!fn) throw new Error(`preview1 function ${name} is missing`);
    const inMemory = options.trial ? trialCheck(name, ctx) : undefined;
    imports[name] =
      inMemory === undefined
        ? guarded(fn, enter)
        : (((...a: unknown[]) => {
            if (!inMemory(a)) throw new Unsettled(name);
            return fn(...a);
          }) as (...args: never[]) => number);
  }
  return {
    imports,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    context: ctx,
    attach: (memory) => mem.attach(memory),
    bind,
    reset: open,
  };
}

/** Calls a trial run may make whatever their arguments: they only read or write memory. */
const TRIAL_ALWAYS = new Set([
  'args_get',
  'args_sizes_get',
  'environ_get',
  'environ_sizes_get',
  'clock_res_get',
  'clock_time_get',
  'proc_exit',
  'proc_raise',
  'sched_yield',
  'sock_accept',
  'sock_recv',
  'sock_send',
  'sock_shutdown',
  'fd_prestat_get',
  'fd_prestat_dir_name',
]);
/** Most random bytes a trial run may ask for in one call. */
const TRIAL_RANDOM_BYTES = 64 * 1024;

/**
 * Whether a call to `name` with these arguments stays in memory. `fd_*`
 * calls do when their descriptors are stdio or not open (an errno);
 * path calls and `poll_oneoff` (which may sleep) never do.
 */
function trialCheck(name: string, ctx: WasiContext): (args: unknown[]) => boolean {
  if (TRIAL_ALWAYS.has(name)) return () => true;
  if (name === 'random_get') return (a) => (a[1] as number) >>> 0 <= TRIAL_RANDOM_BYTES;
  if (name.startsWith('fd_')) {
    const stdio = (fd: unknown) => {
      const e = ctx.fd(fd as number);
      return !e || e.kind === 'stdin' || e.kind === 'stdout' || e.kind === 'stderr';
    };
    return name === 'fd_renumber' ? (a) => stdio(a[0]) && stdio(a[1]) : (a) => stdio(a[0]);
  }
  return () => false;
}
