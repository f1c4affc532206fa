// Just enough of the WebAssembly binary format to tell a module from a
// component and to set the maximum of its memories, without a round trip
// through a full toolchain that might change anything else.

export type BinaryKind = 'module' | 'component' | 'not-wasm';

export function binaryKind(bytes: Uint8Array): BinaryKind {
  if (
    bytes.length < 8 ||
    bytes[0] !== 0 ||
    bytes[1] !== 0x61 ||
    bytes[2] !== 0x73 ||
    bytes[3] !== 0x6d
  ) {
    return 'not-wasm';
  }
  // Version 1 is a core module; a component has layer 1 in bytes 6-7.
  if (bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return 'module';
  if (bytes[6] === 1 && bytes[7] === 0) return 'component';
  return 'module';
}

/** Reads the binary format's numbers and names, within `[pos, end)`. */
export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    readonly end: number = bytes.length,
  ) {}
  /** How a reader reports malformed input (subclasses throw their own error type). */
  protected fail(message: string): never {
    throw new Error(message);
  }
  byte(): number {
    if (this.pos >= this.end) this.fail('unexpected end of the binary');
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 35) this.fail('LEB128 number too long');
    }
    return result;
  }
  u64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 70n) this.fail('LEB128 number too long');
    }
    return result;
  }
  /** Past a signed LEB128 number (its value is not needed). */
  skipLeb(): void {
    let b: number;
    do b = this.byte();
    while (b & 0x80);
  }
  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) this.fail('a name runs past the end of its section');
    const s = nameDecoder.decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
}

const nameDecoder = new TextDecoder();

/** A name as the binary format writes it: its length, then UTF-8. */
export function encodeName(text: string): Uint8Array {
  const encoded = new TextEncoder().encode(text);
  return concat([Uint8Array.from(uleb(encoded.length)), encoded]);
}

/** A section: its id, where it starts (header included), and its body's bounds. */
export interface Section {
  readonly id: number;
  readonly start: number;
  readonly body: number;
  readonly end: number;
}

/** Section ids in the order a module must have them (custom sections aside). */
const SECTION_ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

/** Where a section with this id stands in a module's order. */
export const sectionRank = (id: number): number => SECTION_ORDER.indexOf(id);

/** The sections of a core module, in order. */
export function sections(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (end > bytes.length) throw new Error('a section runs past the end of the module');
    out.push({ id, start, body: r.pos, end });
    r.pos = end;
  }
  return out;
}

export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const b = v & 0x7f;
    v = Math.floor(v / 128);
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export interface MemoryLimits {
  readonly min: number;
  readonly max: number | undefined;
  readonly shared: boolean;
  readonly memory64: boolean;
  readonly imported: boolean;
}

export interface Limits {
  flags: number;
  min: number;
  max: number | undefined;
  start: number;
  end: number;
}

export function readLimits(r: Reader): Limits {
  const start = r.pos;
  const flags = r.byte();
  const is64 = (flags & 4) !== 0;
  const min = is64 ? Number(r.u64()) : r.u32();
  const max = flags & 1 ? (is64 ? Number(r.u64()) : r.u32()) : undefined;
  return { flags, min, max, start, end: r.pos };
}

const VALTYPE_NAMES: Readonly<Record<number, string>> = {
  127: 'i32',
  126: 'i64',
  125: 'f32',
  124: 'f64',
  123: 'v128',
  112: 'funcref',
  111: 'externref',
};

function valTypeName(r: Reader): string {
  const t = r.byte();
  const name = VALTYPE_NAMES[t];
  if (name === undefined) throw new Error(`value type 0x${t.toString(16)}`);
  return name;
}

/**
 * The functions a core module imports, with their types. Throws on what it
 * does not read (GC types, which have more forms than function types).
 */
export function functionImports(
  bytes: Uint8Array,
): Array<{ module: string; name: string; params: string[]; results: string[] }> {
  const types: Array<{ params: string[]; results: string[] }> = [];
  const out: Array<{ module: string; name: string; params: string[]; results: string[] }> = [];
  for (const { id, body, end } of sections(bytes)) {
    const r = new Reader(bytes, body, end);
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new Error('a type that is not a function type');
        const params: string[] = [];
        for (let i = r.u32(); i > 0; i--) params.push(valTypeName(r));
        const results: string[] = [];
        for (let i = r.u32(); i > 0; i--) results.push(valTypeName(r));
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (const { module, name, kind, index } of readImports(r)) {
        if (kind !== 0) continue;
        const type = types[index!];
        if (!type) throw new Error(`import ${module}.${name} names no type`);
        out.push({ module, name, ...type });
      }
      break;
    }
  }
  return out;
}

/** One import: for a function (kind 0) its type's index, for a memory (kind 2) its limits. */
export interface ImportEntry {
  readonly module: string;
  readonly name: string;
  /** 0 function, 1 table, 2 memory, 3 global, 4 tag. */
  readonly kind: number;
  readonly index?: number;
  readonly limits?: Limits;
}

