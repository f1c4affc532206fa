// Reading JSON-lines files without holding them whole: a forward reader in
// bounded chunks, and the last complete line and torn tail of a file.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;
/** Longer lines are reported, not returned (a record is far smaller). */
export const MAX_LINE = 1 << 20;

export interface Line {
  /** 1-based line number. */
  readonly number: number;
  readonly text: string;
  /** False for bytes after the last newline: a write cut short. */
  readonly complete: boolean;
  /** The line was longer than MAX_LINE; `text` holds only its start. */
  readonly tooLong?: boolean;
}

/** Every line of a file, in order. Throws only when the file cannot be read. */
export function* readLines(path: string): Generator<Line> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let tooLong = false;
    let number = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl === -1 || nl >= n) break;
        number++;
        const part = buf.subarray(start, nl);
        const text = pendingBytes
          ? Buffer.concat([...pending, part]).toString('utf8', 0, MAX_LINE)
          : part.toString('utf8', 0, Math.min(part.length, MAX_LINE));
        const long = tooLong || pendingBytes + part.length > MAX_LINE;
        yield { number, text, complete: true, ...(long ? { tooLong: true } : {}) };
        pending = [];
        pendingBytes = 0;
        tooLong = false;
        start = nl + 1;
      }
      if (start < n) {
        // Keep at most MAX_LINE bytes of an unfinished line.
        if (pendingBytes < MAX_LINE) {
          const rest = Buffer.from(
            buf.subarray(start, Math.min(n, start + MAX_LINE - pendingBytes)),
          );
          pending.push(rest);
          pendingBytes += rest.length;
        }
        if (pendingBytes >= MAX_LINE) tooLong = true;
      }
    }
    if (pendingBytes > 0) {
      number++;
      yield {
        number,
        text: Buffer.concat(pending).toString('utf8'),
        complete: false,
        ...(tooLong ? { tooLong: true } : {}),
      };
    }
  } finally {
    closeSync(fd);
  }
}

export interface Tail {
  /** The last complete line, if the file has one within reach. */
  readonly last?: string;
  /** Bytes after the last newline (a torn write). */
  readonly tornBytes: number;
  readonly size: number;
  /** The last line is longer than the window read. */
  readonly tooLong: boolean;
}

/** The end of an open file: its last complete line and any torn bytes after it. */
export function tailOf(fd: number, window = 2 * MAX_LINE): Tail {
  const size = fstatSync(fd).size;
  if (size === 0) return { tornBytes: 0, size, tooLong: false };
  const length = Math.min(size, window);
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, size - length + got);
    if (n === 0) break;
    got += n;
  }
  const end = buf.lastIndexOf(10, got - 1);
  if (end === -1) return { tornBytes: size <= window ? size : 0, size, tooLong: size > window };
  const tornBytes = got - 1 - end;
  const before = end === 0 ? -1 : buf.lastIndexOf(10, end - 1);
  if (before === -1 && size > length) return { tornBytes, size, tooLong: true };
  return { last: buf.toString('utf8', before + 1, end), tornBytes, size, tooLong: false };
}

/** The first line of a file, if it has a complete one within `window` bytes. */
export function firstLineOf(fd: number, window = MAX_LINE): string | undefined {
  const buf = Buffer.alloc(window);
  const n = readSync(fd, buf, 0, window, 0);
  const nl = buf.indexOf(10);
  if (nl === -1 || nl >= n) return undefined;
  return buf.toString('utf8', 0, nl);
}
