// The audit log: one hash-chained JSON line per record, written with write(2)
// before `append` returns, rotated by size without breaking the chain, with a
// head file that shows a cut end. A failed write leaves the log failed: every
// later append throws, so a caller refuses calls instead of running them
// unaudited.

import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { GENESIS, isLineProblem, LineMac, openLine, sealLine } from './chain.js';
import { type AuditClient, type AuditEntry, recordFields } from './entry.js';
import { AuditError, AuditUnavailableError } from './errors.js';
import { HeadWriter, headPath, readHead } from './head.js';
import { firstLineOf, tailOf } from './lines.js';
import { WriterLock } from './lock.js';
import { ARGUMENTS_MODES, type ArgumentsMode } from './redact.js';
import { pruneRotated, rotatedFiles, rotatedName } from './rotation.js';

export interface AuditLogOptions {
  readonly file: string;
  /** Rotate when the live file would grow beyond this; default 16 MiB. */
  readonly maxBytes?: number;
  /** Rotated files kept; default 10. */
  readonly keep?: number;
  /** HMAC-SHA256 key (at least 16 bytes); records and head then carry an HMAC. */
  readonly key?: Uint8Array;
  /** What of tool arguments (`details.arguments`) is kept; default `redact`. */
  readonly arguments?: ArgumentsMode;
  /** fdatasync after every record (slower; survives power loss, not only a crash). */
  readonly fsync?: boolean;
  /** Who the `start` and `stop` records name; default the server itself. */
  readonly server?: AuditClient;
}

const MIB = 1 << 20;
/** A record longer than this keeps its fields but not its details. */
const MAX_RECORD = 64 * 1024;
const MIN_KEY = 16;

const SERVER: AuditClient = { id: 'mcpkit', role: 'server', via: 'stdio' };

/** What the log found when it was opened, kept in its `start` record. */
interface Recovered {
  tornBytes?: number;
  missing?: { from: number; to: number };
  head?: 'missing' | 'unreadable' | 'mismatch';
}

function invalidOption(message: string): never {
  throw new AuditError('invalid-option', `audit log: ${message}`);
}

function corrupt(file: string, what: string): never {
  throw new AuditError(
    'audit-corrupt',
    `audit log \`${file}\` ${what}; the chain cannot be continued. Run \`mcpkit audit verify ${file}\`, move the files aside for investigation, and start a new log`,
  );
}

function writeAll(fd: number, bytes: Buffer): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** seq and hash of the last record of a file, or undefined when it has none. */
function lastRecord(
  file: string,
  fd: number,
): { seq: number; hash: string; action: unknown; tornBytes: number } | undefined {
  const tail = tailOf(fd);
  if (tail.tooLong) corrupt(file, 'ends with a line too long to be a record');
  if (tail.last === undefined) return undefined;
  const r = openLine(tail.last);
  if (isLineProblem(r))
    corrupt(file, `ends with a line that is not an audit record (${r.message})`);
  const seq = r.fields.seq;
  if (!Number.isSafeInteger(seq) || (seq as number) < 1)
    corrupt(file, 'ends with a record without a valid `seq`');
  return { seq: seq as number, hash: r.hash, action: r.fields.action, tornBytes: tail.tornBytes };
}

export class AuditLog {
  readonly file: string;
  readonly #o: Required<Pick<AuditLogOptions, 'maxBytes' | 'keep' | 'arguments' | 'fsync'>>;
  readonly #mac: LineMac | undefined;
  readonly #server: AuditClient;
  readonly #lock: WriterLock;
  #fd = -1;
  #regular = false;
  #head: HeadWriter | undefined;
  #size = 0;
  #seq = 0;
  #prev = GENESIS;
  #firstSeq = 1;
  #written = 0;
  #timeMs = 0;
  #time = '';
  #failure: AuditUnavailableError | undefined;
  #closed = false;

  /**
   * Open (or continue) the log at `options.file` and write its `start`
   * record. Throws AuditUnavailableError when it cannot be written, so a
   * broken disk is found at start rather than at the first call.
   */
  static open(options: AuditLogOptions): AuditLog {
    const log = new AuditLog(options);
    log.#open();
    return log;
  }

