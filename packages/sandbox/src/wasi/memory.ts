// Bounds-checked access to a guest's linear memory. Every pointer from the
// guest is checked against the current size; a bad one raises GuestFault,
// which the host function turns into EFAULT. Host memory is never reachable:
// all access goes through views of the guest's own buffer.

export class GuestFault extends Error {
  constructor(pointer: number, length: number) {
    super(`guest pointer ${pointer} (+${length}) is outside its memory`);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Most iovecs in one call, as POSIX IOV_MAX. */
export const MAX_IOVECS = 1024;

export class GuestMemory {
  #memory: WebAssembly.Memory | undefined;
  #buffer: ArrayBuffer = new ArrayBuffer(0);
  #view = new DataView(this.#buffer);
  #bytes = new Uint8Array(this.#buffer);
  /** The same bytes as a Buffer, for its latin1 slice (no copy, no decoder). */
  #nodeBuffer = Buffer.from(this.#buffer);

  attach(memory: WebAssembly.Memory): void {
    this.#memory = memory;
    this.#refresh();
  }

  #refresh(): void {
    const buffer = this.#memory?.buffer as ArrayBuffer | undefined;
    if (buffer && buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#view = new DataView(buffer);
      this.#bytes = new Uint8Array(buffer);
      this.#nodeBuffer = Buffer.from(buffer);
    }
  }

  /** Throws GuestFault unless [ptr, ptr + len) lies in memory. Returns ptr as unsigned. */
  check(ptr: number, len: number): number {
    const p = ptr >>> 0;
    const l = len >>> 0;
    if (this.#buffer.byteLength < p + l || this.#memory === undefined) {
      this.#refresh();
      if (this.#buffer.byteLength < p + l || this.#memory === undefined) throw new GuestFault(p, l);
    }
    return p;
  }

  // Each accessor checks first: the check may replace the views (memory grew),
  // so the view must be read after it, never captured before.
  u8(ptr: number): number {
    const p = this.check(ptr, 1);
    return this.#bytes[p]!;
  }
  setU8(ptr: number, v: number): void {
    const p = this.check(ptr, 1);
    this.#bytes[p] = v;
  }
  u16(ptr: number): number {
    const p = this.check(ptr, 2);
    return this.#view.getUint16(p, true);
  }
  setU16(ptr: number, v: number): void {
    const p = this.check(ptr, 2);
    this.#view.setUint16(p, v, true);
  }
  u32(ptr: number): number {
    const p = this.check(ptr, 4);
    return this.#view.getUint32(p, true);
  }
  setU32(ptr: number, v: number): void {
    const p = this.check(ptr, 4);
    this.#view.setUint32(p, v >>> 0, true);
  }
  /** A non-negative integer as a u64, no BigInt made (counts beyond 2^53 are already inexact). */
  setU64Number(ptr: number, v: number): void {
    const p = this.check(ptr, 8);
    const n = v > 0 ? Math.floor(v) : 0;
    this.#view.setUint32(p, n % 0x1_0000_0000, true);
    this.#view.setUint32(p + 4, Math.min(Math.floor(n / 0x1_0000_0000), 0xffff_ffff), true);
  }
  u64(ptr: number): bigint {
    const p = this.check(ptr, 8);
    return this.#view.getBigUint64(p, true);
  }
  setU64(ptr: number, v: bigint): void {
    const p = this.check(ptr, 8);
    this.#view.setBigUint64(p, BigInt.asUintN(64, v), true);
  }

  /** A view (not a copy) of guest bytes; valid until the guest's memory grows. */
  view(ptr: number, len: number): Uint8Array {
    const p = this.check(ptr, len);
    return this.#bytes.subarray(p, p + (len >>> 0));
  }

  /**
   * The whole memory, for host calls that take a buffer and an offset
   * (readSync, writeSync): valid only right after `check` of the range used,
   * before anything that could grow the memory.
   */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** UTF-8 text from guest memory; undefined when it is not valid UTF-8. */
  text(ptr: number, len: number): string | undefined {
    const p = this.check(ptr, len);
    const end = p + (len >>> 0);
    // Paths are ASCII nearly always: then the bytes are the text, no decoder needed.
    const b = this.#bytes;
    let i = p;
    while (i < end && b[i]! < 0x80) i++;
    if (i === end) return this.#nodeBuffer.toString('latin1', p, end);
    try {
      return decoder.decode(this.view(ptr, len));
    } catch (error) {
      if (error instanceof GuestFault) throw error;
      return undefined;
    }
  }

  write(ptr: number, data: Uint8Array): void {
    const p = this.check(ptr, data.length);
    this.#bytes.set(data, p);
  }

  /** Encode text into guest memory, at most `max` bytes; returns the bytes written. */
  writeText(ptr: number, text: string, max: number): number {
    const bytes = encoder.encode(text);
    const n = Math.min(bytes.length, max >>> 0);
    this.write(ptr, bytes.subarray(0, n));
    return n;
  }

  /**
   * Check an iovec array and every buffer it names; returns its length. The
   * caller reads each (ptr, len) pair with `u32` as it goes (no array made).
   */
  iovecs(ptr: number, count: number): number {
    const n = count >>> 0;
    if (n > MAX_IOVECS) throw new RangeError('too many iovecs');
    this.check(ptr, n * 8);
    for (let i = 0; i < n; i++) this.check(this.u32(ptr + i * 8), this.u32(ptr + i * 8 + 4));
    return n;
  }
}

export { encoder as utf8Encoder };
