// HMAC key files: 32 random bytes as 64 hex digits, mode 0600, written
// atomically; a key file others can read is refused, as ssh refuses such keys.

import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic.js';
import { AuditError } from './errors.js';

const HEX = /^(?:[0-9a-f]{2}){16,}$/i;

/** Write a new random key to `path`; refuses to replace an existing file (its logs would no longer verify). */
export async function createAuditKey(path: string): Promise<void> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists)
    throw new AuditError(
      'invalid-key',
      `\`${path}\` exists; a new key would leave the logs signed with it unverifiable. Choose another file`,
    );
  await writeFileAtomic(path, `${randomBytes(32).toString('hex')}\n`, 0o600);
}

export async function readAuditKey(path: string): Promise<Uint8Array> {
  let info: Awaited<ReturnType<typeof stat>>;
  let text: string;
  try {
    info = await stat(path);
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AuditError(
      'invalid-key',
      `cannot read the key file \`${path}\`: ${(e as Error).message}`,
    );
  }
  if ((info.mode & 0o077) !== 0)
    throw new AuditError(
      'invalid-key',
      `the key file \`${path}\` can be read by others (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``,
    );
  const hex = text.trim();
  if (!HEX.test(hex))
    throw new AuditError(
      'invalid-key',
      `the key file \`${path}\` must hold at least 32 hex digits (make one with \`mcpkit audit key create\`)`,
    );
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
