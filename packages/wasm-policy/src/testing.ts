// Shared by the tests of this package: fixtures, and a small extension
// standing in for the ones other packages register.

import { readFileSync } from 'node:fs';
import { defineExtension, type PolicyExtension } from './extension.js';

export function fixture(name: string): string {
  return readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8');
}

export function fixturePath(name: string): string {
  return new URL(`../test/fixtures/${name}`, import.meta.url).pathname;
}

interface NamesSection {
  allow: string[];
  deny: string[];
}

/** `<id>: { allow: [names], deny: [names] }`, compiled to a Set-based check. */
export function namesExtension(
  id: string,
): PolicyExtension<NamesSection, (name: string) => boolean> {
  return defineExtension<NamesSection, (name: string) => boolean>({
    id,
    description: `names allowed to ${id}`,
    schema: { type: 'object', properties: { allow: { type: 'array' }, deny: { type: 'array' } } },
    parse(value, pointer, ctx) {
      const map = ctx.readMap(value, pointer, `the \`${id}\` section`, ['allow', 'deny']);
      if (!map) return undefined;
      const list = (k: 'allow' | 'deny') =>
        map[k] === undefined ? [] : ctx.readStrings(map[k], `${pointer}/${k}`, `\`${id}.${k}\``);
      const allow = list('allow');
      const deny = list('deny');
      return allow && deny ? { allow, deny } : undefined;
    },
    compile(section) {
      const allow = new Set(section.allow);
      const deny = new Set(section.deny);
      return (name: string) => !deny.has(name) && allow.has(name);
    },
    merge(base, child) {
      return {
        allow: [...new Set([...base.allow, ...child.allow])],
        deny: [...new Set([...base.deny, ...child.deny])],
      };
    },
    serialize(section) {
      return { allow: section.allow, deny: section.deny };
    },
    intersect(section, ceiling) {
      return {
        allow: section.allow.filter((n) => ceiling?.allow.includes(n)),
        deny: [...section.deny, ...(ceiling?.deny ?? [])],
      };
    },
    outside(section, ceiling) {
      return section.allow
        .map((n, i) => ({ n, i }))
        .filter(({ n }) => !ceiling?.allow.includes(n))
        .map(({ n, i }) => ({
          pointer: `/${id}/allow/${i}`,
          message: `${id} name \`${n}\` is beyond the ceiling`,
        }));
    },
  });
}

/** Accepts any map: lets documents with sections owned elsewhere be read here. */
export function opaqueExtension(id: string): PolicyExtension<unknown, unknown> {
  return defineExtension<unknown, unknown>({
    id,
    parse: (value, pointer, ctx) =>
      ctx.readMap(value, pointer, `the \`${id}\` section`, Object.keys((value as object) ?? {})),
    compile: (s) => s,
    merge: (_b, c) => c,
    serialize: (s) => s,
  });
}
