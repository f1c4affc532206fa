// The emergency stop: a flag file in the data directory. Engaging it (the
// management tool, `mcpkit emergency stop` from another terminal, or a file
// left from before a restart) ends every running guest call at once and
// refuses new tool calls until it is lifted.

import { unwatchFile, watchFile } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';

export interface StopRecord {
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

export const EMERGENCY_FILE = 'emergency-stop';

/** How often a server looks for a stop engaged by another process. */
const POLL_MS = 250;

export function emergencyFile(dataDir: string): string {
  return join(dataDir, EMERGENCY_FILE);
}

export async function readStop(file: string): Promise<StopRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as Partial<StopRecord>;
    return {
      by: String(r.by ?? 'unknown'),
      at: String(r.at ?? ''),
      ...(r.reason ? { reason: String(r.reason) } : {}),
    };
  } catch {
    // Whatever is in it, a file there means stopped.
    return { by: 'unknown', at: '' };
  }
}

export async function engageStop(
  file: string,
  who: { by: string; reason?: string },
): Promise<StopRecord> {
  const record: StopRecord = {
    by: who.by,
    at: new Date().toISOString(),
    ...(who.reason ? { reason: who.reason } : {}),
  };
  await writeFileAtomic(file, `${JSON.stringify(record)}\n`, 0o600);
  return record;
}

export async function liftStop(file: string): Promise<void> {
  await rm(file, { force: true });
}

export class EmergencyStop {
  readonly #file: string;
  readonly #onEngage: (stop: StopRecord) => void;
  #active: StopRecord | undefined;
  #watching = false;

  private constructor(file: string, onEngage: (stop: StopRecord) => void) {
    this.#file = file;
    this.#onEngage = onEngage;
  }

  /** `onEngage` runs each time a stop begins: it ends the calls in flight. */
  static async open(dataDir: string, onEngage: (stop: StopRecord) => void): Promise<EmergencyStop> {
    const e = new EmergencyStop(emergencyFile(dataDir), onEngage);
    e.#active = await readStop(e.#file);
    watchFile(e.#file, { interval: POLL_MS, persistent: false }, (cur) => {
      if (cur.nlink === 0 || cur.size === 0) {
        if (cur.nlink === 0) e.#active = undefined;
        return;
      }
      void readStop(e.#file).then((stop) => {
        if (stop && !e.#active) e.#set(stop);
      });
    });
    e.#watching = true;
    return e;
  }

  get active(): StopRecord | undefined {
    return this.#active;
  }

  #set(stop: StopRecord): void {
    this.#active = stop;
    this.#onEngage(stop);
  }

  async engage(who: { by: string; reason?: string }): Promise<StopRecord> {
    const stop = await engageStop(this.#file, who);
    this.#set(stop);
    return stop;
  }

  async lift(): Promise<void> {
    await liftStop(this.#file);
    this.#active = undefined;
  }

  close(): void {
    if (this.#watching) unwatchFile(this.#file);
    this.#watching = false;
  }
}
