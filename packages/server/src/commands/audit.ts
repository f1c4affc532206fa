// `mcpkit audit verify|key create`.

import { createAuditKey, readAuditKey } from '../audit/key.js';
import { type AuditReport, verifyAuditLog } from '../audit/verify.js';

export async function verifyAuditFiles(
  files: readonly string[],
  options: { keyFile?: string } = {},
): Promise<AuditReport> {
  const key = options.keyFile ? await readAuditKey(options.keyFile) : undefined;
  return verifyAuditLog(files, key ? { key } : {});
}

export async function createAuditKeyFile(file: string): Promise<{ file: string }> {
  await createAuditKey(file);
  return { file };
}
