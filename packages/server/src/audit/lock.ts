// One writer per log: a second process appending to the same file would
// interleave two chains, which verifies as tampering. The lock is a file
// holding the writer's pid; one whose process is gone (killed) is taken over.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuditError } from './errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Locks this process holds, so a second writer here is refused too. */
const held = new Set<string>();

export class WriterLock {
  readonly #path: string;
  #held = false;

  constructor(logFile: string) {
    this.#path = `${resolve(logFile)}.lock`;
  }

  acquire(): void {
    for (let attempt = 0; attempt < 3; attempt++) {
      let fd: number;
      try {
        fd = openSync(this.#path, 'wx', 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number.parseInt(readFileSync(this.#path, 'utf8').trim(), 10);
        const mine = pid === process.pid;
        if (mine ? held.has(this.#path) : Number.isSafeInteger(pid) && pid > 0 && alive(pid))
          throw new AuditError(
            'audit-locked',
            `audit log \`${this.#path.slice(0, -5)}\` is being written by process ${pid}; give each server its own audit log`,
          );
        unlinkSync(this.#path);
        continue;
      }
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      this.#held = true;
      held.add(this.#path);
      return;
    }
    throw new AuditError(
      'audit-locked',
      `cannot take the lock \`${this.#path}\`: other processes keep taking it`,
    );
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    held.delete(this.#path);
    try {
      unlinkSync(this.#path);
    } catch {
      // Gone already; nothing to release.
    }
  }
}
