// Doc comments a component carries in itself: the `package-docs` custom
// section (wit-parser's package metadata: a version byte, 0 or 1, then JSON),
// which Wassette's build puts into its components (`wit-docs-inject`) and
// reads tool descriptions from. Read into the same keys as the `wit/`
// directory's docs (wit-docs.ts), so the two combine.

import { customSections } from '@mcpkit/sandbox';
import type { WitDocs } from './wit-docs.js';

export const PACKAGE_DOCS_SECTION = 'package-docs';

/** Bigger sections are ignored: docs are text a person wrote, not megabytes. */
const MAX_SECTION_BYTES = 1024 * 1024;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A function's metadata: a bare string (version 0) or `{docs, stability}` (version 1). */
function functionDoc(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.docs === 'string') return v.docs;
  return undefined;
}

function entries(v: unknown): Array<[string, unknown]> {
  return isObject(v) ? Object.entries(v) : [];
}

/** `ns:pkg/iface@1.0.0` → `iface`. */
function interfaceOf(exportName: string): string {
  const slash = exportName.lastIndexOf('/');
  const tail = slash < 0 ? exportName : exportName.slice(slash + 1);
  const at = tail.indexOf('@');
  return at < 0 ? tail : tail.slice(0, at);
}

/** `ns:pkg/iface@1.0.0` → `ns:pkg`, or undefined for a plain name. */
function packageOf(exportName: string): string | undefined {
  const slash = exportName.lastIndexOf('/');
  return slash < 0 ? undefined : exportName.slice(0, slash);
}

/**
 * The docs in a component's `package-docs` section, keyed by the component's
 * own export names (`exportNames`: the interfaces it exports, as in its
 * binary): world functions as `#<fn>`, an interface's as `<export>#<fn>`, its
 * types as `<export>#<type>` and their fields or cases as
 * `<export>#<type>.<member>`. Empty when there is no such section or it
 * cannot be read; docs are a courtesy, never a reason to refuse a component.
 */
export function packageDocs(bytes: Uint8Array, exportNames: readonly string[]): WitDocs {
  const docs: WitDocs = new Map();
  let sections: Uint8Array[];
  try {
    sections = customSections(bytes, PACKAGE_DOCS_SECTION);
  } catch {
    return docs;
  }
  const put = (key: string, doc: unknown) => {
    if (typeof doc === 'string' && doc.trim() !== '' && !docs.has(key)) docs.set(key, doc.trim());
  };
  for (const section of sections) {
    if (section.length < 2 || section.length > MAX_SECTION_BYTES) continue;
    if (section[0] !== 0 && section[0] !== 1) continue;
    let meta: unknown;
    try {
      meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(section.subarray(1)));
    } catch {
      continue;
    }
    if (!isObject(meta)) continue;
    const pkg = typeof meta.package === 'string' ? meta.package.replace(/@.*$/, '') : undefined;
    for (const [, world] of entries(meta.worlds)) {
      if (!isObject(world)) continue;
      // Version 1 keeps exports in `func_exports`; version 0 had one map, `funcs`.
      for (const [fn, m] of [...entries(world.func_exports), ...entries(world.funcs)])
        put(`#${fn}`, functionDoc(m));
    }
    for (const [iface, m] of entries(meta.interfaces)) {
      if (!isObject(m)) continue;
      // The section names interfaces within its package; the component's
      // exports name them in full.
      for (const exportName of exportNames) {
        if (interfaceOf(exportName) !== iface) continue;
        if (pkg && packageOf(exportName) !== pkg) continue;
        put(exportName, m.docs);
        for (const [fn, f] of entries(m.funcs)) put(`${exportName}#${fn}`, functionDoc(f));
        for (const [type, t] of entries(m.types)) {
          if (!isObject(t)) continue;
          put(`${exportName}#${type}`, t.docs);
          for (const [item, d] of entries(t.items)) put(`${exportName}#${type}.${item}`, d);
        }
      }
    }
  }
  return docs;
}

/** `first`, with whatever `second` has that it lacks. */
export function mergeDocs(first: WitDocs, second: WitDocs): WitDocs {
  const out: WitDocs = new Map(first);
  for (const [k, v] of second) if (!out.has(k)) out.set(k, v);
  return out;
}
