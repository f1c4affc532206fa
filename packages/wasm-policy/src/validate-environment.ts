// The `environment` section: which variables a guest may read, by exact key
// or `PREFIX_*`. Keys are case-sensitive, as on POSIX.

import { joinPointer, quote } from './diagnostics.js';
import type { EnvRule, RuleLists } from './model.js';
import type { SectionReader } from './reader.js';

export const ENV_KEY = /^(?:\*|[A-Za-z_][A-Za-z0-9_]*\*?)$/;

export function readEnvironment(
  r: SectionReader,
  value: unknown,
  pointer: string,
): RuleLists<EnvRule> {
  const out = { allow: [] as EnvRule[], deny: [] as EnvRule[] };
  const section = r.readMap(value, pointer, 'the `environment` section', ['allow', 'deny']);
  if (!section) return out;
  for (const list of ['allow', 'deny'] as const) {
    const lp = joinPointer(pointer, list);
    r.readList(section[list], lp, `\`environment.${list}\``)?.forEach((item, i) => {
      const p = joinPointer(lp, i);
      const what = `an \`environment.${list}\` rule`;
      const map = r.readMap(item, p, what, ['key']);
      if (!map) return;
      if (map.key === undefined) {
        r.missing(p, 'key', what, 'add e.g. `key: "API_KEY"`');
        return;
      }
      const kp = joinPointer(p, 'key');
      const key = r.readString(map.key, kp, '`key`');
      if (key === undefined) return;
      if (!ENV_KEY.test(key)) {
        r.error(
          'env-key-syntax',
          kp,
          `environment key ${quote(key)} is not a variable name`,
          'use letters, digits and `_`, not starting with a digit; `PREFIX_*` matches every key with that prefix',
        );
        return;
      }
      out[list].push({ key, at: r.ref(p) });
    });
  }
  return out;
}
