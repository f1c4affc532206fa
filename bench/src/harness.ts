// Shared by every benchmark: timing, the result rows, the table and --json.
// Timings are medians over many batches; machines are shared and noisy, so
// benchmarks report ratios measured in the same run rather than thresholds.

export interface Row {
  case: string;
  impl: string;
  median_ns: number;
  [extra: string]: unknown;
}

export interface Report {
  rows: Row[];
  [extra: string]: unknown;
}

let sink = 0;

/** Keep results observable so the optimiser cannot drop the work. */
export function consume(value: unknown): void {
  if (value === true) sink++;
  else if (typeof value === 'number') sink += value;
  else if (value) sink ^= 1;
}

export function sinkValue(): number {
  return sink;
}

export interface MeasureOptions {
  /** Target duration of one batch. */
  batchMs?: number;
  /** Number of batches (the median is over these). */
  batches?: number;
  /** Time to run before measuring. */
  warmupMs?: number;
}

/**
 * Median nanoseconds per call of `fn(inputs[i])`, cycling through inputs.
 * The batch size is calibrated so a batch takes about `batchMs`.
 */
export function measure<T>(
  fn: (input: T) => unknown,
  inputs: readonly T[],
  options: MeasureOptions = {},
): number {
  const batchMs = options.batchMs ?? 20;
  const batches = options.batches ?? 25;
  const warmupMs = options.warmupMs ?? 200;
  // A fresh loop function per measurement, so call sites inside it see only
  // this `fn` and stay monomorphic whatever ran before.
  const loop = new Function(
    'fn',
    'inputs',
    'consume',
    `let i = 0; const n = inputs.length;
     return function run(count) {
       for (let k = 0; k < count; k++) { consume(fn(inputs[i])); i = i + 1 === n ? 0 : i + 1; }
     };`,
  ) as (f: typeof fn, inputs: readonly T[], c: typeof consume) => (count: number) => void;
  const run = loop(fn, inputs, (v: unknown) => consume(v));
  // Warm up and calibrate.
  let count = 1;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    const t0 = performance.now();
    run(count);
    const dt = performance.now() - t0;
    if (dt < batchMs / 4) count *= 2;
  }
  const t0 = performance.now();
  run(count);
  const per = (performance.now() - t0) / count;
  count = Math.max(1, Math.round(batchMs / Math.max(per, 1e-6)));
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    run(count);
    samples.push(Number(process.hrtime.bigint() - start) / count);
  }
  return median(samples);
}

/**
 * Median of async operations' durations, in nanoseconds, plus p99. With
 * `selfTimed`, `fn` returns the nanoseconds of the part it wants counted
 * (leaving out, say, a pause before it).
 */
export async function measureAsync(
  fn: () => Promise<unknown>,
  options: { iterations: number; warmup: number },
  selfTimed = false,
): Promise<{ median: number; p99: number }> {
  for (let i = 0; i < options.warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < options.iterations; i++) {
    const start = process.hrtime.bigint();
    const timed = await fn();
    samples.push(selfTimed ? (timed as number) : Number(process.hrtime.bigint() - start));
  }
  return { median: median(samples), p99: percentile(samples, 0.99) };
}

export function median(values: number[]): number {
  return percentile(values, 0.5);
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1));
  return s[idx]!;
}

function fmt(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

/** Print rows as a table grouped by case, with each impl's ratio to `base`. */
export function printTable(
  title: string,
  report: Report,
  base: string,
  extraColumns: string[] = [],
): void {
  const lines: string[][] = [['case', 'impl', 'median', ...extraColumns, `× ${base}`]];
  const byCase = new Map<string, Row[]>();
  for (const r of report.rows) {
    const list = byCase.get(r.case) ?? [];
    list.push(r);
    byCase.set(r.case, list);
  }
  for (const [c, rows] of byCase) {
    const ref = rows.find((r) => r.impl === base)?.median_ns;
    for (const r of rows) {
      const ratio = ref ? (r.median_ns / ref).toFixed(2) : '';
      lines.push([
        c,
        r.impl,
        fmt(r.median_ns),
        ...extraColumns.map((k) =>
          typeof r[k] === 'number' ? fmt(r[k] as number) : String(r[k] ?? ''),
        ),
        ratio,
      ]);
    }
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  process.stdout.write(`\n${title}\n`);
  for (const [k, l] of lines.entries()) {
    process.stdout.write(
      `${l.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}\n`,
    );
    if (k === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
}

export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}
