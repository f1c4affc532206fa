// `npm run bench -- extism`: an Extism plugin under mcpkit's sandbox and
// under Extism's own JS SDK (@extism/extism), same plugin, same input, one
// run. Cases:
//   call         one call of a small JSON tool (hello's `call`: parse the
//                hyper-mcp request, greet, write the CallToolResult), input
//                to output; mcpkit with its limits on (memory cap over
//                linear memory and kernel heap, deadline, output cap, a
//                fresh instance per call), Extism reusing one instance
//   instantiate  a plugin from its bytes, ready to call, then one call
//                (mcpkit: PluginSandbox.create; Extism: createPlugin)
// Extism's JS SDK never frees the blocks a call allocates; it is reset every
// 1,000 calls (its `reset()`), without which its addresses run out.

import { readFileSync } from 'node:fs';
import createPlugin from '@extism/extism';
import { PluginSandbox, WorkerPool } from '@mcpkit/sandbox';
import { readPolicy } from '@mcpkit/wasm-policy';
import { measureAsync, printTable, type Report, type Row, wantsJson } from './harness.js';

const HELLO = new URL('../../packages/sandbox/test/guests/extism-hello.wasm', import.meta.url);
const INPUT = JSON.stringify({
  params: { name: 'greet', arguments: { name: 'benchmark "quoted" name' } },
});
const EXPECTED =
  '{"content":[{"type":"text","text":"Hello, benchmark \\"quoted\\" name!"}],"isError":false}';
const LIMITS = `version: "1.0"
resources:
  limits:
    memory: "64Mi"
    execution_time: "5s"
    output: "1Mi"
`;

const decoder = new TextDecoder();

function check(impl: string, text: string): void {
  if (text !== EXPECTED)
    throw new Error(`${impl} answered ${JSON.stringify(text)}, not ${EXPECTED}`);
}

export async function runExtismBench(argv: readonly string[]): Promise<Report> {
  const quick = argv.includes('--quick');
  const bytes = readFileSync(HELLO);
  const doc = readPolicy(LIMITS).document!;
  const pool = new WorkerPool({ size: 1 });
  const rows: Row[] = [];
  try {
    // call
    const mk = await PluginSandbox.create({ id: 'hello', bytes, policy: doc, pool });
    check('mcpkit', decoder.decode((await mk.call('call', INPUT)).output));
    const ex = await createPlugin({ wasm: [{ data: bytes }] }, { useWasi: false });
    check('extism-js', (await ex.call('call', INPUT))!.text());
    let calls = 0;
    const exCall = () => ex.call('call', INPUT);
    const mkCall = () => mk.call('call', INPUT);
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
      {
        name: 'call',
        mcpkit: idle(mkCall, none),
        extism: idle(exCall, exReset),
        selfTimed: true,
      },
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
      rows.push({
        case: c.name,
        impl: 'mcpkit',
        median_ns: mid(mkSamples),
        trial: mk.trial.enabled,
      });
      rows.push({ case: c.name, impl: 'extism-js', median_ns: mid(exSamples) });
    }
    await ex.close();

    // instantiate
    const k = quick ? 50 : 300;
    const iopts = { iterations: k, warmup: Math.ceil(k / 5) };
    const mi = await measureAsync(async () => {
      const s = await PluginSandbox.create({ id: 'hello', bytes, policy: doc, pool });
      return s.call('call', INPUT);
    }, iopts);
    const ei = await measureAsync(async () => {
      const p = await createPlugin({ wasm: [{ data: bytes }] }, { useWasi: false });
      await p.call('call', INPUT);
      await p.close();
    }, iopts);
    rows.push({ case: 'instantiate', impl: 'mcpkit', median_ns: mi.median, p99_ns: mi.p99 });
    rows.push({ case: 'instantiate', impl: 'extism-js', median_ns: ei.median, p99_ns: ei.p99 });
  } finally {
    await pool.close();
  }
  const ratio = (c: string) =>
    rows.find((r) => r.case === c && r.impl === 'mcpkit')!.median_ns /
    rows.find((r) => r.case === c && r.impl === 'extism-js')!.median_ns;
  const report: Report = {
    rows,
    ratios: {
      call: ratio('call'),
      'call-back-to-back': ratio('call-back-to-back'),
      instantiate: ratio('instantiate'),
    },
    target: { call: 1 },
  };
  if (!wantsJson(argv)) {
    printTable(
      'Extism plugin: mcpkit vs @extism/extism (hello, a small JSON tool)',
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
