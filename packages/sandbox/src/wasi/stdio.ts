// The guest's standard streams: stdin is a buffer, stdout and stderr are
// growing buffers with a cap. Exceeding the cap ends the call.

import { OutputLimitExceeded } from './aborts.js';

export class InputBuffer {
  #data: Uint8Array;
  #pos = 0;
  constructor(data: Uint8Array) {
    this.#data = data;
  }
  reset(data: Uint8Array): void {
    this.#data = data;
    this.#pos = 0;
  }
  get remaining(): number {
    return this.#data.length - this.#pos;
  }
  /** Copy up to `into.length` bytes; 0 at end of input. */
  read(into: Uint8Array): number {
    const n = Math.min(into.length, this.remaining);
    into.set(this.#data.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return n;
  }
}

export class OutputBuffer {
  #chunks: Uint8Array[] = [];
  #size = 0;
  /** Called with each write, e.g. to forward stderr as it happens. */
  onData: ((chunk: Uint8Array) => void) | undefined;

  constructor(
    readonly stream: 'stdout' | 'stderr',
    readonly limit: number,
    onData?: (chunk: Uint8Array) => void,
  ) {
    this.onData = onData;
  }

  get size(): number {
    return this.#size;
  }

  write(data: Uint8Array): void {
    if (this.#size + data.length > this.limit) {
      const room = this.limit - this.#size;
      if (room > 0) this.#push(data.slice(0, room));
      throw new OutputLimitExceeded(this.stream, this.limit);
    }
    this.#push(data.slice());
  }

  #push(copy: Uint8Array): void {
    this.#chunks.push(copy);
    this.#size += copy.length;
    this.onData?.(copy);
  }

  bytes(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0]!;
    const out = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.#chunks = [out];
    return out;
  }
}
