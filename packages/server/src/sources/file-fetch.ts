// A component from a local file: its real path (symlinks resolved, so the
// trust policy's directory check sees where it really is), a size cap, the
// pin, and a Sigstore bundle beside it (`<file>.sigstore.json`).

import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { quote } from '@mcpkit/wasm-policy';
import type { Evidence, FetchedArtifact } from './artifact.js';
import { checkPin } from './pin-check.js';
import { SIDE_FILE_BYTES, type SourceContext } from './source-context.js';
import { SourceError } from './source-error.js';
import type { FileSource } from './source-ref.js';

export async function fetchFile(ref: FileSource, ctx: SourceContext): Promise<FetchedArtifact> {
  let path: string;
  try {
    path = await realpath(ref.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SourceError(
      code === 'ENOENT' ? 'not-found' : 'unreadable',
      code === 'ENOENT'
        ? `there is no file at ${quote(ref.path)}`
        : `cannot read ${quote(ref.path)}: ${code ?? 'error'}`,
    );
  }
  const s = await stat(path);
  if (!s.isFile()) throw new SourceError('unreadable', `${quote(path)} is not a file`);
  const max = ctx.http.settings.maxBytes;
  if (s.size > max)
    throw new SourceError(
      'too-large',
      `${quote(path)} is ${s.size} bytes, over the ${max} byte limit`,
      'raise `trust.fetch.max_bytes`',
    );
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SourceError(
      'unreadable',
      `cannot read ${quote(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const digest = checkPin(bytes, ref.pin, quote(path));
  const evidence: Evidence[] = [];
  const bundle = await sideBundle(`${path}.sigstore.json`);
  if (bundle) evidence.push(bundle);
  const uri = pathToFileURL(path).href;
  return {
    ref,
    bytes,
    baseDir: dirname(path),
    evidence: {
      source: uri,
      digest,
      pinned: ref.pin !== undefined,
      operator: ctx.operator,
      localPath: path,
      evidence,
    },
  };
}

async function sideBundle(path: string): Promise<Evidence | undefined> {
  let text: string;
  try {
    const s = await stat(path);
    if (!s.isFile() || s.size > SIDE_FILE_BYTES) return undefined;
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return { kind: 'sigstore-bundle', bundle: JSON.parse(text), origin: pathToFileURL(path).href };
  } catch {
    throw new SourceError(
      'bad-manifest',
      `the Sigstore bundle ${quote(path)} is not JSON`,
      'write it with `cosign sign-blob --bundle`',
    );
  }
}
