// Fuel metering: a copy of a core module that counts the code it runs and
// traps when a budget runs out, so a guest can be tried on the calling
// thread without the risk of it keeping that thread.
//
// Code is charged by region: from a function's entry, a loop's head, an
// `if` or `else` arm, or the point after a block's `end`, up to the next
// such point. Control only ever enters a region at its start (branches go
// to loop heads or past an `end`; calls return to where they left), so
// charging a region its instruction count on entry charges every
// instruction that runs, at the latest when its region is entered. Bulk
// memory and table operations are charged their length as well, one unit
// per KiB or per element.
//
// The fuel is one new mutable i32 global, exported as METER_EXPORT and
// initialised to the budget; a charge that takes it below zero traps
// (`unreachable`), which wasm code cannot catch. Nothing else moves: no
// function, global or type index changes, every other byte is copied.
//
// A module with one memory of its own gets it from the host (METER_MEMORY)
// and sees a size of its own: `memory.size` reads a global (METER_PAGES),
// and `memory.grow` moves it, growing the memory itself only past what it
// already has. An instance whose memory grew in a call can then be reset
// to how it was made: its image put back, the pages past it zeroed, the
// size it sees set back, instead of being thrown away (allocators such as
// Rust's and wasi-libc's grow memory on the first allocation of every
// call). Pages past the size it sees are zero at every reset, and reading
// them gives nothing of an earlier call.
//
// Written here rather than with binaryen, which has no metering pass and
// would re-encode the whole module: this must put checks exactly where the
// rule above says and leave the rest alone. What it does not understand
// (GC types, exception handling, threads, 64-bit memories and tables)
// leaves the module unmetered; the caller then simply does not use it.

import { oneShot } from './one-shot-worker.js';
import type { RewriteJob } from './rewrite-worker.js';
import {
  concat,
  encodeName,
  Reader,
  readLimits,
  type Section,
  sectionRank,
  sections,
  sleb,
  uleb,
} from './wasm-binary.js';
import {
  ELSE,
  END,
  type GlobalIndex,
  globalExport,
  globalGet,
  globalSet,
  I32_ADD,
  I32_EQ,
  I32_SUB,
  I64_ADD,
  I64_EXTEND_I32_U,
  I64_GT_U,
  I64_LE_U,
  IF_I32,
  i32Const,
  i64Const,
  MEMORY_GROW,
  MEMORY_SIZE,
  mutableI32,
} from './wasm-code.js';

/** The export through which the host reads what is left of the budget. */
export const METER_EXPORT = '__mcpkit_fuel';
/**
 * Where a metered module's memory comes from when it had one of its own:
 * the host gives it, so a memory can serve one instance after another
 * (zeroed in between) instead of being allocated and collected each time.
 */
export const METER_MEMORY = Object.freeze({ module: '__mcpkit', name: 'memory' });

/** Prefix of the exports that give the host each mutable global (suffix: its index). */
export const GLOBAL_EXPORT_PREFIX = '__mcpkit_global_';

/** The export of the memory size, in pages, a metered module with memory of its own sees. */
export const METER_PAGES = '__mcpkit_pages';

export interface MeteredCopy {
  bytes: Uint8Array;
  /** The module's memory is imported from METER_MEMORY. */
  memoryImported: boolean;
  /**
   * Whether an instance can be made as new again by restoring its memory and
   * its mutable globals (exported under GLOBAL_EXPORT_PREFIX): true unless the
   * code changes tables or drops or reads passive segments, state the host
   * cannot see.
   */
  resettable: boolean;
  /**
   * Export names of the mutable globals to restore on a reset: the module's
   * own, and METER_PAGES when the memory's size is its own.
   */
  globals: string[];
}

export type Metered = ({ ok: true } & MeteredCopy) | { ok: false; reason: string };

class Unsupported extends Error {}

/** Value types of the MVP, SIMD and reference types; anything else is a GC type. */
const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

/** A metered copy of `bytes` (a valid core module) with `budget` units of fuel. */
export function meter(bytes: Uint8Array, budget: number): Metered {
  try {
    // A plain view: a Buffer's subarray costs an object of its own class.
    const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { ok: true, ...rewrite(plain, budget) };
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, reason: error.message };
    return { ok: false, reason: `cannot read the module: ${(error as Error).message}` };
  }
}

/** Modules larger than this are metered on a thread of their own (about 20 ms of work here). */
export const METER_OFF_THREAD_BYTES = 512 * 1024;

