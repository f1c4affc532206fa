// A copy of a core module whose `memory.grow` asks a global first: the pages
// its linear memory may have, which the host sets and moves. An Extism
// plugin's memory limit covers its linear memory and the kernel's heap
// together; the kernel refuses a block that does not fit beside the linear
// memory, and with this the linear memory cannot grow into what the heap
// holds either, so the two never pass the limit together, not even for a
// moment.
//
// Each `memory.grow` of memory 0 becomes
//
//   global.set $delta
//   if (memory.size + $delta > $limit, unsigned, in i64)
//     $refused = 1; -1          ;; as a grow the engine refuses
//   else
//     memory.grow $delta
//
// with three new mutable i32 globals at the end of the module's (so no index
// moves): $delta, $limit (exported as GROW_LIMIT_EXPORT, starting at -1: no
// limit beyond the memory's maximum) and $refused (GROW_REFUSED_EXPORT). The
// rest of the module is copied as it is. Written here for the same reasons as
// the metering (meter.ts), whose instruction decoder it shares.

import { instruction, METER_OFF_THREAD_BYTES, Op, valtype } from './meter.js';
import { oneShot } from './one-shot-worker.js';
import type { RewriteJob } from './rewrite-worker.js';
import {
  concat,
  Reader,
  readImports,
  type Section,
  sectionRank,
  sections,
  uleb,
} from './wasm-binary.js';
import {
  ELSE,
  END,
  globalExport,
  globalGet,
  globalSet,
  I64_ADD,
  I64_EXTEND_I32_U,
  I64_GT_U,
  IF_I32,
  i32Const,
  MEMORY_GROW,
  MEMORY_SIZE,
  mutableI32,
} from './wasm-code.js';

/** Pages the linear memory may have (unsigned); the host sets it. */
export const GROW_LIMIT_EXPORT = '__mcpkit_grow_limit';
/** Non-zero once a `memory.grow` was refused for the limit. */
export const GROW_REFUSED_EXPORT = '__mcpkit_grow_refused';

const GLOBAL_SECTION = 6;
const EXPORT_SECTION = 7;
const CODE_SECTION = 10;

/**
 * The guarded copy of `bytes` (a valid core module), or undefined when it
 * cannot be made (code the decoder does not know, names taken): the module
 * then runs as it is, its limit checked at allocations and when a call ends.
 */
export function guardGrowth(bytes: Uint8Array): Uint8Array | undefined {
  try {
    return rewrite(bytes);
  } catch {
    return undefined;
  }
}

/** `guardGrowth`, a large module's on a thread of its own (a Go program takes 100 ms). */
export async function guardGrowthAsync(bytes: Uint8Array): Promise<Uint8Array | undefined> {
  if (bytes.length <= METER_OFF_THREAD_BYTES) return guardGrowth(bytes);
  try {
    return await oneShot<Uint8Array | undefined>(
      new URL('./rewrite-worker.js', import.meta.url),
      { kind: 'guard', bytes } satisfies RewriteJob,
      'guarding memory.grow',
    );
  } catch {
    return undefined;
  }
}

function countGlobals(bytes: Uint8Array, list: readonly Section[]): number {
  let n = 0;
  for (const s of list) {
    const r = new Reader(bytes, s.body, s.end);
    if (s.id === 2) n += readImports(r).filter((e) => e.kind === 3).length;
    else if (s.id === GLOBAL_SECTION) n += r.u32();
  }
  return n;
}

function exportNames(bytes: Uint8Array, s: Section): string[] {
  const r = new Reader(bytes, s.body, s.end);
  const names: string[] = [];
  for (let i = r.u32(); i > 0; i--) {
    names.push(r.name());
    r.byte();
    r.u32();
  }
  return names;
}

