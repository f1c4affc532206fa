// What every fetcher shares: the egress-checked HTTP client, the blob cache,
// where registry credentials come from, and who is asking.

import type { Progress } from './artifact.js';
import type { BlobCache } from './blob-cache.js';
import type { RegistryCredential } from './registry-credentials.js';
import type { SourceHttp } from './source-http.js';

export interface SourceContext {
  readonly http: SourceHttp;
  readonly cache: BlobCache;
  /** Credentials for a registry (`host[:port]`), if any. */
  readonly credential?: (registry: string) => Promise<RegistryCredential | undefined>;
  /** The operator's own load (serve --component, the CLI) rather than a client's. */
  readonly operator: boolean;
  readonly onProgress?: Progress;
  /** Plain HTTP for these registries (default: loopback ones only). */
  readonly plainHttp?: (registry: string) => boolean | undefined;
}

/** The most a signature, bundle, policy or tool manifest beside an artifact may have. */
export const SIDE_FILE_BYTES = 1024 * 1024;
