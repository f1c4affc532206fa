// Choosing where secrets are kept: files in the data directory (the default)
// or the OS keyring.

import { join } from 'node:path';
import { FileSecretStore } from './secret-file-store.js';
import { KeyringSecretStore } from './secret-keyring-store.js';
import type { SecretStore, SecretStoreKind } from './secrets.js';

/** The store of `kind`; files live in `<data dir>/secrets`. */
export function openSecretStore(kind: SecretStoreKind, dataDir: string): SecretStore {
  return kind === 'keyring'
    ? new KeyringSecretStore()
    : new FileSecretStore(join(dataDir, 'secrets'));
}
