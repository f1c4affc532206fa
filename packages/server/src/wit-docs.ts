// Doc comments of a component's WIT, for tool descriptions and schema
// descriptions, read from the `.wit` files shipped beside the component in a
// `wit/` directory. Only `///` comments are read, attached to the item that
// follows them: an interface, a function, a type, or a field or case of a type.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Keys: `<interface full name>` / `<iface>#<fn>` / `<iface>#<type>` / `<iface>#<type>.<field>`; world-level functions as `#<fn>`. */
export type WitDocs = Map<string, string>;

const MAX_WIT_BYTES = 1024 * 1024;

/** The docs in `.wit` files directly in `dir` (not `deps/`); empty when there is none. */
export function witDocsFromDir(dir: string): WitDocs {
  const docs: WitDocs = new Map();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.wit'));
  } catch {
    return docs;
  }
  for (const f of files.sort()) {
    try {
      const text = readFileSync(join(dir, f), 'utf8');
      if (text.length <= MAX_WIT_BYTES) parseWitDocs(text, docs);
    } catch {
      // An unreadable file has no docs to give; the tools still load.
    }
  }
  return docs;
}

interface Scope {
  kind: 'interface' | 'world' | 'type' | 'other';
  /** Key prefix of items inside: the interface's full name, or '' for a world. */
  key: string;
  /** For a type scope, the key of the type. */
  typeKey?: string;
}

/** Add the docs in one WIT file's text to `docs`. */
export function parseWitDocs(text: string, docs: WitDocs): void {
  let pkg = '';
  let version = '';
  let pending: string[] = [];
  const scopes: Scope[] = [];
  const take = (): string | undefined => {
    // Lines of a paragraph join with spaces; blank comment lines separate paragraphs.
    const d = pending
      .join('\n')
      .trim()
      .replace(/([^\n])\n(?!\n)/g, '$1 ');
    pending = [];
    return d || undefined;
  };
  const put = (key: string, doc: string | undefined) => {
    if (doc && !docs.has(key)) docs.set(key, doc);
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const doc = /^\/\/\/\s?(.*)$/.exec(line);
    if (doc) {
      pending.push(doc[1]!);
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    const top = scopes[scopes.length - 1];
    const inContainer = top?.kind === 'interface' || top?.kind === 'world';
    const pkgLine = /^package\s+([%\w.:-]+?)(?:@([\w.+-]+))?\s*;/.exec(line);
    const ifaceLine = /^interface\s+%?([\w-]+)\s*\{/.exec(line);
    const funcLine =
      inContainer && /^(?:export\s+)?%?([\w-]+)\s*:\s*(?:async\s+)?func\b/.exec(line);
    const typeLine = inContainer && /^(record|variant|enum|flags|resource)\s+%?([\w-]+)/.exec(line);
    const memberLine = top?.kind === 'type' && !line.startsWith('}') && /^%?([\w-]+)/.exec(line);
    if (pkgLine) {
      pkg = pkgLine[1]!;
      version = pkgLine[2] ? `@${pkgLine[2]}` : '';
      take();
    } else if (ifaceLine) {
      const key = `${pkg.replace(/%/g, '')}/${ifaceLine[1]}${version}`;
      put(key, take());
      scopes.push({ kind: 'interface', key });
    } else if (/^world\s+%?[\w-]+\s*\{/.test(line)) {
      take();
      scopes.push({ kind: 'world', key: '' });
    } else if (funcLine) {
      put(`${top!.key}#${funcLine[1]}`, take());
    } else if (typeLine) {
      const typeKey = `${top!.key}#${typeLine[2]}`;
      put(typeKey, take());
      if (line.endsWith('{')) scopes.push({ kind: 'type', key: top!.key, typeKey });
    } else if (memberLine) {
      put(`${top!.typeKey}.${memberLine[1]}`, take());
    } else {
      take();
      if (/\{\s*$/.test(line)) scopes.push({ kind: 'other', key: top?.key ?? '' });
    }
    // A closing brace ends the innermost scope (one per line is enough for WIT as written).
    if (/^\}/.test(line) || (/\}\s*$/.test(line) && !/\{/.test(line))) scopes.pop();
  }
}