/**
 * `meter`, without holding up the calling thread for long: a large module (a
 * Go program takes 100 ms or more) is metered in a worker of its own.
 */
export async function meterAsync(bytes: Uint8Array, budget: number): Promise<Metered> {
  if (bytes.length <= METER_OFF_THREAD_BYTES) return meter(bytes, budget);
  try {
    return await oneShot<Metered>(
      new URL('./rewrite-worker.js', import.meta.url),
      { kind: 'meter', bytes, budget } satisfies RewriteJob,
      'the metering',
    );
  } catch (error) {
    return { ok: false, reason: `the metering failed: ${(error as Error).message}` };
  }
}

export function valtype(r: Reader): void {
  const t = r.byte();
  if (!VALTYPES.has(t)) throw new Unsupported(`value type 0x${t.toString(16)}`);
}

interface ModuleFacts {
  /** Parameter count of each type. */
  params: number[];
  /** Type of each defined function. */
  functionTypes: number[];
  globals: number;
  /** Indices of the mutable globals the module defines. */
  mutableGlobals: number[];
  /** A mutable global the host cannot save and restore. */
  opaqueGlobals: boolean;
  exportNames: Set<string>;
  importedMemories: number;
  /** The limits of each memory the module defines, as encoded. */
  definedMemories: Uint8Array[];
}

function facts(bytes: Uint8Array, list: readonly Section[]): ModuleFacts {
  const f: ModuleFacts = {
    params: [],
    functionTypes: [],
    globals: 0,
    mutableGlobals: [],
    opaqueGlobals: false,
    exportNames: new Set(),
    importedMemories: 0,
    definedMemories: [],
  };
  for (const s of list) {
    const r = new Reader(bytes, s.body);
    if (s.id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        const form = r.byte();
        if (form !== 0x60) throw new Unsupported('GC type definitions');
        const params = r.u32();
        for (let i = 0; i < params; i++) valtype(r);
        for (let i = r.u32(); i > 0; i--) valtype(r);
        f.params.push(params);
      }
    } else if (s.id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) r.u32();
        else if (kind === 1) {
          valtype(r);
          limits(r, 'table');
        } else if (kind === 2) {
          limits(r, 'memory');
          f.importedMemories++;
        } else if (kind === 3) {
          valtype(r);
          r.byte();
          f.globals++;
        } else throw new Unsupported('exception tags');
      }
    } else if (s.id === 3) {
      for (let n = r.u32(); n > 0; n--) f.functionTypes.push(r.u32());
    } else if (s.id === 4) {
      for (let n = r.u32(); n > 0; n--) {
        valtype(r);
        limits(r, 'table');
      }
    } else if (s.id === 5) {
      for (let n = r.u32(); n > 0; n--) {
        const at = r.pos;
        limits(r, 'memory');
        f.definedMemories.push(bytes.subarray(at, r.pos));
      }
    } else if (s.id === 6) {
      for (let n = r.u32(); n > 0; n--) {
        const type = r.bytes[r.pos];
        valtype(r);
        if (r.byte() === 1) {
          f.mutableGlobals.push(f.globals);
          // The host cannot read or write a v128 global.
          if (type === 0x7b) f.opaqueGlobals = true;
        }
        f.globals++;
        // The initializer, a constant expression, up to its `end`.
        while (r.bytes[r.pos] !== 0x0b) instruction(r);
        r.pos++;
      }
    } else if (s.id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        f.exportNames.add(r.name());
        r.byte();
        r.u32();
      }
    } else if (s.id === 13) {
      throw new Unsupported('exception tags');
    }
  }
  return f;
}

function limits(r: Reader, what: string): void {
  const { flags } = readLimits(r);
  if (flags & 4) throw new Unsupported(`64-bit ${what}s`);
  if (flags & 2) throw new Unsupported(`shared ${what}s`);
}

