// Putting a component's runtime grants back as they were at a version of its
// history, and recording that as a new version. The history is verified
// first: grants are never restored from a history that was tampered with.

import type { AuditClient } from '../audit/entry.js';
import type { ComponentStore } from '../store.js';
import { HistoryError } from './errors.js';
import type { PolicyHistory } from './policy-history.js';

export interface RollbackResult {
  readonly component: string;
  /** The version rolled back to. */
  readonly to: number;
  /** The version recording the rollback; absent when the grants already were so. */
  readonly version?: number;
  /** The grants now stored (absent: none). */
  readonly grants?: string;
  readonly changed: boolean;
}

export async function rollbackGrants(options: {
  store: ComponentStore;
  history: PolicyHistory;
  component: string;
  version: number;
  by: AuditClient;
}): Promise<RollbackResult> {
  const { store, history, component, version, by } = options;
  if (!Number.isSafeInteger(version) || version < 1)
    throw new HistoryError('history-invalid', `\`${version}\` is not a version number`);
  if (!(await store.has(component)))
    throw new HistoryError(
      'history-not-found',
      `\`${component}\` is not in the store \`${store.dir}\`; load it again before rolling its grants back`,
    );
  const report = await history.verify(component);
  if (!report.ok) {
    const first = report.problems[0]!;
    throw new HistoryError(
      'history-corrupt',
      `the history of \`${component}\` fails verification (${report.problems.length} problem${report.problems.length > 1 ? 's' : ''}, first ${first.file}:${first.line}: ${first.message}); nothing was restored`,
    );
  }
  const target = await history.get(component, version);
  // The grants in force at `version`: that version's own, or those of the
  // last grants change before it (a policy version names a point in time).
  const grantsAt =
    target.kind === 'grants'
      ? target
      : (await history.list(component))
          .filter((e) => e.kind === 'grants' && e.version < version)
          .at(-1);
  const restored =
    grantsAt === undefined
      ? undefined
      : grantsAt === target
        ? target.after
        : (await history.get(component, grantsAt.version)).after;
  const current = (await store.read(component)).grantsText;
  if (current === restored)
    return { component, to: version, changed: false, ...(restored ? { grants: restored } : {}) };
  await store.writeGrants(component, restored);
  const recorded = await history.record({
    component,
    kind: 'grants',
    by,
    action: 'rollback',
    ...(current !== undefined ? { before: current } : {}),
    ...(restored !== undefined ? { after: restored } : {}),
    reason: `to version ${version}`,
  });
  return {
    component,
    to: version,
    version: recorded.version,
    changed: true,
    ...(restored !== undefined ? { grants: restored } : {}),
  };
}
