// Quantities in policies: memory (`512Mi`), CPU (`500m`), durations (`30s`).
// Each parser returns a number or a message for a diagnostic.

export type Parsed = { ok: true; value: number } | { ok: false; message: string; help?: string };

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** `512Mi`, `1Gi`, `100M`, `1048576` (bytes); a number is bytes. */
export function parseBytes(input: unknown): Parsed {
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input >= 0
      ? { ok: true, value: input }
      : { ok: false, message: 'must be a whole, non-negative number of bytes' };
  }
  if (typeof input !== 'string')
    return { ok: false, message: 'must be a quantity such as `512Mi`' };
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!m) {
    return {
      ok: false,
      message: 'is not a memory quantity',
      help: 'write a number with a unit, e.g. `512Mi` or `1Gi`',
    };
  }
  const unit = m[2]!;
  const scale = BYTE_UNITS[unit];
  if (scale === undefined) {
    const help =
      unit === 'm'
        ? '`m` means thousandths; for mebibytes write `Mi`'
        : 'units are `Ki`, `Mi`, `Gi`, `Ti` (powers of 1024) or `k`, `M`, `G`, `T` (powers of 1000)';
    return { ok: false, message: `has an unknown unit \`${unit}\``, help };
  }
  const value = Math.floor(Number(m[1]) * scale);
  if (!Number.isSafeInteger(value)) return { ok: false, message: 'is too large' };
  return { ok: true, value };
}

/** The smallest CPU quota: one millicore. */
export const MIN_CPU = 0.001;

/** `500m` (millicores), `2`, `0.5`; in cores, at least one millicore. */
export function parseCpu(input: unknown): Parsed {
  if (typeof input === 'number') {
    if (!(input > 0 && Number.isFinite(input)))
      return { ok: false, message: 'must be a positive number of cores' };
    return input < MIN_CPU
      ? { ok: false, message: 'is less than one millicore', help: 'the smallest quota is `1m`' }
      : { ok: true, value: input };
  }
  if (typeof input !== 'string')
    return { ok: false, message: 'must be a CPU quantity such as `500m` or `2`' };
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m?)\s*$/.exec(input);
  if (!m) {
    return {
      ok: false,
      message: 'is not a CPU quantity',
      help: 'write cores (`2`, `0.5`) or millicores (`500m`)',
    };
  }
  const value = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  if (!(value > 0)) return { ok: false, message: 'must be more than zero' };
  return parseCpu(value);
}

const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30s`, `1m`, `500ms`, `1h`, `1m30s`; in milliseconds. A bare number is seconds. */
export function parseDuration(input: unknown): Parsed {
  if (typeof input === 'number') {
    return input > 0 && Number.isFinite(input)
      ? { ok: true, value: Math.round(input * 1000) }
      : { ok: false, message: 'must be a positive number of seconds' };
  }
  if (typeof input !== 'string') return { ok: false, message: 'must be a duration such as `30s`' };
  const text = input.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return parseDuration(Number(text));
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * TIME_UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (end !== text.length || text.length === 0) {
    return {
      ok: false,
      message: 'is not a duration',
      help: 'write e.g. `500ms`, `30s`, `1m`, `1h` or `1m30s`',
    };
  }
  if (!(total > 0)) return { ok: false, message: 'must be more than zero' };
  return { ok: true, value: Math.round(total) };
}

/**
 * The smallest `cpu_time`: kernels count a thread's CPU time in scheduler
 * ticks (1 to 10 ms), so less could not be told apart from nothing.
 */
export const MIN_CPU_TIME_MS = 10;

/** A duration of CPU time, at least MIN_CPU_TIME_MS. */
export function parseCpuTime(input: unknown): Parsed {
  const d = parseDuration(input);
  if (!d.ok || d.value >= MIN_CPU_TIME_MS) return d;
  return {
    ok: false,
    message: `is shorter than ${MIN_CPU_TIME_MS} ms, less than the CPU clock can measure`,
    help: `write at least \`${MIN_CPU_TIME_MS}ms\``,
  };
}

/** A whole number from 1 to `max` (e.g. a count of calls). */
export function parseCount(input: unknown, max = Number.MAX_SAFE_INTEGER): Parsed {
  const n =
    typeof input === 'number'
      ? input
      : typeof input === 'string' && /^\d+$/.test(input.trim())
        ? Number(input)
        : Number.NaN;
  if (Number.isSafeInteger(n) && n > 0 && n <= max) return { ok: true, value: n };
  return {
    ok: false,
    message:
      max === Number.MAX_SAFE_INTEGER
        ? 'must be a whole number greater than zero'
        : `must be a whole number from 1 to ${max}`,
  };
}

export function formatBytes(bytes: number): string {
  for (const [unit, scale] of [
    ['Ti', 1024 ** 4],
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
    ['Ki', 1024],
  ] as const) {
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale}${unit}`;
  }
  return String(bytes);
}

/** Cores as a policy writes them: `2`, `500m`, or a plain number for a fraction of a millicore. */
export function formatCpu(cores: number): string | number {
  if (Number.isInteger(cores)) return String(cores);
  const milli = Math.round(cores * 1000);
  return Math.abs(milli - cores * 1000) < 1e-9 ? `${milli}m` : cores;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