function rewrite(bytes: Uint8Array, budget: number): MeteredCopy {
  const list = sections(bytes);
  const f = facts(bytes, list);
  // A lone memory of the module's own becomes its first import (index 0 either way).
  const moveMemory = f.importedMemories === 0 && f.definedMemories.length === 1;
  const memoryImport = moveMemory
    ? concat([
        encodeName(METER_MEMORY.module),
        encodeName(METER_MEMORY.name),
        Uint8Array.of(0x02),
        f.definedMemories[0]!,
      ])
    : undefined;
  if (f.exportNames.has(METER_EXPORT)) throw new Unsupported(`an export named ${METER_EXPORT}`);
  const fuel = f.globals;
  // The size its memory has as it sees it, and a scratch global for a grow.
  const pagesOwn = moveMemory;
  if (pagesOwn && f.exportNames.has(METER_PAGES))
    throw new Unsupported(`an export named ${METER_PAGES}`);
  const pages = fuel + 1;
  const globalsAdded = [
    mutableI32(budget),
    ...(pagesOwn
      ? [mutableI32(readLimits(new Reader(f.definedMemories[0]!, 0)).min), mutableI32(0)]
      : []),
  ];
  const globals = f.mutableGlobals.map((i) => `${GLOBAL_EXPORT_PREFIX}${i}`);
  if (globals.some((g) => f.exportNames.has(g)))
    throw new Unsupported(`an export named like ${GLOBAL_EXPORT_PREFIX}<n>`);
  const exportsAdded = [
    globalExport(METER_EXPORT, fuel),
    ...f.mutableGlobals.map((i, k) => globalExport(globals[k]!, i)),
    ...(pagesOwn ? [globalExport(METER_PAGES, pages)] : []),
  ];
  const sizing = pagesOwn ? { pages: uleb(pages), delta: uleb(pages + 1) } : undefined;
  hiddenState = false;

  const out: Uint8Array[] = [bytes.subarray(0, 8)];
  const emit = (id: number, count: number, items: readonly Uint8Array[]) => {
    const body = concat([Uint8Array.from(uleb(count)), ...items]);
    out.push(Uint8Array.from([id, ...uleb(body.length)]), body);
  };
  let placedImport = !moveMemory;
  let placedGlobal = false;
  let placedExport = false;
  const placeMissing = (nextRank: number) => {
    if (!placedImport && nextRank > sectionRank(2)) {
      emit(2, 1, [memoryImport!]);
      placedImport = true;
    }
    if (!placedGlobal && nextRank > sectionRank(6)) {
      emit(6, globalsAdded.length, globalsAdded);
      placedGlobal = true;
    }
    if (!placedExport && nextRank > sectionRank(7)) {
      emit(7, exportsAdded.length, exportsAdded);
      placedExport = true;
    }
  };
  for (const s of list) {
    if (s.id !== 0) placeMissing(sectionRank(s.id));
    const r = new Reader(bytes, s.body);
    if (s.id === 2 && moveMemory) {
      const count = r.u32();
      emit(2, count + 1, [memoryImport!, bytes.subarray(r.pos, s.end)]);
      placedImport = true;
    } else if (s.id === 5 && moveMemory) {
      // Its only memory is now imported: the section goes.
    } else if (s.id === 6 || s.id === 7) {
      const count = r.u32();
      const added = s.id === 6 ? globalsAdded : exportsAdded;
      emit(s.id, count + added.length, [bytes.subarray(r.pos, s.end), ...added]);
      if (s.id === 6) placedGlobal = true;
      else placedExport = true;
    } else if (s.id === 10) {
      const count = r.u32();
      const bodies: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const size = r.u32();
        const params = f.params[f.functionTypes[i]!];
        if (params === undefined) throw new Error(`function ${i} has no type`);
        bodies.push(meterBody(bytes.subarray(r.pos, r.pos + size), params, fuel, sizing));
        r.pos += size;
      }
      emit(10, count, bodies);
    } else {
      out.push(bytes.subarray(s.start, s.end));
    }
  }
  placeMissing(Number.POSITIVE_INFINITY);
  return {
    bytes: concat(out),
    memoryImported: moveMemory,
    resettable: !hiddenState && !f.opaqueGlobals,
    globals: pagesOwn ? [...globals, METER_PAGES] : globals,
  };
}

/** What an instruction means to the metering (and to grow-guard.ts). */
export enum Op {
  Plain,
  /** Starts a region after itself: `loop`, `if`, `else`, `end`. */
  Boundary,
  /** Bulk memory or table operation; its length is on top of the stack. */
  Bulk,
  /** `memory.size` of memory 0. */
  MemorySize,
  /** `memory.grow` of memory 0. */
  MemoryGrow,
}

function memarg(r: Reader): void {
  const align = r.u32();
  if (align & 0x40) r.u32();
  r.u64();
}

function blocktype(r: Reader): void {
  const b = r.bytes[r.pos]!;
  if (b === 0x40 || VALTYPES.has(b)) r.pos++;
  else r.skipLeb();
}

/**
 * Decode one instruction of a function body (already validated by the
 * engine); what it is to the metering, and for Bulk the log2 of the length
 * per unit of fuel in `bulkShift`.
 */
