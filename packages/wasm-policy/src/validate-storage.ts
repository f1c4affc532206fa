// The `storage` section: `fs://` URIs with globs and read/write access.

import { didYouMean, joinPointer, quote } from './diagnostics.js';
import { escapeGlob, expandBraces, globSyntaxError } from './glob.js';
import { ACCESSES, type Access, type RuleLists, type StorageRule } from './model.js';
import type { SectionReader } from './reader.js';

const RULE_KEYS = ['uri', 'access'] as const;

export function readStorage(
  r: SectionReader,
  value: unknown,
  pointer: string,
): RuleLists<StorageRule> {
  const out = { allow: [] as StorageRule[], deny: [] as StorageRule[] };
  const section = r.readMap(value, pointer, 'the `storage` section', ['allow', 'deny']);
  if (!section) return out;
  for (const list of ['allow', 'deny'] as const) {
    const lp = joinPointer(pointer, list);
    const items = r.readList(section[list], lp, `\`storage.${list}\``);
    items?.forEach((item, i) => {
      const rule = readStorageRule(r, item, joinPointer(lp, i), list);
      if (rule) out[list].push(rule);
    });
  }
  return out;
}

function readStorageRule(
  r: SectionReader,
  value: unknown,
  pointer: string,
  list: 'allow' | 'deny',
): StorageRule | undefined {
  const what = `a \`storage.${list}\` rule`;
  const map = r.readMap(value, pointer, what, RULE_KEYS);
  if (!map) return undefined;
  let ok = true;
  let pattern: string | undefined;
  if (map.uri === undefined) {
    r.missing(pointer, 'uri', what, 'add e.g. `uri: "fs:///workspace/**"`');
    ok = false;
  } else {
    const uri = r.readString(map.uri, joinPointer(pointer, 'uri'), '`uri`');
    pattern = uri === undefined ? undefined : storagePattern(r, uri, joinPointer(pointer, 'uri'));
    ok &&= pattern !== undefined;
  }
  let access: Access[] | undefined = [...ACCESSES];
  if (map.access === undefined) {
    if (list === 'allow') {
      r.missing(pointer, 'access', what, 'add `access: [read]` or `access: [read, write]`');
      ok = false;
    }
  } else {
    access = readAccess(r, map.access, joinPointer(pointer, 'access'));
    ok &&= access !== undefined;
  }
  if (!ok || pattern === undefined || access === undefined) return undefined;
  return { uri: map.uri as string, pattern, access, at: r.ref(pointer) };
}

function readAccess(r: SectionReader, value: unknown, pointer: string): Access[] | undefined {
  const names = r.readStrings(value, pointer, '`access`');
  if (!names) return undefined;
  const out = new Set<Access>();
  let ok = true;
  names.forEach((name, i) => {
    const at = Array.isArray(value) ? joinPointer(pointer, i) : pointer;
    if ((ACCESSES as readonly string[]).includes(name)) out.add(name as Access);
    else {
      r.error(
        'unknown-access',
        at,
        `unknown access ${quote(name)}`,
        didYouMean(name, ACCESSES) ?? 'access is `read` or `write`',
      );
      ok = false;
    }
  });
  if (ok && out.size === 0) {
    r.error(
      'empty-access',
      pointer,
      '`access` is empty, so the rule grants nothing',
      'list `read`, `write` or both',
    );
    return undefined;
  }
  return ok ? ACCESSES.filter((a) => out.has(a)) : undefined;
}

/**
 * `fs:///abs/glob` or `fs://relative/glob` (resolved against the base
 * directory, as Wassette resolves it against the component's directory) to an
 * absolute, normalised glob.
 */
export function storagePattern(r: SectionReader, uri: string, pointer: string): string | undefined {
  if (!uri.startsWith('fs://')) {
    const help = uri.startsWith('/')
      ? `write ${quote(`fs://${uri}`)}`
      : 'storage URIs look like `fs:///workspace/**`';
    r.error(
      'storage-uri-scheme',
      pointer,
      `storage uri ${quote(uri)} does not start with \`fs://\``,
      help,
    );
    return undefined;
  }
  const body = uri.slice('fs://'.length);
  if (body.length === 0) {
    r.error(
      'storage-uri-empty',
      pointer,
      `storage uri ${quote(uri)} names no path`,
      'e.g. `fs:///workspace/**`',
    );
    return undefined;
  }
  const syntax = globSyntaxError(body);
  if (syntax) {
    r.error('glob-syntax', pointer, `storage uri ${quote(uri)} ${syntax}`);
    return undefined;
  }
  const segments = body.split('/');
  if (segments.some((s) => s === '..' || s === '.')) {
    r.error(
      'storage-uri-dots',
      pointer,
      `storage uri ${quote(uri)} contains a \`.\` or \`..\` segment`,
      'write the directory it means, without `.` or `..`',
    );
    return undefined;
  }
  let absolute = body;
  if (!body.startsWith('/')) {
    const base = escapeGlob(r.baseDir ?? '/');
    absolute = `${base.endsWith('/') ? base : `${base}/`}${body}`;
  }
  absolute = absolute.normalize('NFC').replace(/\/{2,}/g, '/');
  if (absolute.length > 1 && absolute.endsWith('/')) absolute = absolute.slice(0, -1);
  if (expandBraces(absolute) === undefined) {
    r.error('glob-syntax', pointer, `storage uri ${quote(uri)} has too many \`{}\` alternatives`);
    return undefined;
  }
  return absolute;
}
