// `npm run bench -- components`: what WebAssembly components cost next to a
// WASI preview1 guest doing the same work (reading a small file), in one run:
//   instantiate  a fresh instance, ready to call (in this process)
//   call         tools/call round trip over MCP stdio with the server idle
//                between calls (the next instance is made while it waits)
//   call-back-to-back  the same, calls sent one right after another (each
//                waits for its instance: the cost of a fresh instance per call)
// Impls: component-js (componentize-js, StarlingMonkey), component-py
// (componentize-py, CPython), p1 (the Go fs-tool, WASI preview1).

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadModule, unsupportedComponentImports } from '@mcpkit/sandbox';
import { compilePolicy, readPolicy } from '@mcpkit/wasm-policy';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { measureAsync, median, printTable, type Report, type Row, wantsJson } from './harness.js';

// Internals of the sandbox (not its public API): the functions a worker
// calls to make an instance, timed here without a worker around them.
const internals = (path: string) =>
  new URL(`../../packages/sandbox/dist/${path}`, import.meta.url).href;
const { loadComponent } = (await import(internals('component/load.js'))) as {
  loadComponent: typeof import('@mcpkit/sandbox').loadComponent;
};
const { prepareComponent } = (await import(internals('component/instance.js'))) as {
  prepareComponent: (
    component: string,
    env: {
      instantiate: unknown;
      cores: ReadonlyMap<string, WebAssembly.Module>;
      policy: unknown;
      memoryLimit: number | undefined;
    },
    setup: { env: Record<string, string>; maxOutput: number },
  ) => unknown;
};
const { prepareInstance } = (await import(internals('instance.js'))) as {
  prepareInstance: (m: WebAssembly.Module, id: string, maxOutput: number, env: unknown) => unknown;
};

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'packages', 'server', 'dist', 'cli.js');
const CACHE = join(ROOT, 'node_modules', '.cache', 'mcpkit-components');
const MEMORY = 256 * 1024 * 1024;

interface Impl {
  impl: 'component-js' | 'component-py' | 'p1';
  /** Directory under examples/ and the wasm's name. */
  source: [dir: string, name: string];
  tool: string;
  args: (file: string) => Record<string, unknown>;
  /** Does the result text show the file was read? */
  ok: (text: string) => boolean;
}

const CONTENT = 'the quick brown fox jumps over the lazy dog\n'.repeat(20);

const IMPLS: Impl[] = [
  {
    impl: 'component-js',
    source: ['components/files-js', 'files-js'],
    tool: 'mcpkit-examples_files_files_0_1_0_read-file',
    args: (path) => ({ path }),
    ok: (t) => t === CONTENT,
  },
  {
    impl: 'component-py',
    source: ['components/py-tools', 'py-tools'],
    tool: 'read-file',
    args: (path) => ({ path }),
    ok: (t) => t === CONTENT,
  },
  {
    impl: 'p1',
    source: ['fs-tool', 'fs-tool'],
    tool: 'read_file',
    args: (path) => ({ path }),
    ok: (t) => t.includes('the quick brown fox'),
  },
];

function policyFor(dir: string, limits = ''): string {
  return `version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: "fs://${dir}/**"\n        access: [read]\n${limits}`;
}

