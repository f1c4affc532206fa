// Rotated audit files: `<log>.<first seq>` beside the live `<log>`, so a
// rename is the whole rotation, names sort by age, and a file's name says
// which record it must start with.

import { readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function rotatedName(liveFile: string, firstSeq: number): string {
  return `${liveFile}.${firstSeq}`;
}

/** `{live, firstSeq}` when `file` is named as a rotated file, else undefined. */
export function parseRotated(file: string): { live: string; firstSeq: number } | undefined {
  const m = /^(.+)\.(\d{1,15})$/.exec(file);
  return m ? { live: m[1]!, firstSeq: Number(m[2]) } : undefined;
}

/** The rotated files of a live log, oldest first. */
export function rotatedFiles(liveFile: string): string[] {
  const dir = dirname(liveFile);
  const base = basename(liveFile);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => (n.startsWith(`${base}.`) ? parseRotated(n) : undefined))
    .filter((r): r is { live: string; firstSeq: number } => r !== undefined && r.live === base)
    .sort((a, b) => a.firstSeq - b.firstSeq)
    .map((r) => join(dir, rotatedName(r.live, r.firstSeq)));
}

/** Remove the oldest rotated files beyond `keep`. */
export function pruneRotated(liveFile: string, keep: number): void {
  const files = rotatedFiles(liveFile);
  for (const f of files.slice(0, Math.max(0, files.length - keep))) {
    try {
      unlinkSync(f);
    } catch {
      // Left for the next rotation; an old file that stays is not a lost record.
    }
  }
}
