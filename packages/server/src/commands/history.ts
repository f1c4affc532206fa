// `mcpkit policy history|rollback`: the history of grants and policies in a
// data directory, read and rolled back offline.

import { userInfo } from 'node:os';
import type { AuditClient } from '../audit/entry.js';
import type { HistoryReport } from '../history/history-verify.js';
import { type HistoryEntry, PolicyHistory } from '../history/policy-history.js';
import { type RollbackResult, rollbackGrants } from '../history/rollback.js';
import { ComponentStore, defaultDataDir } from '../store.js';

/** Who a change made from the command line is recorded as. */
export function localOperator(): AuditClient {
  let id = 'operator';
  try {
    id = userInfo().username || id;
  } catch {
    // No user entry (a container's arbitrary uid): the generic name.
  }
  return { id, role: 'operator', via: 'stdio' };
}

export interface HistoryListing {
  readonly entries: HistoryEntry[];
  /** With a version: that version's texts. */
  readonly texts?: { before?: string; after?: string };
  readonly report: HistoryReport;
}

export async function policyHistory(options: {
  dataDir?: string;
  component?: string;
  version?: number;
}): Promise<HistoryListing> {
  const history = new PolicyHistory(options.dataDir ?? defaultDataDir());
  const report = await history.verify(options.component);
  if (options.version !== undefined && options.component !== undefined) {
    const { before, after, ...entry } = await history.get(options.component, options.version);
    return {
      entries: [entry],
      texts: {
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
      },
      report,
    };
  }
  return { entries: await history.list(options.component), report };
}

export async function policyRollback(options: {
  dataDir?: string;
  component: string;
  version: number;
}): Promise<RollbackResult> {
  const dataDir = options.dataDir ?? defaultDataDir();
  return rollbackGrants({
    store: new ComponentStore(dataDir),
    history: new PolicyHistory(dataDir),
    component: options.component,
    version: options.version,
    by: localOperator(),
  });
}