let bulkShift = 0;
/** Set when an instruction changes state outside memory and globals (tables, passive segments). */
let hiddenState = false;
export function instruction(r: Reader): Op {
  const code = r.byte();
  let op = Op.Plain;
  if (code === 0x02) blocktype(r);
  else if (code === 0x03 || code === 0x04) {
    blocktype(r);
    op = Op.Boundary;
  } else if (code === 0x05 || code === 0x0b) op = Op.Boundary;
  else if (code === 0x0c || code === 0x0d || code === 0x10 || code === 0x12) r.u32();
  else if (code === 0x0e) {
    for (let n = r.u32(); n >= 0; n--) r.u32();
  } else if (code === 0x11 || code === 0x13) {
    r.u32();
    r.u32();
  } else if (code === 0x14 || code === 0x15 || code === 0xd2 || code === 0xd5 || code === 0xd6)
    r.u32();
  else if (code === 0x1c) {
    for (let n = r.u32(); n > 0; n--) valtype(r);
  } else if (code >= 0x20 && code <= 0x26) {
    r.u32();
    if (code === 0x26) hiddenState = true;
  } else if (code >= 0x28 && code <= 0x3e) memarg(r);
  else if (code === 0x3f || code === 0x40) {
    if (r.u32() === 0) op = code === 0x3f ? Op.MemorySize : Op.MemoryGrow;
  } else if (code === 0x41 || code === 0x42) r.skipLeb();
  else if (code === 0x43) r.pos += 4;
  else if (code === 0x44) r.pos += 8;
  else if (code === 0xd0) r.skipLeb();
  else if (code === 0xfc) {
    const sub = r.u32();
    if (sub <= 7) {
      // Saturating truncations: no immediates.
    } else if (sub === 9 || sub === 13 || sub === 16) {
      r.u32();
      if (sub !== 16) hiddenState = true;
    } else if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
      r.u32();
      r.u32();
      op = Op.Bulk;
      bulkShift = sub === 8 || sub === 10 ? 10 : 0;
      if (sub !== 10) hiddenState = true;
    } else if (sub === 11 || sub === 15 || sub === 17) {
      r.u32();
      op = Op.Bulk;
      bulkShift = sub === 11 ? 10 : 0;
      if (sub !== 11) hiddenState = true;
    } else throw new Unsupported(`instruction 0xfc ${sub}`);
  } else if (code === 0xfd) {
    const sub = r.u32();
    if (sub <= 11 || sub === 92 || sub === 93) memarg(r);
    else if (sub === 12 || sub === 13) r.pos += 16;
    else if (sub >= 21 && sub <= 34) r.pos += 1;
    else if (sub >= 84 && sub <= 91) {
      memarg(r);
      r.pos += 1;
    }
  } else if (
    code === 0x00 ||
    code === 0x01 ||
    code === 0x0f ||
    code === 0x1a ||
    code === 0x1b ||
    (code >= 0x45 && code <= 0xc4) ||
    code === 0xd1 ||
    code === 0xd3 ||
    code === 0xd4
  ) {
    // No immediates.
  } else if (code === 0xfe) throw new Unsupported('atomic instructions');
  else if (code === 0xfb) throw new Unsupported('GC instructions');
  else if ((code >= 0x06 && code <= 0x0a) || code === 0x18 || code === 0x19 || code === 0x1f)
    throw new Unsupported('exception handling');
  else throw new Unsupported(`instruction 0x${code.toString(16)}`);
  if (r.pos > r.bytes.length) throw new Error('a function body runs past its end');
  return op;
}

