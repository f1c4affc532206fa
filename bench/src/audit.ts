// `npm run bench -- audit`: nanoseconds per audit record appended (hash
// chain, head update, redaction; with and without an HMAC key) next to pino
// writing the same object synchronously to a file, in one run; and the
// verifier's nanoseconds per record.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AuditLog as AuditLogClass } from '../../packages/server/src/audit/audit-log.js';
import type { AuditEntry } from '../../packages/server/src/audit/entry.js';
import type { verifyAuditLog as verifyFn } from '../../packages/server/src/audit/verify.js';
import { measure, median, printTable, type Report, type Row, wantsJson } from './harness.js';

const server = (path: string) =>
  new URL(`../../packages/server/dist/audit/${path}`, import.meta.url).href;
const { AuditLog } = (await import(server('audit-log.js'))) as { AuditLog: typeof AuditLogClass };
const { verifyAuditLog } = (await import(server('verify.js'))) as {
  verifyAuditLog: typeof verifyFn;
};

/** A tool call as the server will record it. */
const entry: AuditEntry = {
  client: { id: 'alice@example.com', role: 'dev', via: 'oauth' },
  session: '6f1c2a9e-3b7d-4e21-9a0c-5d8e7f6a1b2c',
  action: 'tool-call',
  target: 'fs-tool/read_file',
  decision: 'allowed',
  rule: 'roles/dev.yaml:4:7 /mcp/tools/allow/0',
  durationMs: 1.234,
  details: { arguments: { path: '/data/reports/2024/q3.csv', limit: 100 } },
};

interface Impl {
  impl: string;
  open(dir: string): { write: () => void; close: () => void; file: string };
}

const impls: Impl[] = [
  {
    impl: 'pino',
    open(dir) {
      const file = join(dir, 'pino.log');
      const dest = pino.destination({ dest: file, sync: true });
      const log = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, dest);
      return { write: () => log.info(entry), close: () => dest.flushSync(), file };
    },
  },
  {
    impl: 'pino-redact',
    open(dir) {
      const file = join(dir, 'pino-redact.log');
      const dest = pino.destination({ dest: file, sync: true });
      const log = pino(
        {
          base: null,
          timestamp: pino.stdTimeFunctions.isoTime,
          redact: { paths: ['details.arguments.*'], censor: '<redacted>' },
        },
        dest,
      );
      return { write: () => log.info(entry), close: () => dest.flushSync(), file };
    },
  },
  {
    impl: 'mcpkit',
    open(dir) {
      const file = join(dir, 'audit.log');
      const log = AuditLog.open({ file, keep: 1 });
      return { write: () => log.append(entry), close: () => log.close(), file };
    },
  },
  {
    impl: 'mcpkit-hmac',
    open(dir) {
      const file = join(dir, 'audit-hmac.log');
      const log = AuditLog.open({ file, keep: 1, key: new Uint8Array(32).fill(7) });
      return { write: () => log.append(entry), close: () => log.close(), file };
    },
  },
];

export async function runAuditBench(argv: readonly string[]): Promise<Report> {
  const quick = argv.includes('--quick');
  const rounds = quick ? 2 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'mcpkit-bench-audit-'));
  const rows: Row[] = [];
  try {
    const opened = impls.map((i) => ({ ...i, log: i.open(dir), samples: [] as number[] }));
    // Rounds take turns, so a noisy moment on the shared machine falls on all.
    for (let r = 0; r < rounds; r++)
      for (const o of opened)
        o.samples.push(
          measure(() => o.log.write(), [0], {
            batches: quick ? 5 : 10,
            batchMs: 20,
            warmupMs: r === 0 ? 200 : 50,
          }),
        );
    for (const o of opened) {
      o.log.close();
      // The live file's size per line (older files went with keep: 1).
      const lines = readFileSync(o.log.file, 'utf8').split('\n').length - 1;
      const bytes = Math.round(statSync(o.log.file).size / Math.max(1, lines));
      rows.push({
        case: 'audit-append',
        impl: o.impl,
        median_ns: median(o.samples),
        bytes_per_record: bytes,
        bytes: `${bytes} B`,
      });
    }
    // The verifier over a log of its own.
    const file = join(dir, 'verify.log');
    const log = AuditLog.open({ file, maxBytes: 1 << 30 });
    const n = quick ? 20_000 : 100_000;
    for (let i = 0; i < n; i++) log.append(entry);
    log.close();
    const times: number[] = [];
    for (let r = 0; r < (quick ? 2 : 5); r++) {
      const t0 = process.hrtime.bigint();
      const report = verifyAuditLog([file]);
      times.push(Number(process.hrtime.bigint() - t0) / report.records);
      if (!report.ok) throw new Error('the bench log does not verify');
    }
    rows.push({ case: 'audit-verify', impl: 'mcpkit', median_ns: median(times) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = rows.find((r) => r.impl === 'pino')!.median_ns;
  for (const r of rows) if (r.case === 'audit-append') r.ratio_to_pino = r.median_ns / base;
  const report: Report = { rows };
  if (!wantsJson(argv)) {
    printTable('audit: ns per record (append: write(2) done when it returns)', report, 'pino', [
      'bytes',
    ]);
    process.stdout.write(
      '\nmcpkit writes each record and rewrites its head slot (two write(2) calls), hashes it (SHA-256)\n' +
        'and, with a key, HMACs the hash; pino writes one line. bytes is the file size per line.\n',
    );
  }
  return report;
}
