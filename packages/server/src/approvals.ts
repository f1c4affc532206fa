// Policy files the operator approved, by digest: the server policy, what it
// extends and its role policies. A file changed since its approval (behind
// the server's back) stops the server from starting until it is approved
// again with `mcpkit policy approve`; a file seen for the first time is
// approved as it is and the log says so.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';

interface Approval {
  readonly sha256: string;
  readonly approvedAt: string;
  readonly by: string;
}

interface ApprovalFile {
  readonly version: 1;
  readonly files: Readonly<Record<string, Approval>>;
}

export interface ApprovalCheck {
  /** Files whose content is not what was approved. */
  readonly changed: ReadonlyArray<{ file: string; approved: Approval; sha256: string }>;
  /** Files never approved before. */
  readonly fresh: readonly string[];
}

export class PolicyChangedError extends Error {
  readonly code = 'policy-changed';
}

const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export class PolicyApprovals {
  readonly #file: string;

  constructor(dataDir: string) {
    this.#file = join(dataDir, 'approved-policies.json');
  }

  async #read(): Promise<ApprovalFile> {
    try {
      const v = JSON.parse(await readFile(this.#file, 'utf8')) as ApprovalFile;
      if (v.version === 1 && v.files && typeof v.files === 'object') return v;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, files: {} };
    }
    // A damaged record approves nothing: every file must be approved again.
    throw new PolicyChangedError(
      `the record of approved policies (${this.#file}) is damaged; check the policy files, then run \`mcpkit policy approve\` for each`,
    );
  }

  async check(files: readonly string[]): Promise<ApprovalCheck> {
    const record = await this.#read();
    const changed: Array<{ file: string; approved: Approval; sha256: string }> = [];
    const fresh: string[] = [];
    for (const file of new Set(files)) {
      const sha256 = digest(await readFile(file));
      const approved = record.files[file];
      if (!approved) fresh.push(file);
      else if (approved.sha256 !== sha256) changed.push({ file, approved, sha256 });
    }
    return { changed, fresh };
  }

  /** Record the files as they are now as approved. */
  async approve(files: readonly string[], by: string): Promise<void> {
    let current: ApprovalFile;
    try {
      current = await this.#read();
    } catch {
      current = { version: 1, files: {} };
    }
    const next: Record<string, Approval> = { ...current.files };
    const at = new Date().toISOString();
    for (const file of new Set(files))
      next[file] = { sha256: digest(await readFile(file)), approvedAt: at, by };
    await writeFileAtomic(this.#file, `${JSON.stringify({ version: 1, files: next }, null, 2)}\n`);
  }
}

/** The message for files changed since they were approved. */
export function changedMessage(changed: ApprovalCheck['changed']): string {
  return `${changed
    .map(
      (c) =>
        `\`${c.file}\` changed since it was approved (${c.approved.approvedAt} by ${c.approved.by}; sha256 then ${c.approved.sha256.slice(0, 12)}…, now ${c.sha256.slice(0, 12)}…)`,
    )
    .join(
      '; ',
    )}. A policy changed behind the server's back is not used: review the change, then run \`mcpkit policy approve ${[...new Set(changed.map((c) => c.file))].join(' ')}\``;
}
