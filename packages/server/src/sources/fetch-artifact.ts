// One entry point for every source form.

import type { FetchedArtifact } from './artifact.js';
import { fetchFile } from './file-fetch.js';
import { fetchHttps } from './https-fetch.js';
import { fetchOci } from './oci-fetch.js';
import type { SourceContext } from './source-context.js';
import type { SourceRef } from './source-ref.js';

export function fetchArtifact(ref: SourceRef, ctx: SourceContext): Promise<FetchedArtifact> {
  switch (ref.kind) {
    case 'file':
      return fetchFile(ref, ctx);
    case 'https':
      return fetchHttps(ref, ctx);
    case 'oci':
      return fetchOci(ref, ctx);
  }
}
