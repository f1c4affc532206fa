// What of a call's arguments and extra details reaches the audit log. Values
// are left out by default: a tool's arguments hold file contents, queries and
// keys, and an audit log is read by more people than the calls were meant for.

export type ArgumentsMode = 'redact' | 'keys' | 'include';

export const ARGUMENTS_MODES: readonly ArgumentsMode[] = ['redact', 'keys', 'include'];

const MAX_DEPTH = 6;
const MAX_KEYS = 64;
const MAX_ITEMS = 32;
const MAX_STRING = 1024;
const MAX_PATHS = 64;

/** Names whose values are secrets in every mode. */
const SECRET_NAME =
  /pass(?:word|phrase|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|^key$|[-_]key$|authori[sz]ation|cookie|credential|signature|session/i;

/** Values that are secrets whatever they are called. */
const SECRET_VALUE: readonly [RegExp, string][] = [
  [/^eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*$/, 'jwt'],
  [/^bearer\s+\S/i, 'bearer'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key'],
];

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `<redacted:jwt>` for a string that is a known kind of secret, else undefined. */
function secretValue(s: string): string | undefined {
  for (const [re, what] of SECRET_VALUE) if (re.test(s)) return `<redacted:${what}>`;
  return undefined;
}

/** The type (and size) of a value, without the value. */
export function marker(value: unknown): string {
  if (value === null) return '<null>';
  if (typeof value === 'string') return `<string:${value.length}>`;
  if (Array.isArray(value)) return `<array:${value.length}>`;
  if (typeof value === 'object') return `<object:${Object.keys(value).length}>`;
  return `<${typeof value}>`;
}

function clip(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…(+${s.length - MAX_STRING})` : s;
}

/**
 * Walk a value keeping its shape: object names stay, each leaf becomes
 * `leaf(value)`, secret-named members become `<redacted>`, and sizes are
 * bounded (members and items beyond the bounds are counted, not kept).
 */
function shape(value: unknown, leaf: (v: unknown) => unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return leaf(value);
  if (depth >= MAX_DEPTH) return marker(value);
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => shape(v, leaf, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`<+${value.length - MAX_ITEMS} more>`);
    return items;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (const k of keys.slice(0, MAX_KEYS)) {
    const v = (value as Record<string, unknown>)[k];
    out[k] = isSecretName(k) ? '<redacted>' : shape(v, leaf, depth + 1);
  }
  if (keys.length > MAX_KEYS) out['…'] = `<+${keys.length - MAX_KEYS} more>`;
  return out;
}

const includeLeaf = (v: unknown): unknown => {
  if (typeof v === 'string') return secretValue(v) ?? clip(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'function' || typeof v === 'symbol' || v === undefined) return marker(v);
  return v;
};

/** The names in a value, as paths: `path`, `options.mode`, `items[].name`. */
function namesOf(value: unknown): string[] {
  const paths: string[] = [];
  const walk = (v: unknown, at: string, depth: number) => {
    if (paths.length >= MAX_PATHS || v === null || typeof v !== 'object' || depth >= MAX_DEPTH)
      return;
    if (Array.isArray(v)) {
      for (const item of v.slice(0, MAX_ITEMS)) walk(item, `${at}[]`, depth + 1);
      return;
    }
    for (const k of Object.keys(v)) {
      const p = at ? `${at}.${k}` : k;
      if (!paths.includes(p)) paths.push(p);
      if (paths.length >= MAX_PATHS) return;
      if (!isSecretName(k)) walk((v as Record<string, unknown>)[k], p, depth + 1);
    }
  };
  walk(value, '', 0);
  return paths;
}

/** A tool call's arguments as the audit log keeps them. */
export function redactArguments(args: unknown, mode: ArgumentsMode): unknown {
  switch (mode) {
    case 'keys':
      return namesOf(args);
    case 'include':
      return shape(args, includeLeaf, 0);
    default:
      return shape(args, marker, 0);
  }
}

/**
 * A record's extra details: `arguments` is shaped by `mode`; every other
 * member is kept, bounded, with secret names and secret-looking values
 * redacted.
 */
export function redactDetails(
  details: Record<string, unknown>,
  mode: ArgumentsMode,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(details);
  for (const k of keys.slice(0, MAX_KEYS)) {
    const v = details[k];
    if (k === 'arguments') out[k] = redactArguments(v, mode);
    else if (isSecretName(k)) out[k] = '<redacted>';
    else out[k] = shape(v, includeLeaf, 1);
  }
  if (keys.length > MAX_KEYS) out['…'] = `<+${keys.length - MAX_KEYS} more>`;
  return out;
}
