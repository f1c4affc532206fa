// `verifyAuditLog`: read a log's files in order and report every line that
// breaks the chain, with file and line, telling tampering (problems) from the
// marks a crash leaves (notes, which still verify).

import { LineMac } from './chain.js';
import {
  type ChainFindingKind,
  type ChainReport,
  ChainWalker,
  type Finding,
} from './chain-walk.js';
import { headPath, readHead } from './head.js';
import { checkHead, type HeadFindingKind } from './head-check.js';
import { readLines } from './lines.js';
import { parseRotated, rotatedFiles } from './rotation.js';

export type AuditFindingKind =
  | ChainFindingKind
  | HeadFindingKind
  | 'unreadable'
  | 'rotation'
  | 'unclean-end'
  | 'torn-line';

export type AuditFinding = Finding<AuditFindingKind>;

export interface AuditReport extends ChainReport<AuditFindingKind> {
  /** The files read, in order (rotated predecessors of a live file included). */
  readonly files: readonly string[];
}

/** The files to read: a live file's rotated predecessors go before it unless some were given. */
export function auditFilesOf(files: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const rotationGiven = files.some((g) => parseRotated(g)?.live === f);
    if (!parseRotated(f) && !rotationGiven)
      for (const r of rotatedFiles(f)) if (!out.includes(r)) out.push(r);
    if (!out.includes(f)) out.push(f);
  }
  return out;
}

type Recovered = { tornBytes?: number; missing?: { from: number; to: number }; head?: string };

export function verifyAuditLog(
  files: readonly string[],
  options: { key?: Uint8Array } = {},
): AuditReport {
  const list = auditFilesOf(files);
  const problems: AuditFinding[] = [];
  const notes: AuditFinding[] = [];
  const mac = options.key ? new LineMac(options.key) : undefined;
  const liveFile = list.at(-1);
  const live = liveFile !== undefined && !parseRotated(liveFile) ? liveFile : undefined;
  const head = live ? readHead(headPath(live), mac) : undefined;
  const headSeq = head?.state === 'ok' ? head.head.seq : undefined;
  let hashAtHead: string | undefined;
  const firstInFile = new Set<string>();

  const walker = new ChainWalker({
    seqField: 'seq',
    ...(mac ? { mac } : {}),
    problem: (f) => problems.push(f),
    note: (f) => notes.push(f),
    onParsed(r) {
      if (firstInFile.has(r.file)) return;
      firstInFile.add(r.file);
      const named = parseRotated(r.file);
      if (named && named.firstSeq !== r.seq)
        problems.push({
          file: r.file,
          line: r.line,
          kind: 'rotation',
          message: `the file's name says it starts at seq ${named.firstSeq}, but its first record is seq ${r.seq}: ${r.seq > named.firstSeq ? 'records were removed from its start' : 'it was renamed or joined'}`,
        });
    },
    onRecord(r, before) {
      if (r.seq === headSeq) hashAtHead = r.hash;
      if (r.fields.action !== 'start') return;
      if (before && before.fields.action !== 'stop')
        notes.push({
          file: before.file,
          line: before.line,
          kind: 'unclean-end',
          message: `the server stopped without closing the log after this record (crash or kill); it was reopened at ${r.file === before.file ? `line ${r.line}` : `${r.file}:${r.line}`}`,
        });
      const rec = (r.fields.details as { recovered?: Recovered } | undefined)?.recovered;
      if (!rec) return;
      const at = { file: r.file, line: r.line };
      if (rec.tornBytes)
        notes.push({
          ...at,
          kind: 'torn-line',
          message: `the run before left an incomplete last line (${rec.tornBytes} bytes, a write cut short by a crash), dropped when the log was reopened here`,
        });
      if (rec.missing)
        problems.push({
          ...at,
          kind: 'truncated',
          message: `when the log was reopened here, seq ${rec.missing.from}–${rec.missing.to}, which its head file had recorded, were gone: its end was cut`,
        });
      if (rec.head)
        problems.push({
          ...at,
          kind: 'head',
          message:
            rec.head === 'mismatch'
              ? 'when the log was reopened here, its head file named a different last record: the end was rewritten'
              : `when the log was reopened here, its head file was ${rec.head}: a cut end before this line cannot be ruled out`,
        });
    },
  });

  let endLine = 0;
  let torn: { file: string; line: number; bytes: number } | undefined;
  for (const [i, file] of list.entries()) {
    endLine = 0;
    try {
      for (const line of readLines(file)) {
        endLine = line.number;
        if (line.complete) walker.feed(file, line);
        else if (i === list.length - 1)
          torn = { file, line: line.number, bytes: Buffer.byteLength(line.text) };
        else
          problems.push({
            file,
            line: line.number,
            kind: 'not-json',
            message: 'an incomplete line at the end of a file the log goes on after',
          });
      }
    } catch (e) {
      // A crash between a rotation's rename and the new file leaves no live
      // file yet; the head check below still sees a cut end.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && file === live && list.length > 1)
        continue;
      problems.push({
        file,
        line: 0,
        kind: 'unreadable',
        message: `cannot read it: ${(e as Error).message}`,
      });
    }
  }
  walker.finish();

  const last = walker.last;
  if (live && head) {
    const found = checkHead({
      head,
      headFile: headPath(live),
      file: live,
      cutLine: torn ? torn.line : endLine + 1,
      seqField: 'seq',
      noun: 'log',
      records: walker.records,
      lastSeq: last?.seq ?? 0,
      hashAtHead,
    });
    problems.push(...found.problems);
    notes.push(...found.notes);
  }
  if (torn && !problems.some((p) => p.kind === 'truncated' && p.line === torn.line))
    notes.push({
      file: torn.file,
      line: torn.line,
      kind: 'torn-line',
      message: `an incomplete last line (${torn.bytes} bytes): a write cut short by a crash; it is dropped when the log is next opened`,
    });
  if (last && last.fields.action !== 'stop')
    notes.push({
      file: last.file,
      line: last.line,
      kind: 'unclean-end',
      message:
        'the log ends without a `stop` record: the server is still running, or stopped without closing it (crash or kill)',
    });
  return { ok: problems.length === 0, records: walker.records, files: list, problems, notes };
}
