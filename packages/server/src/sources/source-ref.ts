// Where a component comes from, parsed from what a user typed: a local path,
// `file://`, `https://…[#sha256=<hex>]` or `oci://REGISTRY/REPO[:TAG|@sha256:…]`
// (Wassette's form). Parsing never throws; a malformed source is a diagnostic.

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Diagnostic, quote } from '@mcpkit/wasm-policy';
import { isSha256Digest } from './digest.js';

export type SourceRef = FileSource | HttpsSource | OciSource;

export interface FileSource {
  readonly kind: 'file';
  /** Absolute, lexically resolved (symlinks are resolved when it is read). */
  readonly path: string;
  /** `sha256:<hex>` from a `#sha256=` fragment of a `file://` URL. */
  readonly pin?: string;
  readonly uri: string;
}

export interface HttpsSource {
  readonly kind: 'https';
  /** The URL without its fragment. */
  readonly url: string;
  readonly pin?: string;
  readonly uri: string;
}

export interface OciSource {
  readonly kind: 'oci';
  /** `host` or `host:port`, lower-cased. */
  readonly registry: string;
  readonly repository: string;
  /** Absent when only a digest was given; `latest` when neither was. */
  readonly tag?: string;
  /** The `@sha256:` pin. */
  readonly digest?: string;
  /** As given, normalised: `oci://host/repo:tag` or `oci://host/repo@sha256:…`. */
  readonly uri: string;
}

export interface ParsedSource {
  readonly value?: SourceRef;
  readonly diagnostics: Diagnostic[];
}

// The OCI distribution spec's grammar for repository names and tags.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const PIN = /^sha256=([a-f0-9]{64})$/;

function problem(code: string, message: string, help?: string): ParsedSource {
  return {
    diagnostics: [
      {
        code,
        severity: 'error',
        message,
        ...(help ? { help } : {}),
        pointer: '',
        line: 1,
        column: 1,
      },
    ],
  };
}

/** A `#sha256=<hex>` fragment, or a diagnostic. */
function pinOf(hash: string, text: string): { pin?: string; error?: ParsedSource } {
  if (hash === '' || hash === '#') return {};
  const m = PIN.exec(hash.slice(1));
  if (!m)
    return {
      error: problem(
        'source-pin',
        `the fragment of ${quote(text)} is not a digest pin`,
        'write the pin as `#sha256=` followed by 64 lowercase hex digits, e.g. the output of `sha256sum`',
      ),
    };
  return { pin: `sha256:${m[1]}` };
}

export function parseSource(text: string, cwd = process.cwd()): ParsedSource {
  if (typeof text !== 'string' || text.trim() === '')
    return problem(
      'source-empty',
      'the component source is empty',
      'give a path, `https://…` or `oci://…`',
    );
  if (text.includes('\0'))
    return problem('source-syntax', `the source ${quote(text)} contains a NUL character`);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  // A Windows drive letter is not a scheme; neither is anything without `//`.
  if (scheme === undefined || !text.slice(scheme.length + 1).startsWith('//')) {
    const path = isAbsolute(text) ? resolve(text) : resolve(cwd, text);
    return { value: { kind: 'file', path, uri: pathToFileURL(path).href }, diagnostics: [] };
  }
  switch (scheme) {
    case 'file':
      return parseFile(text);
    case 'https':
      return parseHttps(text);
    case 'oci':
      return parseOci(text);
    case 'http':
      return problem(
        'source-insecure',
        `${quote(text)} is plain HTTP, which anyone on the path can change`,
        'serve the component over `https://` (a private CA can be trusted with `trust.fetch.ca_file`)',
      );
    default:
      return problem(
        'source-scheme',
        `the source scheme ${quote(scheme)} is not supported`,
        'give a local path, `file://…`, `https://…` or `oci://REGISTRY/REPO:TAG`',
      );
  }
}