function rewrite(bytes: Uint8Array): Uint8Array | undefined {
  const list = sections(bytes);
  const exportSection = list.find((s) => s.id === EXPORT_SECTION);
  const taken = exportSection ? exportNames(bytes, exportSection) : [];
  if (taken.includes(GROW_LIMIT_EXPORT) || taken.includes(GROW_REFUSED_EXPORT))
    throw new Error('the names are taken');
  const first = countGlobals(bytes, list);
  const [delta, limit, refused] = [first, first + 1, first + 2].map(uleb) as [
    number[],
    number[],
    number[],
  ];
  const globals = [mutableI32(0), mutableI32(-1), mutableI32(0)];
  const exports = [
    globalExport(GROW_LIMIT_EXPORT, first + 1),
    globalExport(GROW_REFUSED_EXPORT, first + 2),
  ];
  const guard = Uint8Array.from([
    ...globalSet(delta),
    // memory.size + delta > limit, unsigned, in i64
    ...globalGet(delta),
    I64_EXTEND_I32_U,
    ...MEMORY_SIZE,
    I64_EXTEND_I32_U,
    I64_ADD,
    ...globalGet(limit),
    I64_EXTEND_I32_U,
    I64_GT_U,
    ...IF_I32,
    ...i32Const(1),
    ...globalSet(refused),
    ...i32Const(-1),
    ELSE,
    ...globalGet(delta),
    ...MEMORY_GROW,
    END,
  ]);

  const out: Uint8Array[] = [bytes.subarray(0, 8)];
  const emit = (id: number, count: number, items: readonly Uint8Array[]) => {
    const body = concat([Uint8Array.from(uleb(count)), ...items]);
    out.push(Uint8Array.from([id, ...uleb(body.length)]), body);
  };
  let placedGlobals = false;
  let placedExports = false;
  // A module without a global or export section gets one where it belongs.
  const placeMissing = (nextRank: number) => {
    if (!placedGlobals && nextRank > sectionRank(GLOBAL_SECTION)) {
      emit(GLOBAL_SECTION, globals.length, globals);
      placedGlobals = true;
    }
    if (!placedExports && nextRank > sectionRank(EXPORT_SECTION)) {
      emit(EXPORT_SECTION, exports.length, exports);
      placedExports = true;
    }
  };
  let grows = 0;
  for (const s of list) {
    if (s.id !== 0) placeMissing(sectionRank(s.id));
    const r = new Reader(bytes, s.body, s.end);
    if (s.id === GLOBAL_SECTION || s.id === EXPORT_SECTION) {
      const count = r.u32();
      const added = s.id === GLOBAL_SECTION ? globals : exports;
      emit(s.id, count + added.length, [bytes.subarray(r.pos, s.end), ...added]);
      if (s.id === GLOBAL_SECTION) placedGlobals = true;
      else placedExports = true;
    } else if (s.id === CODE_SECTION) {
      const count = r.u32();
      const bodies: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const size = r.u32();
        const body = bytes.subarray(r.pos, r.pos + size);
        r.pos += size;
        const guarded = guardBody(body, guard);
        if (guarded !== body) grows++;
        bodies.push(concat([Uint8Array.from(uleb(guarded.length)), guarded]));
      }
      emit(CODE_SECTION, count, bodies);
    } else {
      out.push(bytes.subarray(s.start, s.end));
    }
  }
  placeMissing(Number.POSITIVE_INFINITY);
  // A module that never grows its memory needs no guard.
  return grows === 0 ? bytes : concat(out);
}

/** `body` with each `memory.grow 0` replaced by `guard`; `body` itself when it has none. */
function guardBody(body: Uint8Array, guard: Uint8Array): Uint8Array {
  const r = new Reader(body, 0);
  for (let groups = r.u32(); groups > 0; groups--) {
    r.u32();
    valtype(r);
  }
  const chunks: Uint8Array[] = [];
  let copied = 0;
  while (r.pos < body.length) {
    const at = r.pos;
    if (instruction(r) === Op.MemoryGrow) {
      chunks.push(body.subarray(copied, at), guard);
      copied = r.pos;
    }
  }
  if (copied === 0) return body;
  chunks.push(body.subarray(copied));
  return concat(chunks);
}