  private constructor(o: AuditLogOptions) {
    if (typeof o.file !== 'string' || o.file.length === 0) invalidOption('`file` is required');
    const maxBytes = o.maxBytes ?? 16 * MIB;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 4096)
      invalidOption(`\`maxBytes\` must be an integer of at least 4096, not \`${o.maxBytes}\``);
    const keep = o.keep ?? 10;
    if (!Number.isSafeInteger(keep) || keep < 0)
      invalidOption(`\`keep\` must be a whole number, not \`${o.keep}\``);
    const mode = o.arguments ?? 'redact';
    if (!ARGUMENTS_MODES.includes(mode))
      invalidOption(`\`arguments\` must be one of ${ARGUMENTS_MODES.join(', ')}, not \`${mode}\``);
    if (o.key !== undefined && !(o.key instanceof Uint8Array && o.key.length >= MIN_KEY))
      invalidOption(`the HMAC key must be at least ${MIN_KEY} bytes`);
    this.file = o.file;
    this.#o = { maxBytes, keep, arguments: mode, fsync: o.fsync === true };
    this.#mac = o.key ? new LineMac(o.key) : undefined;
    this.#server = o.server ?? SERVER;
    this.#lock = new WriterLock(o.file);
  }

  /** False once a write failed or the log was closed: appends throw. */
  get healthy(): boolean {
    return this.#failure === undefined && !this.#closed;
  }

  /** The seq of the last record written. */
  get seq(): number {
    return this.#seq;
  }

  #open(): void {
    try {
      this.#fd = this.#openFile();
    } catch (e) {
      throw new AuditUnavailableError(this.file, e, 'cannot be opened');
    }
    const recovered: Recovered = {};
    let previous: 'none' | 'closed' | 'unclean' = 'none';
    try {
      this.#regular = fstatSync(this.#fd).isFile();
      // A pipe or device (a log shipper, /dev/full) is written as a stream:
      // no tail to continue, no head, no rotation.
      if (this.#regular) {
        this.#lock.acquire();
        previous = this.#recover(recovered);
      }
    } catch (e) {
      this.#release();
      if (e instanceof AuditError) throw e;
      throw new AuditUnavailableError(this.file, e, 'cannot be opened');
    }
    const details: Record<string, unknown> = { pid: process.pid, host: hostname(), previous };
    if (Object.keys(recovered).length > 0) details.recovered = recovered;
    try {
      this.#write({ client: this.#server, action: 'start', decision: 'allowed', details });
    } catch (e) {
      this.#release();
      throw e instanceof AuditUnavailableError ? e : new AuditUnavailableError(this.file, e);
    }
  }

  #openFile(): number {
    let regular = true;
    try {
      regular = statSync(this.file).isFile();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    }
    if (regular) return openSync(this.file, 'a+', 0o600);
    // A pipe or device, opened for writing only (a pipe whose reader goes
    // away then fails writes with EPIPE). The non-blocking probe makes a
    // pipe without a reader an error now (ENXIO), not a hang.
    const probe = openSync(
      this.file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_NONBLOCK,
    );
    try {
      return openSync(this.file, 'a');
    } finally {
      closeSync(probe);
    }
  }

  /** Pick up the chain where the files end; drop a torn last line; check the head. */
  #recover(recovered: Recovered): 'none' | 'closed' | 'unclean' {
    let last = lastRecord(this.file, this.#fd);
    const size = fstatSync(this.#fd).size;
    const torn = last ? last.tornBytes : size;
    if (torn > 0) {
      ftruncateSync(this.#fd, size - torn);
      recovered.tornBytes = torn;
    }
    this.#size = size - torn;
    if (last) {
      const first = firstLineOf(this.#fd);
      const r = first === undefined ? undefined : openLine(first);
      const seq = r && !isLineProblem(r) ? r.fields.seq : undefined;
      if (!Number.isSafeInteger(seq)) corrupt(this.file, 'starts with a line that is not a record');
      this.#firstSeq = seq as number;
    } else {
      // An empty live file: the chain goes on from the newest rotated one.
      const rotated = rotatedFiles(this.file).at(-1);
      if (rotated) {
        const fd = openSync(rotated, 'r');
        try {
          last = lastRecord(rotated, fd);
        } finally {
          closeSync(fd);
        }
      }
    }
    if (last) {
      this.#seq = last.seq;
      this.#prev = last.hash;
      if (this.#size === 0) this.#firstSeq = last.seq + 1;
    }
    const head = readHead(headPath(this.file), this.#mac);
    if (head.state === 'ok') {
      if (head.head.seq > this.#seq) recovered.missing = { from: this.#seq + 1, to: head.head.seq };
      else if (head.head.seq === this.#seq && head.head.hash !== this.#prev)
        recovered.head = 'mismatch';
    } else if (last) recovered.head = head.state === 'missing' ? 'missing' : 'unreadable';
    this.#head = new HeadWriter(headPath(this.file));
    // A new log's head exists before its first record, so no crash leaves
    // records without one.
    if (!last) this.#head.write(0, GENESIS);
    return last === undefined ? 'none' : last.action === 'stop' ? 'closed' : 'unclean';
  }

  /**
   * Write one record. Synchronous: the line has been handed to the kernel
   * (and, with `fsync`, to the disk) when this returns. Throws
   * AuditUnavailableError when it cannot be, and from then on.
   */
  append(entry: AuditEntry): void {
    if (this.#failure) throw new AuditUnavailableError(this.file, this.#failure.cause);
    if (this.#closed) throw new AuditUnavailableError(this.file, new Error('the log is closed'));
    this.#write(entry);
  }

  #write(entry: AuditEntry): void {
    const seq = this.#seq + 1;
    const fields = recordFields(seq, this.#now(), entry, this.#o.arguments);
    let sealed = sealLine(fields, this.#prev, this.#mac);
    let bytes = Buffer.from(`${sealed.line}\n`);
    if (bytes.length > MAX_RECORD) {
      fields.details = { omitted: `details made the record ${bytes.length} bytes` };
      sealed = sealLine(fields, this.#prev, this.#mac);
      bytes = Buffer.from(`${sealed.line}\n`);
    }
    try {
      if (this.#regular && this.#size > 0 && this.#size + bytes.length > this.#o.maxBytes)
        this.#rotate();
      writeAll(this.#fd, bytes);
      if (this.#o.fsync) fdatasyncSync(this.#fd);
      this.#size += bytes.length;
      this.#seq = seq;
      this.#prev = sealed.hash;
      this.#written++;
      this.#head?.write(seq, sealed.hash, sealed.hmac);
    } catch (e) {
      // Take back a partly written line, so the file ends on a whole record.
      if (this.#regular && this.#seq !== seq) {
        try {
          ftruncateSync(this.#fd, this.#size);
        } catch {
          // The next open drops it instead.
        }
      }
      this.#failure = new AuditUnavailableError(this.file, e);
      throw this.#failure;
    }
  }

  /** The time as ISO text, formatted once per millisecond (formatting costs more than the hash). */
  #now(): string {
    const ms = Date.now();
    if (ms !== this.#timeMs) {
      this.#timeMs = ms;
      this.#time = new Date(ms).toISOString();
    }
    return this.#time;
  }

  #rotate(): void {
    renameSync(this.file, rotatedName(this.file, this.#firstSeq));
    const fd = openSync(this.file, 'a+', 0o600);
    closeSync(this.#fd);
    this.#fd = fd;
    this.#size = 0;
    this.#firstSeq = this.#seq + 1;
    pruneRotated(this.file, this.#o.keep);
  }

  /** Write the `stop` record (a log without one ended in a crash) and close the files. */
  close(): void {
    if (this.#closed) return;
    if (!this.#failure) {
      try {
        this.#write({
          client: this.#server,
          action: 'stop',
          decision: 'allowed',
          details: { records: this.#written },
        });
        if (this.#regular) fdatasyncSync(this.#fd);
      } catch {
        // Failed now (healthy is false); the log reads as one that ended in a crash.
      }
    }
    this.#closed = true;
    this.#release();
  }

  #release(): void {
    if (this.#fd >= 0) {
      try {
        closeSync(this.#fd);
      } catch {
        // Already unusable.
      }
      this.#fd = -1;
    }
    try {
      this.#head?.close();
    } catch {
      // Already unusable.
    }
    this.#head = undefined;
    this.#lock.release();
  }
}