function parseFile(text: string): ParsedSource {
  let url: URL;
  let path: string;
  try {
    url = new URL(text);
    if (url.host !== '' && url.host !== 'localhost')
      return problem(
        'source-syntax',
        `${quote(text)} names host ${quote(url.host)}; a \`file://\` source must be on this machine`,
        'write `file:///absolute/path.wasm`',
      );
    const bare = new URL(url.href);
    bare.hash = '';
    path = fileURLToPath(bare);
  } catch {
    return problem(
      'source-syntax',
      `${quote(text)} is not a valid \`file://\` URL`,
      'write `file:///absolute/path.wasm`',
    );
  }
  const { pin, error } = pinOf(url.hash, text);
  if (error) return error;
  const uri = pathToFileURL(path).href;
  return {
    value: {
      kind: 'file',
      path,
      ...(pin ? { pin } : {}),
      uri: pin ? `${uri}#sha256=${pin.slice(7)}` : uri,
    },
    diagnostics: [],
  };
}

function parseHttps(text: string): ParsedSource {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return problem('source-syntax', `${quote(text)} is not a valid URL`);
  }
  if (url.username !== '' || url.password !== '')
    return problem(
      'source-credentials',
      `the URL ${quote(url.host)} carries \`user:password@\`, which is refused so that it is never logged`,
      'serve the component without credentials in its URL',
    );
  if (url.hostname === '') return problem('source-syntax', `${quote(text)} has no host`);
  const { pin, error } = pinOf(url.hash, text);
  if (error) return error;
  url.hash = '';
  return {
    value: {
      kind: 'https',
      url: url.href,
      ...(pin ? { pin } : {}),
      uri: pin ? `${url.href}#sha256=${pin.slice(7)}` : url.href,
    },
    diagnostics: [],
  };
}

function parseOci(text: string): ParsedSource {
  const rest = text.slice('oci://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0)
    return problem(
      'source-oci',
      `${quote(text)} has no repository`,
      'write `oci://REGISTRY/REPOSITORY:TAG`, e.g. `oci://ghcr.io/microsoft/time-server-js:latest`',
    );
  const registry = rest.slice(0, slash).toLowerCase();
  let path = rest.slice(slash + 1);
  const colon = registry.lastIndexOf(':');
  const host = colon >= 0 && !registry.endsWith(']') ? registry.slice(0, colon) : registry;
  const port = colon >= 0 && !registry.endsWith(']') ? registry.slice(colon + 1) : undefined;
  const hostOk = HOST.test(host) || /^\[[0-9a-f:.]+\]$/.test(host);
  if (!hostOk || (port !== undefined && !/^\d{1,5}$/.test(port)) || (port && Number(port) > 65535))
    return problem(
      'source-oci',
      `the registry ${quote(registry)} in ${quote(text)} is not a host name with an optional port`,
    );
  let digest: string | undefined;
  const at = path.indexOf('@');
  if (at >= 0) {
    digest = path.slice(at + 1);
    path = path.slice(0, at);
    if (!isSha256Digest(digest))
      return problem(
        'source-oci',
        `the digest ${quote(digest)} in ${quote(text)} is not \`sha256:\` followed by 64 lowercase hex digits`,
      );
  }
  let tag: string | undefined;
  const lastSlash = path.lastIndexOf('/');
  const tagColon = path.indexOf(':', lastSlash + 1);
  if (tagColon >= 0) {
    tag = path.slice(tagColon + 1);
    path = path.slice(0, tagColon);
    if (!TAG.test(tag))
      return problem(
        'source-oci',
        `the tag ${quote(tag)} in ${quote(text)} is not a valid tag`,
        'a tag is up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`',
      );
  }
  const parts = path.split('/');
  const bad = parts.find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined || path.length > 255)
    return problem(
      'source-oci',
      `the repository ${quote(path)} in ${quote(text)} is not a valid repository name`,
      bad !== undefined && bad.toLowerCase() !== bad
        ? `repository names are lower case: did you mean ${quote(path.toLowerCase())}?`
        : 'a repository is lower-case letters and digits separated by `/`, `.`, `_` or `-`',
    );
  if (tag === undefined && digest === undefined) tag = 'latest';
  const uri = `oci://${registry}/${path}${digest ? `@${digest}` : `:${tag}`}`;
  return {
    value: {
      kind: 'oci',
      registry,
      repository: path,
      ...(tag ? { tag } : {}),
      ...(digest ? { digest } : {}),
      uri,
    },
    diagnostics: [],
  };
}

/** The canonical URI of an OCI artifact once its manifest digest is known. */
export function ociDigestUri(ref: OciSource, digest: string): string {
  return `oci://${ref.registry}/${ref.repository}@${digest}`;
}
