// Comparing a chain's end with its head file: a head that names a later
// record than the file holds shows a cut end; one naming a record by another
// hash shows a rewrite. Shared by the audit log and the policy history.

import type { Finding } from './chain-walk.js';
import type { HeadRead } from './head.js';

export type HeadFindingKind = 'head' | 'truncated' | 'head-behind';

export function checkHead(o: {
  head: HeadRead;
  headFile: string;
  /** The file the chain ends in. */
  file: string;
  /** The line a cut would start at. */
  cutLine: number;
  /** `seq` or `version`. */
  seqField: string;
  /** `log` or `history`. */
  noun: string;
  records: number;
  lastSeq: number;
  /** The hash of the record at the head's seq, if it was read. */
  hashAtHead: string | undefined;
}): { problems: Finding<HeadFindingKind>[]; notes: Finding<HeadFindingKind>[] } {
  const problems: Finding<HeadFindingKind>[] = [];
  const notes: Finding<HeadFindingKind>[] = [];
  const at = { file: o.headFile, line: 0 };
  const f = o.seqField;
  if (o.head.state === 'missing') {
    if (o.records > 0)
      problems.push({
        ...at,
        kind: 'head',
        message: `no head file: whether ${o.noun === 'log' ? 'records' : 'versions'} were cut from the end cannot be checked`,
      });
  } else if (o.head.state === 'bad')
    problems.push({ ...at, kind: 'head', message: `the head file: ${o.head.message}` });
  else {
    const h = o.head.head;
    if (h.seq > o.lastSeq) {
      const n = h.seq - o.lastSeq;
      problems.push({
        file: o.file,
        line: o.cutLine,
        kind: 'truncated',
        message: `the ${o.noun} ends at ${f} ${o.lastSeq}, but its head file records ${f} ${h.seq}: ${n === 1 ? '1 record was' : `${n} records were`} cut from the end`,
      });
    } else {
      if (o.hashAtHead !== undefined && o.hashAtHead !== h.hash)
        problems.push({
          ...at,
          kind: 'head',
          message: `the head file names ${f} ${h.seq} with another hash: the ${o.noun} was rewritten from there`,
        });
      if (o.lastSeq - h.seq > 1)
        notes.push({
          ...at,
          kind: 'head-behind',
          message: `the head file records ${f} ${h.seq}, the ${o.noun} goes on to ${f} ${o.lastSeq}: head updates were lost (a system crash without fsync)`,
        });
    }
  }
  return { problems, notes };
}
