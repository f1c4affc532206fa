// `npm run bench -- e2e`: tools/call round trips (p50, p99) of a trivial tool
// over stdio and Streamable HTTP: mcpkit running the `echo` guest (C, WASI
// preview1, sandboxed under a policy) next to the same tool as a plain
// JavaScript function on the SDK's McpServer, in the same run. Both sides take
// thousands of calls to reach their steady speed (V8 compiles the hot paths
// of the client and both servers in stages), so the first calls are reported
// apart from the steady ones. Over HTTP, two more mcpkit servers take their
// turns too: one whose clients authenticate with a JWT bearer token
// (`call-http-auth`) and one that writes every call to an audit log
// (`call-http-audit`), so their cost shows against plain `call-http`.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { median, percentile, printTable, type Report, type Row, wantsJson } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'packages', 'server', 'dist', 'cli.js');
const SDK_SERVER = fileURLToPath(new URL('./e2e-sdk-server.js', import.meta.url));
const ECHO = join(ROOT, 'examples', 'echo', 'echo.wasm');
const TARGET = 1.5;

interface Target {
  /** The case its rows belong to, when not the phase's own. */
  case?: string;
  impl: 'mcpkit' | 'sdk-js';
  command: string[];
  /** Sent with every request. */
  headers?: Record<string, string>;
}

async function stdio(t: Target): Promise<{ client: Client; close(): Promise<void> }> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: t.command,
      stderr: 'ignore',
      env: { PATH: process.env.PATH ?? '', MCPKIT_LOG_LEVEL: 'warn' },
    }),
  );
  return { client, close: () => client.close() };
}

async function overHttp(t: Target): Promise<{ client: Client; close(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...t.command, '--http', ...(t.impl === 'mcpkit' ? ['127.0.0.1:0'] : [])],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MCPKIT_LOG_LEVEL: 'warn' },
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no URL from ${t.impl}: ${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      ...(t.headers ? { requestInit: { headers: t.headers } } : {}),
    }),
  );
  return {
    client,
    close: async () => {
      await client.close();
      child.kill('SIGTERM');
    },
  };
}

const AUTH_TARGET = 1.05;

/** A server policy whose clients authenticate with JWTs of a key made here, and one such token. */
async function oauthSetup(dir: string): Promise<{ policy: string; token: string }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
  const resource = 'https://mcp.bench.example/mcp';
  writeFileSync(
    join(dir, 'auth.yaml'),
    [
      'version: "1.0"',
      'access:',
      '  authentication:',
      '    oauth:',
      '      issuer: "https://issuer.bench.example"',
      `      jwks: "${join(dir, 'jwks.json')}"`,
      `      resource: "${resource}"`,
      '      role_claim: mcpkit_role',
      '',
    ].join('\n'),
  );
  const token = await new SignJWT({ mcpkit_role: 'operator', scope: 'mcp' })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setIssuer('https://issuer.bench.example')
    .setSubject('bench-client')
    .setAudience(resource)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
  return { policy: join(dir, 'auth.yaml'), token };
}

/** Calls per phase: the first calls after connecting, more to warm up, then the measured ones. */
const PHASES = {
  full: { cold: 500, warm: 2500, measured: 3000 },
  quick: { cold: 100, warm: 200, measured: 300 },
};

