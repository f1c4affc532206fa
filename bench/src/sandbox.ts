// `npm run bench -- sandbox`: what running guests under mcpkit's sandbox costs,
// next to node:wasi on the same guests and directory, in one run: one checked
// host call, a small file read, a fresh instance, and a worker dispatch.

import {
  closeSync,
  constants,
  lstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { type HostModuleSource, Sandbox, WorkerPool } from '@mcpkit/sandbox';
import {
  type CompiledPolicy,
  compilePolicy,
  type PolicyDocument,
  readPolicy,
} from '@mcpkit/wasm-policy';
import wabtInit from 'wabt';
import {
  type MeasureOptions,
  measure,
  measureAsync,
  median,
  printTable,
  type Report,
  type Row,
  wantsJson,
} from './harness.js';

const GUESTS = new URL('../guests/', import.meta.url);
const FSOPS_C = new URL('../../packages/sandbox/test/guests/fsops-c.wasm', import.meta.url);
const ENV_KEY = 'BENCH_KEY';
const FILE_BYTES = 1024;

/** ns per checked host call; file-read mcpkit/node-wasi; pool instance start median in ns. */
const TARGETS = { hostcall: 500, fileRead: 1.2, poolStart: 1e6 };

/** The loops `bench/guests/hostcalls.wat` runs (its argv[1]). */
const KIND = {
  loop: 0,
  environ_sizes_get: 1,
  clock_time_get: 2,
  path_filestat_get: 3,
  file_read: 4,
  decide_env: 5,
} as const;

const CALLS = ['environ_sizes_get', 'clock_time_get', 'path_filestat_get', 'decide_env'] as const;

interface Settings {
  /** Timed runs per loop (the median is over these). */
  reps: number;
  /** Duration of one timed loop run. */
  runMs: number;
  /** Calls timed by measureAsync (instance start, dispatch), after `warmup` calls. */
  iterations: number;
  warmup: number;
  /** For `measure` of the node:fs references. */
  sync: MeasureOptions;
}

const FULL: Settings = {
  reps: 7,
  runMs: 120,
  iterations: 2000,
  warmup: 200,
  sync: { batches: 15, batchMs: 20, warmupMs: 100 },
};
const QUICK: Settings = {
  reps: 3,
  runMs: 15,
  iterations: 150,
  warmup: 30,
  sync: { batches: 5, batchMs: 5, warmupMs: 20 },
};

interface Setup {
  s: Settings;
  /** The preopened directory (real path), holding `data.bin`. */
  dir: string;
  file: string;
  policy: PolicyDocument;
  compiled: CompiledPolicy;
  /** Grants nothing: instance start and dispatch run without preopens (see instanceStartRows). */
  bare: PolicyDocument;
  pool: WorkerPool;
  devNull: number;
}

async function assemble(file: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const m = wabt.parseWat(file, readFileSync(new URL(file, GUESTS), 'utf8'), {});
  try {
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}

function policyOf(yaml: string): PolicyDocument {
  const r = readPolicy(yaml);
  if (!r.document) throw new Error(`bench policy is invalid: ${JSON.stringify(r.diagnostics)}`);
  return r.document;
}

function benchPolicy(dir: string): PolicyDocument {
  return policyOf(
    `version: "1.0"\nstorage:\n  allow:\n    - uri: "fs://${dir}/**"\n      access: [read]\nenvironment:\n  allow:\n    - key: "${ENV_KEY}"\n`,
  );
}

/** Runs `hostcalls.wat` once with (kind, count); resolves with its exit code. */
type LoopRunner = (kind: number, count: number) => Promise<number>;

async function timeRun(run: LoopRunner, kind: number, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  const code = await run(kind, count);
  const ns = Number(process.hrtime.bigint() - start);
  if (code !== 0) {
    const why =
      code === 2 ? 'bad arguments' : code === 3 ? 'a short read' : `errno ${code - 10} from a call`;
    throw new Error(`hostcalls guest (kind ${kind}) exited with ${code}: ${why}`);
  }
  return ns;
}

/**
 * Nanoseconds per loop iteration. A run of zero iterations (instantiation,
 * argv) is timed next to each timed run and subtracted. The count is grown
 * until the loop itself takes about `runMs`, and calibrated again when the
 * timed runs show it was misjudged (a first run pays for compilation).
 */
async function perIteration(
  run: LoopRunner,
  kind: number,
  s: Settings,
): Promise<{ ns: number; count: number }> {
  const target = s.runMs * 1e6;
  const sample = async (count: number, reps: number) => {
    const empty: number[] = [];
    const full: number[] = [];
    for (let r = 0; r < reps; r++) {
      empty.push(await timeRun(run, kind, 0));
      full.push(await timeRun(run, kind, count));
    }
    const base = median(empty);
    return { loop: median(full) - base, perIter: full.map((t) => (t - base) / count) };
  };
  await sample(64, 3);
  let count = 64;
  let loop = (await sample(count, 3)).loop;
  while (loop < target / 4 && count < 1e9) {
    count = Math.min(1e9, count * 4);
    loop = (await sample(count, 1)).loop;
  }
  for (let attempt = 0; ; attempt++) {
    count = Math.max(1, Math.min(1e9, Math.round((count * target) / Math.max(loop, 1))));
    const timed = await sample(count, s.reps);
    if (attempt === 2 || (timed.loop > target / 2 && timed.loop < target * 2))
      return { ns: median(timed.perIter), count };
    loop = timed.loop;
  }
}

/**
 * node:wasi on `module` with the same preopen and environment as the sandbox
 * gets. One instance serves every loop, through its `run` export after
 * `_start` (Node 20 crashes after some hundreds of fresh node:wasi instances,
 * see `wrapped`); the zero-count run is subtracted either way.
 */
function nodeWasiRunner(
  module: WebAssembly.Module,
  dir: string,
  decideEnv: () => number,
): LoopRunner {
  const wasi = new WASI({
    version: 'preview1',
    args: ['hostcalls', '0', '0'],
    env: { [ENV_KEY]: '1' },
    preopens: { [dir]: dir },
    returnOnExit: true,
  });
  const instance = new WebAssembly.Instance(module, {
    ...(wasi.getImportObject() as WebAssembly.Imports),
    bench: { decide_env: decideEnv },
  });
  const started = wasi.start(instance);
  if (started !== 0) throw new Error(`hostcalls guest under node:wasi exited with ${started}`);
  const run = instance.exports.run as (kind: number, count: number) => void;
  const memory = instance.exports.memory as WebAssembly.Memory;
  return async (kind, count) => {
    try {
      run(kind, count);
      return 0;
    } catch {
      // proc_exit outside `start` throws; the guest left its exit code at 0xf0.
      return new DataView(memory.buffer).getUint32(0xf0, true);
    }
  };
}

/**
 * node:wasi's import object with every function behind a plain JS function.
 * Node 20.20 segfaults (V8's fast API calls from wasm into node:wasi) after a
 * few hundred fresh instances that call fd_write, path_open or
 * path_filestat_get; the extra hop avoids that and costs a few ns per call,
 * next to nothing against a start.
 */
function wrapped(wasi: WASI): WebAssembly.Imports {
  type Fn = (...args: unknown[]) => unknown;
  const raw = (wasi.getImportObject() as Record<string, Record<string, Fn>>)
    .wasi_snapshot_preview1!;
  const out: Record<string, Fn> = {};
  for (const [name, fn] of Object.entries(raw)) out[name] = (...a: unknown[]) => fn(...a);
  return { wasi_snapshot_preview1: out } as WebAssembly.Imports;
}

/** (a) and (b): loops of host calls inside one `_start`, per iteration. */
async function hostcallRows(u: Setup): Promise<Row[]> {
  const bytes = await assemble('hostcalls.wat');
  const source: HostModuleSource = {
    name: 'bench',
    functions: ['decide_env'],
    url: new URL('./sandbox-host.js', import.meta.url).href,
    options: { key: ENV_KEY },
  };
  const inline = await Sandbox.create({
    id: 'hostcalls',
    bytes,
    policy: u.policy,
    isolation: 'inline',
    hostModules: [source],
    env: { [ENV_KEY]: '1' },
  });
  const runners: Array<[string, LoopRunner]> = [
    [
      'mcpkit-inline',
      async (kind, count) =>
        (await inline.run({ program: 'hostcalls', args: [String(kind), String(count)] })).exitCode,
    ],
    [
      'node-wasi',
      nodeWasiRunner(await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>), u.dir, () =>
        u.compiled.decideEnv(ENV_KEY).allowed ? 0 : 1,
      ),
    ],
  ];
  const loops = new Map<string, number>();
  for (const [impl, run] of runners) loops.set(impl, (await perIteration(run, KIND.loop, u.s)).ns);
  const rows: Row[] = [];
  const add = async (c: string, kind: number, extra: (impl: string) => Record<string, unknown>) => {
    for (const [impl, run] of runners) {
      const { ns, count } = await perIteration(run, kind, u.s);
      const loop = loops.get(impl)!;
      rows.push({
        case: c,
        impl,
        median_ns: ns - loop,
        ...extra(impl),
        gross_ns: ns,
        loop_ns: loop,
        count,
      });
    }
  };
  for (const call of CALLS) {
    await add('hostcall', KIND[call], (impl) =>
      call === 'decide_env'
        ? { call, import: impl === 'node-wasi' ? 'plain function' : 'HostModuleSource' }
        : { call },
    );
  }
  await add('file-read', KIND.file_read, () => ({ file_bytes: FILE_BYTES }));
  return rows;
}

/**
 * The host's own file calls through node:fs, unchecked: a floor for the
 * sandbox's (and node:wasi's) file host calls on this machine.
 */
function nodeFsReferences(u: Setup) {
  const buf = Buffer.alloc(4096);
  const quiet = { throwIfNoEntry: false } as const;
  return {
    lstat_ns: measure(() => lstatSync(u.file, quiet), [0], u.s.sync),
    open_read_close_ns: measure(
      () => {
        const fd = openSync(u.file, constants.O_RDONLY);
        const n = readSync(fd, buf, 0, buf.length, 0);
        closeSync(fd);
        return n;
      },
      [0],
      u.s.sync,
    ),
    // What the sandbox's path_open + fd_read + fd_close make for a read-only
    // open: the final component opened with O_NOFOLLOW (no lstat first, no
    // fstat after), then read and close.
    sandbox_calls_ns: measure(
      () => {
        const fd = openSync(
          u.file,
          constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
        );
        const n = readSync(fd, buf, 0, buf.length, 0);
        closeSync(fd);
        return n;
      },
      [0],
      u.s.sync,
    ),
  };
}

/**
 * (c) a fresh instance of the C guest running `echo hi`, with no preopened
 * directory on either side: node:wasi keeps a preopen's descriptor until its
 * WASI object is collected, and thousands of starts run out of descriptors.
 */
async function instanceStartRows(u: Setup): Promise<Row[]> {
  const bytes = readFileSync(FSOPS_C);
  const args = ['echo', 'hi'];
  const inline = await Sandbox.create({
    id: 'fsops',
    bytes,
    policy: u.bare,
    isolation: 'inline',
  });
  const pooled = await Sandbox.create({
    id: 'fsops',
    bytes,
    policy: u.bare,
    isolation: 'worker',
    pool: u.pool,
    trial: false,
  });
  // The same, tried first on this thread (settles here: echo needs only stdio).
  const trialed = await Sandbox.create({
    id: 'fsops',
    bytes,
    policy: u.bare,
    isolation: 'worker',
    pool: u.pool,
  });
  for (const sb of [inline, pooled, trialed]) {
    const out = new TextDecoder().decode((await sb.run({ program: 'fsops', args })).stdout);
    if (out !== 'hi\n') throw new Error(`fsops-c echo printed ${JSON.stringify(out)}`);
  }
  const module = await WebAssembly.compile(bytes);
  const nodeStart = (stdout: number) => {
    const wasi = new WASI({
      version: 'preview1',
      args: ['fsops', ...args],
      env: {},
      returnOnExit: true,
      stdout,
    });
    const code = wasi.start(new WebAssembly.Instance(module, wrapped(wasi)));
    if (code !== 0) throw new Error(`fsops-c under node:wasi exited with ${code}`);
  };
  const echoed = join(u.dir, 'echo.out');
  const fd = openSync(echoed, 'w');
  nodeStart(fd);
  closeSync(fd);
  if (readFileSync(echoed, 'utf8') !== 'hi\n')
    throw new Error('fsops-c under node:wasi did not echo');

  const starts: Array<[string, () => Promise<unknown>]> = [
    ['mcpkit-inline', () => inline.run({ program: 'fsops', args })],
    ['mcpkit-pool', () => pooled.run({ program: 'fsops', args })],
    ['mcpkit-trial', () => trialed.run({ program: 'fsops', args })],
    ['node-wasi', async () => nodeStart(u.devNull)],
  ];
  const rows: Row[] = [];
  for (const [impl, fn] of starts) {
    const m = await measureAsync(fn, { iterations: u.s.iterations, warmup: u.s.warmup });
    rows.push({
      case: 'instance-start',
      impl,
      median_ns: m.median,
      p99_ns: m.p99,
      ...(impl === 'node-wasi' ? { imports: 'wrapped in JS functions' } : {}),
    });
  }
  return rows;
}

/** (d) a do-nothing guest through the pool, minus the same inline. */
async function dispatchRows(u: Setup): Promise<Row[]> {
  const bytes = await assemble('noop.wat');
  const inline = await Sandbox.create({ id: 'noop', bytes, policy: u.bare, isolation: 'inline' });
  const pooled = await Sandbox.create({
    id: 'noop',
    bytes,
    policy: u.bare,
    isolation: 'worker',
    pool: u.pool,
    trial: false,
  });
  const opts = { iterations: u.s.iterations, warmup: u.s.warmup };
  const i = await measureAsync(() => inline.run(), opts);
  const p = await measureAsync(() => pooled.run(), opts);
  return [
    {
      case: 'dispatch',
      impl: 'mcpkit-pool',
      median_ns: p.median - i.median,
      pool_ns: p.median,
      pool_p99_ns: p.p99,
      inline_ns: i.median,
      inline_p99_ns: i.p99,
    },
  ];
}

export async function runSandboxBench(argv: readonly string[]): Promise<Report> {
  const s = argv.includes('--quick') ? QUICK : FULL;
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcpkit-bench-')));
  const file = join(dir, 'data.bin');
  const devNull = openSync('/dev/null', 'w');
  const pool = new WorkerPool({ warm: 1 });
  try {
    writeFileSync(file, Buffer.alloc(FILE_BYTES, 0x61));
    const policy = benchPolicy(dir);
    const u: Setup = {
      s,
      dir,
      file,
      policy,
      compiled: compilePolicy(policy),
      bare: policyOf('version: "1.0"\n'),
      pool,
      devNull,
    };
    const rows = [
      ...(await hostcallRows(u)),
      ...(await instanceStartRows(u)),
      ...(await dispatchRows(u)),
    ];
    const nodeFs = nodeFsReferences(u);
    const find = (c: string, impl: string, call?: string) =>
      rows.find((r) => r.case === c && r.impl === impl && (call === undefined || r.call === call))!
        .median_ns;
    const ratios = {
      hostcall: CALLS.map((call) => {
        const ns = find('hostcall', 'mcpkit-inline', call);
        return {
          call,
          median_ns: ns,
          node_wasi_ns: find('hostcall', 'node-wasi', call),
          target_ns: TARGETS.hostcall,
          ratio: ns / TARGETS.hostcall,
        };
      }),
      file_read: {
        mcpkit_ns: find('file-read', 'mcpkit-inline'),
        node_wasi_ns: find('file-read', 'node-wasi'),
        mcpkit_over_node_wasi: find('file-read', 'mcpkit-inline') / find('file-read', 'node-wasi'),
        target: TARGETS.fileRead,
      },
      instance_start_pool: {
        median_ns: find('instance-start', 'mcpkit-pool'),
        target_ns: TARGETS.poolStart,
        ratio: find('instance-start', 'mcpkit-pool') / TARGETS.poolStart,
      },
    };
    const report = {
      bench: 'sandbox',
      node: process.version,
      quick: s === QUICK,
      rows,
      ratios,
      node_fs: nodeFs,
    };
    if (!wantsJson(argv)) print(report);
    return report;
  } finally {
    await pool.close();
    closeSync(devNull);
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(ns: number): string {
  if (Math.abs(ns) >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (Math.abs(ns) >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

function print(report: {
  rows: Row[];
  ratios: {
    hostcall: Array<{ call: string; median_ns: number; node_wasi_ns: number; ratio: number }>;
    file_read: { mcpkit_over_node_wasi: number };
    instance_start_pool: { median_ns: number; ratio: number };
  };
  node_fs: { lstat_ns: number; open_read_close_ns: number; sandbox_calls_ns: number };
}): void {
  // A table group per host call, so each ratio is against node:wasi on that call.
  const display = report.rows.map((r): Row => {
    let detail = '';
    if (r.case === 'hostcall' || r.case === 'file-read')
      detail = `${fmt(r.gross_ns as number)} - loop ${fmt(r.loop_ns as number)}${r.import ? `; ${r.import}` : ''}`;
    else if (r.case === 'dispatch')
      detail = `pool ${fmt(r.pool_ns as number)} - inline ${fmt(r.inline_ns as number)}`;
    else if (r.imports) detail = `imports ${r.imports}`;
    return {
      case: r.call ? `${r.case} ${r.call}` : r.case,
      impl: r.impl,
      median_ns: r.median_ns,
      p99: r.p99_ns ?? r.pool_p99_ns,
      detail,
    };
  });
  printTable(
    'sandbox (median; host calls and file reads per iteration of a loop in one _start)',
    { rows: display },
    'node-wasi',
    ['p99', 'detail'],
  );
  const { ratios, node_fs: fs } = report;
  const line = (what: string, value: string, ratio: number, extra = '') =>
    process.stdout.write(
      `  ${what.padEnd(30)} ${value.padStart(10)}  ${ratio.toFixed(2).padStart(6)} of target  ${ratio <= 1 ? 'ok  ' : 'OVER'}${extra}\n`,
    );
  process.stdout.write(
    `\ntargets: hostcall <= ${TARGETS.hostcall} ns, file-read mcpkit/node-wasi <= ${TARGETS.fileRead}x, instance-start pool median <= 1 ms\n`,
  );
  for (const h of ratios.hostcall) {
    if (h.call === 'path_filestat_get') {
      // Not a boundary figure: it includes a stat system call of its own.
      process.stdout.write(
        `  ${'hostcall path_filestat_get'.padEnd(30)} ${fmt(h.median_ns).padStart(10)}  ${(h.median_ns / h.node_wasi_ns).toFixed(2).padStart(6)}x node:wasi (includes one lstat, ${fmt(fs.lstat_ns)} through node:fs; no target)\n`,
      );
      continue;
    }
    line(`hostcall ${h.call}`, fmt(h.median_ns), h.median_ns / TARGETS.hostcall);
  }
  const fr = ratios.file_read.mcpkit_over_node_wasi;
  line(
    'file-read mcpkit/node-wasi',
    `${fr.toFixed(2)}x`,
    fr / TARGETS.fileRead,
    `  (node:fs: open+read+close ${fmt(fs.open_read_close_ns)}; the same with the sandbox's flags ${fmt(fs.sandbox_calls_ns)})`,
  );
  line(
    'instance-start pool median',
    fmt(ratios.instance_start_pool.median_ns),
    ratios.instance_start_pool.ratio,
  );
  process.stdout.write(
    '\nnotes: environ_sizes_get decides nothing per call (the policy filtered the environment when the\n' +
      '  instance was made), so it is the bare boundary; decide_env under node-wasi is a plain JS import\n' +
      '  making the same decision, so the mcpkit/node-wasi gap there is the host function API itself.\n',
  );
}
