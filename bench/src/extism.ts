// `npm run bench -- extism`: an Extism plugin under mcpkit's sandbox and
// under Extism's own JS SDK (@extism/extism), same plugin, same input, one
// run. Two plugins: `extism-hello` (C: parse the hyper-mcp request, greet,
// write the CallToolResult) and `extism-rust` (the Rust PDK, serde_json in
// and out, `word_count`). Cases, for hello without a suffix and for the Rust
// plugin with `-rust`:
//   call              one call of the small JSON tool arriving at an idle
//                     thread (as a server's requests do), input to output;
//                     mcpkit with its limits on (memory cap over linear
//                     memory and kernel heap, deadline, output cap, every
//                     call in an instance as made), Extism reusing one
//                     instance
//   call-back-to-back calls one after another with nothing in between
//   instantiate       a plugin from its bytes, ready to call, then one call
//                     (mcpkit: PluginSandbox.create; Extism: createPlugin)
// Extism's JS SDK never frees the blocks a call allocates; it is reset every
// 1,000 calls (its `reset()`), without which its addresses run out.

import { readFileSync } from 'node:fs';
import createPlugin, { type ExtismPluginOptions } from '@extism/extism';
import { PluginSandbox, WorkerPool } from '@mcpkit/sandbox';
import { type PolicyDocument, readPolicy } from '@mcpkit/wasm-policy';
import { measureAsync, printTable, type Report, type Row, wantsJson } from './harness.js';

const GUESTS = new URL('../../packages/sandbox/test/guests/', import.meta.url);

interface BenchPlugin {
  /** Suffix of its case names. */
  suffix: string;
  file: string;
  fn: string;
  input: string;
  expected: string;
  /** Host functions Extism needs for its imports (it links every import). */
  functions?: ExtismPluginOptions['functions'];
}

const PLUGINS: BenchPlugin[] = [
  {
    suffix: '',
    file: 'extism-hello.wasm',
    fn: 'call',
    input: JSON.stringify({
      params: { name: 'greet', arguments: { name: 'benchmark "quoted" name' } },
    }),
    expected:
      '{"content":[{"type":"text","text":"Hello, benchmark \\"quoted\\" name!"}],"isError":false}',
  },
  {
    suffix: '-rust',
    file: 'extism-rust.wasm',
    fn: 'call_tool',
    input: JSON.stringify({
      context: {},
      request: { name: 'word_count', arguments: { text: 'one "two" three' } },
    }),
    expected: '{"content":[{"text":"3 words","type":"text"}],"isError":false}',
    functions: {
      'extism:host/user': {
        notify_progress: () => {},
        notify_logging_message: () => {},
        list_roots: () => 0n,
      },
    },
  },
];

const LIMITS = `version: "1.0"
resources:
  limits:
    memory: "64Mi"
    execution_time: "5s"
    output: "1Mi"
`;

const decoder = new TextDecoder();

function check(impl: string, p: BenchPlugin, text: string): void {
  if (text !== p.expected)
    throw new Error(`${impl} answered ${JSON.stringify(text)}, not ${p.expected}`);
}