/** The entries of the import section whose body `r` is at. */
export function readImports(r: Reader): ImportEntry[] {
  const out: ImportEntry[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const module = r.name();
    const name = r.name();
    const kind = r.byte();
    if (kind === 0) out.push({ module, name, kind, index: r.u32() });
    else if (kind === 1) {
      skipValType(r);
      readLimits(r);
      out.push({ module, name, kind });
    } else if (kind === 2) out.push({ module, name, kind, limits: readLimits(r) });
    else if (kind === 3) {
      skipValType(r);
      r.byte();
      out.push({ module, name, kind });
    } else if (kind === 4) {
      r.byte();
      r.u32();
      out.push({ module, name, kind });
    } else throw new Error(`unknown import kind ${kind}`);
  }
  return out;
}

function skipValType(r: Reader): void {
  const t = r.byte();
  // Reference types with a heap type (0x63 / 0x64) carry one more immediate.
  if (t === 0x63 || t === 0x64) r.u32();
}

/**
 * Memories of a core module (imported and defined), in pages, and the byte
 * ranges of their limits so they can be rewritten.
 */
function scanMemories(bytes: Uint8Array): Array<Limits & { imported: boolean }> {
  const out: Array<Limits & { imported: boolean }> = [];
  for (const { id, body } of sections(bytes)) {
    const r = new Reader(bytes, body);
    if (id === 2) {
      for (const e of readImports(r)) if (e.limits) out.push({ ...e.limits, imported: true });
    } else if (id === 5) {
      const count = r.u32();
      for (let i = 0; i < count; i++) out.push({ ...readLimits(r), imported: false });
    }
  }
  return out;
}

export function memoriesOf(bytes: Uint8Array): MemoryLimits[] {
  return scanMemories(bytes).map((m) => ({
    min: m.min,
    max: m.max,
    shared: (m.flags & 2) !== 0,
    memory64: (m.flags & 4) !== 0,
    imported: m.imported,
  }));
}

/**
 * The module with every memory's maximum set to at most `maxPages`. Sections
 * holding a changed limit are re-encoded; everything else is copied as is.
 */
export function capMemories(bytes: Uint8Array, maxPages: number): Uint8Array {
  const memories = scanMemories(bytes).filter((m) => m.max === undefined || m.max > maxPages);
  if (memories.length === 0) return bytes;
  const chunks: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const { id, start: sectionStart, body: bodyStart, end } of sections(bytes)) {
    const patches = memories.filter((m) => m.start >= bodyStart && m.end <= end);
    if (patches.length === 0) {
      chunks.push(bytes.subarray(sectionStart, end));
    } else {
      const body: Uint8Array[] = [];
      let at = bodyStart;
      for (const m of patches) {
        if ((m.flags & 4) !== 0) throw new Error('64-bit memories are not supported');
        body.push(
          bytes.subarray(at, m.start),
          Uint8Array.from([m.flags | 1, ...uleb(m.min), ...uleb(maxPages)]),
        );
        at = m.end;
      }
      body.push(bytes.subarray(at, end));
      const length = body.reduce((n, b) => n + b.length, 0);
      chunks.push(Uint8Array.from([id, ...uleb(length)]), ...body);
    }
  }
  return concat(chunks);
}

export const PAGE = 65536;

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The contents of every top-level custom section `name` of a module or component, in order. */
export function customSections(bytes: Uint8Array, name: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const { id, body, end } of sections(bytes)) {
    if (id !== 0) continue;
    const r = new Reader(bytes, body, end);
    if (r.name() === name) out.push(bytes.subarray(r.pos, end));
  }
  return out;
}

/** The module or component without its top-level custom sections `name` (itself when it has none). */
export function withoutCustomSections(bytes: Uint8Array, name: string): Uint8Array {
  const all = sections(bytes);
  const named = ({ id, body, end }: Section) =>
    id === 0 && new Reader(bytes, body, end).name() === name;
  if (!all.some(named)) return bytes;
  return concat([
    bytes.subarray(0, 8),
    ...all.filter((s) => !named(s)).map((s) => bytes.subarray(s.start, s.end)),
  ]);
}

/**
 * The module with one custom section `name` holding `content`, in place of
 * any sections of that name it had (appended at the end). Every other byte
 * is kept as it was.
 */
export function setCustomSection(bytes: Uint8Array, name: string, content: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const { id, start, body, end } of sections(bytes)) {
    if (id !== 0 || new Reader(bytes, body, end).name() !== name)
      chunks.push(bytes.subarray(start, end));
  }
  const header = encodeName(name);
  chunks.push(Uint8Array.from([0, ...uleb(header.length + content.length)]), header, content);
  return concat(chunks);
}