export async function runE2eBench(argv: readonly string[]): Promise<Report> {
  // The SDK's HTTP client transport adds a listener to the abort signal of
  // each request it sends (whose limit undici sets itself) and keeps it until
  // the transport closes: a few thousand calls trip Node's listener-leak
  // warning in this process, which says nothing about the servers measured.
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name !== 'MaxListenersExceededWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
  });
  const phases = argv.includes('--quick') ? PHASES.quick : PHASES.full;
  const data = mkdtempSync(join(tmpdir(), 'mcpkit-bench-e2e-'));
  const serve = (dir: string, ...extra: string[]) => [
    CLI,
    'serve',
    '--data-dir',
    join(data, dir),
    '--component',
    ECHO,
    '--no-builtin-tools',
    ...extra,
  ];
  const targets: Target[] = [
    { impl: 'mcpkit', command: serve('plain') },
    { impl: 'sdk-js', command: [SDK_SERVER] },
  ];
  const { policy: authPolicy, token } = await oauthSetup(data);
  writeFileSync(
    join(data, 'audit.yaml'),
    `version: "1.0"\naccess:\n  audit:\n    file: ${join(data, 'audit.log')}\n`,
  );
  const httpOnly: Target[] = [
    {
      case: 'call-http-auth',
      impl: 'mcpkit',
      command: serve('auth', '--policy', authPolicy),
      headers: { authorization: `Bearer ${token}` },
    },
    {
      case: 'call-http-audit',
      impl: 'mcpkit',
      command: serve('audit', '--policy', join(data, 'audit.yaml')),
    },
  ];
  const rows: Row[] = [];
  try {
    for (const [caseId, connect, all] of [
      ['call-stdio', stdio, targets],
      ['call-http', overHttp, [...targets, ...httpOnly]],
    ] as const) {
      // The servers run at once and take turns, call by call (the order
      // rotating), so a noisy moment on the machine falls on all alike.
      const servers = await Promise.all(all.map((t) => connect(t)));
      try {
        const calls = servers.map((c, i) => async () => {
          const r = await c.client.callTool({ name: 'echo', arguments: { text: 'ping' } });
          const first = (r.content as Array<{ text?: string }>)[0];
          if (first?.text !== 'ping')
            throw new Error(`${all[i]!.impl} answered ${JSON.stringify(r)}`);
        });
        const phase = async (n: number) => {
          const samples: number[][] = servers.map(() => []);
          for (let k = 0; k < n; k++) {
            for (let j = 0; j < calls.length; j++) {
              const i = (k + j) % calls.length;
              const start = process.hrtime.bigint();
              await calls[i]!();
              samples[i]!.push(Number(process.hrtime.bigint() - start));
            }
          }
          return samples;
        };
        const cold = await phase(phases.cold);
        await phase(phases.warm);
        const measured = await phase(phases.measured);
        for (const [i, t] of all.entries()) {
          rows.push({
            case: t.case ?? caseId,
            impl: t.impl,
            median_ns: median(measured[i]!),
            p99_ns: percentile(measured[i]!, 0.99),
            cold_p50_ns: median(cold[i]!),
            iterations: phases.measured,
          });
        }
      } finally {
        await Promise.all(servers.map((c) => c.close()));
      }
    }
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
  const ratio = (c: string, key: 'median_ns' | 'cold_p50_ns') => {
    const a = rows.find((r) => r.case === c && r.impl === 'mcpkit')!;
    const b = rows.find((r) => r.case === c && r.impl === 'sdk-js')!;
    return (a[key] as number) / (b[key] as number);
  };
  const ratios = ['call-stdio', 'call-http'].map((c) => ({
    case: c,
    mcpkit_over_sdk_js_p50: ratio(c, 'median_ns'),
    mcpkit_over_sdk_js_cold_p50: ratio(c, 'cold_p50_ns'),
    target: TARGET,
  }));
  const plain = rows.find((r) => r.case === 'call-http' && r.impl === 'mcpkit')!;
  const over = ['call-http-auth', 'call-http-audit'].map((c) => {
    const r = rows.find((x) => x.case === c)!;
    return {
      case: c,
      over_call_http_p50: (r.median_ns as number) / (plain.median_ns as number),
      target: c === 'call-http-auth' ? AUTH_TARGET : undefined,
    };
  });
  const report: Report = {
    bench: 'e2e',
    node: process.version,
    rows,
    ratios: [...ratios, ...over],
  };
  if (!wantsJson(argv)) {
    printTable(
      `tools/call round trip of a trivial tool: p50 (median) and p99 of ${phases.measured} calls after ${phases.cold + phases.warm} to warm up; cold_p50: the first ${phases.cold}`,
      report,
      'sdk-js',
      ['p99_ns', 'cold_p50_ns'],
    );
    process.stdout.write(`\nratios (target: mcpkit p50 <= ${TARGET}x the plain JS tool)\n`);
    for (const r of ratios) {
      process.stdout.write(
        `  ${r.case.padEnd(15)} ${r.mcpkit_over_sdk_js_p50.toFixed(2)}x  ${r.mcpkit_over_sdk_js_p50 <= TARGET ? 'ok' : 'OVER'}   (cold: ${r.mcpkit_over_sdk_js_cold_p50.toFixed(2)}x)\n`,
      );
    }
    process.stdout.write(
      `\nmcpkit over HTTP, against itself without (target for auth: <= ${AUTH_TARGET}x)\n`,
    );
    for (const r of over) {
      const verdict =
        r.target === undefined ? '' : r.over_call_http_p50 <= r.target ? 'ok' : 'OVER';
      process.stdout.write(
        `  ${r.case.padEnd(15)} ${r.over_call_http_p50.toFixed(2)}x  ${verdict}\n`,
      );
    }
  }
  return report;
}