/** The cases of one plugin, as rows (mcpkit and extism-js for each). */
async function benchPlugin(
  p: BenchPlugin,
  quick: boolean,
  pool: WorkerPool,
  doc: PolicyDocument,
): Promise<Row[]> {
  const rows: Row[] = [];
  const bytes = readFileSync(new URL(p.file, GUESTS));
  const extismOptions: ExtismPluginOptions = {
    useWasi: false,
    ...(p.functions ? { functions: p.functions } : {}),
  };
  const mk = await PluginSandbox.create({ id: 'bench', bytes, policy: doc, pool });
  check('mcpkit', p, decoder.decode((await mk.call(p.fn, p.input)).output));
  const ex = await createPlugin({ wasm: [{ data: bytes }] }, extismOptions);
  check('extism-js', p, (await ex.call(p.fn, p.input))!.text());
  let calls = 0;
  const exCall = () => ex.call(p.fn, p.input);
  const mkCall = () => mk.call(p.fn, p.input);
  const exReset = async () => {
    if (++calls % 1000 === 0) await ex.reset();
  };
  // A call as a server sees one: it arrives at an idle thread (requests
  // come over I/O). Both get the same turn of the event loop before it;
  // only the call is timed.
  const idle = (fn: () => Promise<unknown>, before: () => Promise<void>) => async () => {
    await before();
    await new Promise((resolve) => setImmediate(resolve));
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0);
  };
  const none = async () => {};
  const cases = [
    { name: 'call', mcpkit: idle(mkCall, none), extism: idle(exCall, exReset), selfTimed: true },
    {
      name: 'call-back-to-back',
      mcpkit: mkCall,
      extism: async () => {
        await exReset();
        return exCall();
      },
      selfTimed: false,
    },
  ];
  const n = quick ? 3_000 : 20_000;
  const opts = { iterations: n, warmup: Math.ceil(n / 5) };
  const mid = (s: number[]) => [...s].sort((x, y) => x - y)[Math.floor(s.length / 2)]!;
  for (const c of cases) {
    // Alternate the two in rounds so drift on a shared machine hits both.
    const mkSamples: number[] = [];
    const exSamples: number[] = [];
    for (let round = 0; round < 5; round++) {
      mkSamples.push((await measureAsync(c.mcpkit, opts, c.selfTimed)).median);
      exSamples.push((await measureAsync(c.extism, opts, c.selfTimed)).median);
    }
    const name = `${c.name}${p.suffix}`;
    rows.push({ case: name, impl: 'mcpkit', median_ns: mid(mkSamples), trial: mk.trial.enabled });
    rows.push({ case: name, impl: 'extism-js', median_ns: mid(exSamples) });
  }
  await ex.close();

  const k = quick ? 50 : 300;
  const iopts = { iterations: k, warmup: Math.ceil(k / 5) };
  const mi = await measureAsync(async () => {
    const s = await PluginSandbox.create({ id: 'bench', bytes, policy: doc, pool });
    return s.call(p.fn, p.input);
  }, iopts);
  const ei = await measureAsync(async () => {
    const plugin = await createPlugin({ wasm: [{ data: bytes }] }, extismOptions);
    await plugin.call(p.fn, p.input);
    await plugin.close();
  }, iopts);
  const name = `instantiate${p.suffix}`;
  rows.push({ case: name, impl: 'mcpkit', median_ns: mi.median, p99_ns: mi.p99 });
  rows.push({ case: name, impl: 'extism-js', median_ns: ei.median, p99_ns: ei.p99 });
  return rows;
}

export async function runExtismBench(argv: readonly string[]): Promise<Report> {
  const quick = argv.includes('--quick');
  const doc = readPolicy(LIMITS).document!;
  const pool = new WorkerPool({ size: 1 });
  const rows: Row[] = [];
  try {
    for (const p of PLUGINS) rows.push(...(await benchPlugin(p, quick, pool, doc)));
  } finally {
    await pool.close();
  }
  const ratio = (c: string) =>
    rows.find((r) => r.case === c && r.impl === 'mcpkit')!.median_ns /
    rows.find((r) => r.case === c && r.impl === 'extism-js')!.median_ns;
  const cases = [...new Set(rows.map((r) => r.case))];
  const report: Report = {
    rows,
    ratios: Object.fromEntries(cases.map((c) => [c, ratio(c)])),
    target: { call: 1 },
  };
  if (!wantsJson(argv)) {
    printTable(
      'Extism plugins: mcpkit vs @extism/extism (hello in C, and -rust: the Rust PDK)',
      report,
      'extism-js',
    );
    process.stdout.write(
      `\nmcpkit/extism-js: ${Object.entries(report.ratios as Record<string, number>)
        .map(([k, v]) => `${k} ${v.toFixed(2)}×`)
        .join(', ')} (target for call: ≤ 1×)\n`,
    );
  }
  return report;
}
