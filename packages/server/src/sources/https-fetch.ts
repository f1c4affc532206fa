// A component over HTTPS, through the egress checks, with its pin and a
// Sigstore bundle beside it (`<url>.sigstore.json`, optional).

import type { Evidence, FetchedArtifact } from './artifact.js';
import { checkPin } from './pin-check.js';
import { SIDE_FILE_BYTES, type SourceContext } from './source-context.js';
import { SourceError } from './source-error.js';
import type { HttpsSource } from './source-ref.js';

export async function fetchHttps(ref: HttpsSource, ctx: SourceContext): Promise<FetchedArtifact> {
  const res = await ctx.http.request(ref.url, ref.url, {
    headers: [['Accept', 'application/wasm, application/octet-stream;q=0.9, */*;q=0.1']],
    ...(ctx.onProgress
      ? { onProgress: (n: number, t: number | undefined) => ctx.onProgress?.(n, t, ref.url) }
      : {}),
  });
  if (res.status === 404)
    throw new SourceError('not-found', `${ref.url} does not exist (HTTP 404)`);
  if (res.status !== 200)
    throw new SourceError('fetch-failed', `${ref.url} answered HTTP ${res.status}`);
  const digest = checkPin(res.body, ref.pin, ref.url);
  await ctx.cache.put(res.body);
  const evidence: Evidence[] = [];
  const bundleUrl = `${ref.url}.sigstore.json`;
  const side = await ctx.http.request(bundleUrl, bundleUrl, {
    headers: [['Accept', 'application/json']],
    maxBytes: SIDE_FILE_BYTES,
  });
  if (side.status === 200) {
    try {
      evidence.push({
        kind: 'sigstore-bundle',
        bundle: JSON.parse(Buffer.from(side.body).toString('utf8')),
        origin: bundleUrl,
      });
    } catch {
      throw new SourceError('bad-manifest', `the Sigstore bundle ${bundleUrl} is not JSON`);
    }
  }
  return {
    ref,
    bytes: res.body,
    evidence: {
      source: ref.url,
      digest,
      pinned: ref.pin !== undefined,
      operator: ctx.operator,
      evidence,
    },
  };
}