async function instantiateTimes(
  impl: Impl,
  dir: string,
  samples: number,
): Promise<{ median: number; p99: number }> {
  const [sub, name] = impl.source;
  const bytes = readFileSync(join(ROOT, 'examples', sub, `${name}.wasm`));
  const policy = compilePolicy(readPolicy(policyFor(dir)).document!);
  let make: () => unknown;
  if (impl.impl === 'p1') {
    const m = await loadModule(bytes, { name, memoryLimit: MEMORY });
    make = () =>
      prepareInstance(m.module, name, 1 << 20, { policy, hostModules: [], memoryLimit: MEMORY });
  } else {
    const c = await loadComponent(bytes, {
      name,
      memoryLimit: MEMORY,
      cacheDir: CACHE,
      unsupported: unsupportedComponentImports,
    });
    const { instantiate } = (await import(c.glue)) as { instantiate: unknown };
    make = () =>
      prepareComponent(
        name,
        { instantiate, cores: c.cores, policy, memoryLimit: MEMORY },
        { env: {}, maxOutput: 1 << 20 },
      );
  }
  const times: number[] = [];
  for (let i = 0; i < samples + 3; i++) {
    const t0 = process.hrtime.bigint();
    make();
    if (i >= 3) times.push(Number(process.hrtime.bigint() - t0));
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { median: median(times), p99: sorted[Math.ceil(0.99 * sorted.length) - 1]! };
}

export async function runComponentsBench(argv: readonly string[]): Promise<Report> {
  const quick = argv.includes('--quick');
  const work = mkdtempSync(join(tmpdir(), 'mcpkit-bench-components-'));
  const files = join(work, 'files');
  mkdirSync(files);
  const file = join(files, 'fox.txt');
  writeFileSync(file, CONTENT);
  const rows: Row[] = [];
  const pause = new Map<string, number>();
  try {
    for (const impl of IMPLS) {
      const m = await instantiateTimes(impl, files, quick ? 10 : 40);
      rows.push({ case: 'instantiate', impl: impl.impl, median_ns: m.median, p99_ns: m.p99 });
      // Between spaced calls the server has time to make the next instance.
      pause.set(impl.impl, Math.max(20, Math.ceil((m.p99 / 1e6) * 3)));
    }

    // One server with all three, each component with a policy granting the file.
    const args = [CLI, 'serve', '--data-dir', join(work, 'data'), '--no-builtin-tools'];
    for (const impl of IMPLS) {
      const [sub, name] = impl.source;
      const to = join(work, name);
      cpSync(join(ROOT, 'examples', sub), to, { recursive: true });
      const limits = impl.impl === 'p1' ? 'resources:\n  limits:\n    memory: "128Mi"\n' : '';
      writeFileSync(join(to, 'policy.yaml'), policyFor(files, limits));
      args.push('--component', join(to, `${name}.wasm`));
    }
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args,
        stderr: 'ignore',
        env: { PATH: process.env.PATH ?? '', MCPKIT_LOG_LEVEL: 'warn', MCPKIT_CACHE_DIR: CACHE },
      }),
    );
    try {
      for (const impl of IMPLS) {
        const once = async () => {
          const r = await client.callTool({ name: impl.tool, arguments: impl.args(file) });
          const text = (r.content as Array<{ text?: string }>)[0]?.text ?? '';
          if (r.isError || !impl.ok(text))
            throw new Error(`${impl.impl} answered ${JSON.stringify(r).slice(0, 300)}`);
        };
        const idle = pause.get(impl.impl)!;
        const spaced = await measureAsync(
          async () => {
            await sleep(idle);
            const t0 = process.hrtime.bigint();
            await once();
            return Number(process.hrtime.bigint() - t0);
          },
          { iterations: quick ? 15 : 60, warmup: 3 },
          true,
        );
        rows.push({
          case: 'call',
          impl: impl.impl,
          median_ns: spaced.median,
          p99_ns: spaced.p99,
          idle_ms: idle,
        });
        const burst = await measureAsync(once, { iterations: quick ? 20 : 100, warmup: 5 });
        rows.push({
          case: 'call-back-to-back',
          impl: impl.impl,
          median_ns: burst.median,
          p99_ns: burst.p99,
        });
      }
    } finally {
      await client.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const report: Report = { bench: 'components', node: process.version, rows };
  if (!wantsJson(argv)) {
    printTable(
      'components next to a WASI preview1 guest, each reading the same small file',
      report,
      'p1',
      ['p99_ns'],
    );
    process.stdout.write(
      '\ninstantiate: a fresh instance in this process; call: tools/call over stdio with the server idle\nbetween calls; call-back-to-back: calls one right after another (each waits for its instance).\n',
    );
  }
  return report;
}
