// The `resources` and `runtime` sections: limits on memory, time, CPU, output
// and concurrency, and how guests are isolated.

import { joinPointer, quote } from './diagnostics.js';
import {
  type Isolation,
  type LimitName,
  MAX_OPEN_FILES,
  type RuntimeSettings,
  type SourceRef,
} from './model.js';
import {
  type Parsed,
  parseBytes,
  parseCount,
  parseCpu,
  parseCpuTime,
  parseDuration,
} from './quantity.js';
import type { SectionReader } from './reader.js';

type MutableLimits = { -readonly [K in LimitName]?: number };
type LimitSources = Partial<Record<LimitName, SourceRef>>;

const LIMIT_KEYS: Record<string, { name: LimitName; parse: (v: unknown) => Parsed }> = {
  memory: { name: 'memory', parse: parseBytes },
  cpu: { name: 'cpu', parse: parseCpu },
  cpu_time: { name: 'cpuTime', parse: parseCpuTime },
  execution_time: { name: 'executionTime', parse: parseDuration },
  output: { name: 'output', parse: parseBytes },
  concurrency: { name: 'concurrency', parse: parseCount },
  open_files: { name: 'openFiles', parse: (v) => parseCount(v, MAX_OPEN_FILES) },
};

/** Keep the smallest value for each limit, remembering where it was set. */
function setLimit(
  limits: MutableLimits,
  at: LimitSources,
  name: LimitName,
  value: number,
  ref: SourceRef,
) {
  const current = limits[name];
  if (current === undefined || value < current) {
    limits[name] = value;
    at[name] = ref;
  }
}

function readQuantity(
  r: SectionReader,
  value: unknown,
  pointer: string,
  key: string,
  parse: (v: unknown) => Parsed,
): number | undefined {
  const parsed = parse(value);
  if (parsed.ok) return parsed.value;
  r.error('quantity-syntax', pointer, `\`${key}\` ${quote(value)} ${parsed.message}`, parsed.help);
  return undefined;
}

export function readResources(
  r: SectionReader,
  value: unknown,
  pointer: string,
  limits: MutableLimits,
  at: LimitSources,
): void {
  const section = r.readMap(value, pointer, 'the `resources` section', ['limits', 'memory']);
  if (!section) return;
  if (section.memory !== undefined) {
    const p = joinPointer(pointer, 'memory');
    const mb = r.readNumber(section.memory, p, '`resources.memory`');
    if (mb !== undefined) {
      if (mb > 0) setLimit(limits, at, 'memory', Math.floor(mb * 1024 * 1024), r.ref(p));
      r.warning(
        'legacy-memory',
        p,
        '`resources.memory` in megabytes is an older form',
        `write \`limits: { memory: "${mb}Mi" }\``,
      );
    }
  }
  const lp = joinPointer(pointer, 'limits');
  const map = r.readMap(section.limits, lp, '`resources.limits`', Object.keys(LIMIT_KEYS));
  if (!map) return;
  const read: MutableLimits = {};
  for (const [key, spec] of Object.entries(LIMIT_KEYS)) {
    if (map[key] === undefined) continue;
    const p = joinPointer(lp, key);
    const v = readQuantity(r, map[key], p, key, spec.parse);
    if (v === undefined) continue;
    read[spec.name] = v;
    setLimit(limits, at, spec.name, v, r.ref(p));
  }
  // One thread cannot use more CPU time than the wall-clock time it runs.
  if (
    read.cpuTime !== undefined &&
    read.executionTime !== undefined &&
    read.cpuTime > read.executionTime
  ) {
    r.warning(
      'cpu-time-unreachable',
      joinPointer(lp, 'cpu_time'),
      `\`cpu_time\` ${quote(map.cpu_time)} is longer than \`execution_time\` ${quote(map.execution_time)}: a call is stopped at its wall-clock limit first`,
      'make `cpu_time` shorter than `execution_time`, or leave it out',
    );
  }
}

const ENGINES = ['wasmtime', 'wasmedge'];

export function readRuntime(
  r: SectionReader,
  value: unknown,
  pointer: string,
  limits: MutableLimits,
  at: LimitSources,
): RuntimeSettings {
  const out: { isolation?: Isolation } = {};
  const section = r.readMap(value, pointer, 'the `runtime` section', [
    'isolation',
    'memory_limit',
    'engine',
    ...ENGINES,
  ]);
  if (!section) return out;
  if (section.isolation !== undefined) {
    const p = joinPointer(pointer, 'isolation');
    const iso = r.readString(section.isolation, p, '`runtime.isolation`');
    if (iso === 'worker' || iso === 'inline') out.isolation = iso;
    else if (iso !== undefined) {
      r.error(
        'unknown-isolation',
        p,
        `unknown isolation ${quote(iso)}`,
        '`worker` (a thread per call, deadlines enforced) or `inline` (trusted code only)',
      );
    }
  }
  const memory = (v: unknown, p: string) => {
    const bytes = readQuantity(r, v, p, 'memory_limit', parseBytes);
    if (bytes !== undefined) setLimit(limits, at, 'memory', bytes, r.ref(p));
  };
  if (section.memory_limit !== undefined)
    memory(section.memory_limit, joinPointer(pointer, 'memory_limit'));
  if (section.engine !== undefined) {
    const p = joinPointer(pointer, 'engine');
    const engine = r.readString(section.engine, p, '`runtime.engine`');
    if (engine !== undefined) {
      r.warning(
        'engine-ignored',
        p,
        `\`runtime.engine\` ${quote(engine)} is ignored: guests run on the engine of the host`,
        'limits in `resources.limits` apply whatever the engine',
      );
    }
  }
  for (const engine of ENGINES) {
    if (section[engine] === undefined) continue;
    const ep = joinPointer(pointer, engine);
    const map = r.readMap(section[engine], ep, `\`runtime.${engine}\``, [
      'fuel',
      'memory_limit',
      'wasi_nn',
    ]);
    if (!map) continue;
    if (map.memory_limit !== undefined) memory(map.memory_limit, joinPointer(ep, 'memory_limit'));
    if (map.fuel !== undefined) {
      const p = joinPointer(ep, 'fuel');
      if (r.readNumber(map.fuel, p, '`fuel`') !== undefined) {
        r.warning(
          'fuel-ignored',
          p,
          '`fuel` is ignored; calls are bounded by time instead',
          'set `resources.limits.execution_time`, e.g. `30s`',
        );
      }
    }
    if (map.wasi_nn !== undefined) {
      const p = joinPointer(ep, 'wasi_nn');
      if (r.readBoolean(map.wasi_nn, p, '`wasi_nn`') === true) {
        r.warning(
          'wasi-nn-unsupported',
          p,
          '`wasi_nn` is not available; guests that import it will not load',
        );
      }
    }
  }
  return out;
}