/** A growable byte buffer: a body is rewritten into one without small arrays. */
class Out {
  buf = new Uint8Array(256);
  length = 0;
  #room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.#room(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array | readonly number[]): void {
    this.#room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  get view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * `fuel -= <amount>; if (fuel < 0) unreachable` as global.get, <amount>,
 * i32.sub, global.set, global.get, i32.const 0, i32.lt_s, if, unreachable, end.
 */
function charge(out: Out, fuel: readonly number[], amount: readonly number[]): void {
  out.byte(0x23);
  out.bytes(fuel);
  out.bytes(amount);
  out.byte(0x6b);
  out.byte(0x24);
  out.bytes(fuel);
  out.byte(0x23);
  out.bytes(fuel);
  out.bytes(CHECK);
}
const CHECK = [0x41, 0, 0x48, 0x04, 0x40, 0, 0x0b];

/**
 * `memory.grow` against the size the module sees (`pages`), with the
 * requested pages in `delta`: within the memory it has, only the size moves;
 * past it the memory grows by what is missing. As an engine's grow: the old
 * size, or -1 (nothing changed) past 65536 pages or when the memory cannot
 * grow. Sizes are added in i64, so no request wraps around.
 */
function growAgainstPages(pages: GlobalIndex, delta: GlobalIndex): number[] {
  // pages + delta, in i64
  const wanted = [
    ...globalGet(pages),
    I64_EXTEND_I32_U,
    ...globalGet(delta),
    I64_EXTEND_I32_U,
    I64_ADD,
  ];
  // the old size, and pages += delta
  const grown = [
    ...globalGet(pages),
    ...globalGet(pages),
    ...globalGet(delta),
    I32_ADD,
    ...globalSet(pages),
  ];
  return [
    ...globalSet(delta),
    ...wanted,
    ...MEMORY_SIZE,
    I64_EXTEND_I32_U,
    I64_LE_U,
    ...IF_I32,
    // within the memory it has
    ...grown,
    ELSE,
    ...wanted,
    ...i64Const(65536),
    I64_GT_U,
    ...IF_I32,
    ...i32Const(-1),
    ELSE,
    // grow the memory by pages + delta - memory.size
    ...globalGet(pages),
    ...globalGet(delta),
    I32_ADD,
    ...MEMORY_SIZE,
    I32_SUB,
    ...MEMORY_GROW,
    ...i32Const(-1),
    I32_EQ,
    ...IF_I32,
    ...i32Const(-1),
    ELSE,
    ...grown,
    END,
    END,
    END,
  ];
}

function meterBody(
  body: Uint8Array,
  params: number,
  fuelIndex: number,
  sizing?: { pages: number[]; delta: number[] },
): Uint8Array {
  const r = new Reader(body, 0);
  const groups = r.u32();
  const groupsStart = r.pos;
  let locals = params;
  for (let i = 0; i < groups; i++) {
    locals += r.u32();
    valtype(r);
  }
  const localsEnd = r.pos;
  // Pass 1: where each instruction starts and what it is.
  const starts: number[] = [];
  const ops: Op[] = [];
  const shifts: number[] = [];
  while (r.pos < body.length) {
    starts.push(r.pos);
    const op = instruction(r);
    ops.push(op);
    if (op === Op.Bulk) shifts.push(bulkShift);
  }
  if (r.pos !== body.length) throw new Error('a function body runs past its end');
  starts.push(body.length);

  // Pass 2: copy the code in runs, a charge at each region's start (before
  // the first instruction, after every boundary but the final `end`) and
  // before each bulk operation.
  const fuel = uleb(fuelIndex);
  const scratch = uleb(locals);
  const out = new Out();
  out.bytes(uleb(groups + (shifts.length > 0 ? 1 : 0)));
  out.bytes(body.subarray(groupsStart, localsEnd));
  if (shifts.length > 0) out.bytes([1, 0x7f]);
  const count = ops.length;
  let copied = localsEnd;
  let bulk = 0;
  const regionFrom = (from: number) => {
    let n = 0;
    for (let i = from; i < count; i++) {
      n++;
      if (ops[i] === Op.Boundary) break;
    }
    charge(out, fuel, [0x41, ...sleb(n)]);
  };
  regionFrom(0);
  const grow = sizing ? growAgainstPages(sizing.pages, sizing.delta) : [];
  for (let i = 0; i < count; i++) {
    const op = ops[i];
    if (op === Op.Plain) continue;
    if (op === Op.MemorySize || op === Op.MemoryGrow) {
      if (!sizing) continue;
      out.bytes(body.subarray(copied, starts[i]));
      copied = starts[i + 1]!;
      out.bytes(op === Op.MemorySize ? globalGet(sizing.pages) : grow);
    } else if (op === Op.Bulk) {
      out.bytes(body.subarray(copied, starts[i]));
      copied = starts[i]!;
      // The length is on top of the stack: keep it there and charge it.
      out.byte(0x22);
      out.bytes(scratch);
      charge(out, fuel, [0x20, ...scratch, 0x41, ...sleb(shifts[bulk++]!), 0x76]);
    } else if (i + 1 < count) {
      out.bytes(body.subarray(copied, starts[i + 1]));
      copied = starts[i + 1]!;
      regionFrom(i + 1);
    }
  }
  out.bytes(body.subarray(copied, body.length));
  const size = uleb(out.length);
  const sized = new Uint8Array(size.length + out.length);
  sized.set(size);
  sized.set(out.view, size.length);
  return sized;
}
