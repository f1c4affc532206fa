// Checking the policy history: each component's chain (changed, removed,
// reordered lines), its head (a cut end), the texts its records name, and
// changes made outside it (a record's `before` is not the last `after`).

import {
  type ChainFindingKind,
  type ChainReport,
  ChainWalker,
  type Finding,
} from '../audit/chain-walk.js';
import { headPath, readHead } from '../audit/head.js';
import { checkHead, type HeadFindingKind } from '../audit/head-check.js';
import { readLines } from '../audit/lines.js';
import { entryOf, type PolicyHistory } from './policy-history.js';

export type HistoryFindingKind =
  | ChainFindingKind
  | HeadFindingKind
  | 'unreadable'
  | 'component'
  | 'blob'
  | 'torn-line'
  | 'untracked-change';

export type HistoryFinding = Finding<HistoryFindingKind>;

export interface HistoryReport extends ChainReport<HistoryFindingKind> {
  readonly components: readonly string[];
}

export async function verifyHistory(history: PolicyHistory, only?: string): Promise<HistoryReport> {
  const components = only !== undefined ? [only] : await history.components();
  const problems: HistoryFinding[] = [];
  const notes: HistoryFinding[] = [];
  let records = 0;
  for (const component of components) {
    const file = history.fileOf(component);
    const hp = headPath(file);
    const head = readHead(hp, history.mac);
    const named: { line: number; digest: string }[] = [];
    const lastAfter = new Map<string, { version: number; digest: string | undefined }>();
    let hashAtHead: string | undefined;
    const walker = new ChainWalker({
      seqField: 'version',
      ...(history.mac ? { mac: history.mac } : {}),
      problem: (f) => problems.push(f),
      // A history is never rotated: a chain that starts late lost its first lines.
      note: (f) =>
        f.kind === 'chain-start'
          ? problems.push({
              ...f,
              kind: 'removed',
              message: `${f.message.replace(/:.*/, '')}: the versions before it were removed`,
            })
          : notes.push(f),
      onRecord(r) {
        const e = entryOf(r.fields);
        const at = { file: r.file, line: r.line };
        if (head.state === 'ok' && r.seq === head.head.seq) hashAtHead = r.hash;
        if (!e) {
          problems.push({ ...at, kind: 'not-record', message: 'not a history record' });
          return;
        }
        if (e.component !== component)
          problems.push({
            ...at,
            kind: 'component',
            message: `a record of \`${e.component}\` in the history of \`${component}\``,
          });
        for (const d of [e.before, e.after]) if (d) named.push({ line: r.line, digest: d });
        const prior = lastAfter.get(e.kind);
        if (prior && prior.digest !== e.before)
          notes.push({
            ...at,
            kind: 'untracked-change',
            message: `the ${e.kind} before version ${e.version} are not those after version ${prior.version}: they were changed outside the history in between`,
          });
        lastAfter.set(e.kind, { version: e.version, digest: e.after });
      },
    });
    let endLine = 0;
    let torn = false;
    try {
      for (const line of readLines(file)) {
        endLine = line.number;
        if (line.complete) walker.feed(file, line);
        else {
          torn = true;
          notes.push({
            file,
            line: line.number,
            kind: 'torn-line',
            message:
              'an incomplete last line: a record cut short by a crash; it is dropped at the next change',
          });
        }
      }
    } catch (e) {
      problems.push({
        file,
        line: 0,
        kind: 'unreadable',
        message: `cannot read it: ${(e as Error).message}`,
      });
      continue;
    }
    walker.finish();
    records += walker.records;
    const found = checkHead({
      head,
      headFile: hp,
      file,
      cutLine: torn ? endLine : endLine + 1,
      seqField: 'version',
      noun: 'history',
      records: walker.records,
      lastSeq: walker.last?.seq ?? 0,
      hashAtHead,
    });
    problems.push(...found.problems);
    notes.push(...found.notes);
    const checked = new Map<string, Awaited<ReturnType<typeof history.blobs.get>>>();
    for (const n of named) {
      const got = checked.get(n.digest) ?? (await history.blobs.get(n.digest));
      checked.set(n.digest, got);
      if ('problem' in got)
        problems.push({ file, line: n.line, kind: 'blob', message: got.problem });
    }
  }
  return { ok: problems.length === 0, records, components, problems, notes };
}
