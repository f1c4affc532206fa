// Component values as JSON: a JSON Schema for each WIT type, and conversion
// between JSON and the JavaScript values the component bindings take and
// give (camelCase record fields and flags, `{ tag, val }` variants, typed
// arrays for numeric lists, bigints for 64-bit integers).
//
// The JSON forms:
//   integers      numbers in the type's range; 64-bit ones also as decimal
//                 strings (JSON numbers lose precision past 2^53)
//   floats        numbers; NaN and the infinities come back as strings
//   char          a one-character string (one Unicode scalar value)
//   list, tuple   arrays
//   record        an object keyed by the WIT field names; `option` fields may be left out
//   variant       `{ "tag": case, "val": payload }`
//   enum          the case name
//   flags         an array of the names that are set
//   option        the value, or null; an option of an option is `{ "some": inner }`
//   result        `{ "ok": value }` or `{ "err": value }` (null for no value)

import { type WitFunction, type WitType, witTypeText } from './wit-types.js';

export type JsonSchema = Record<string, unknown>;

/** A value that does not fit its type; `path` names where (`arguments.point.x`). */
export class ValueError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ValueError';
  }
}

/** Schemas differ by direction only where JSON cannot carry a value both ways (NaN). */
export type Direction = 'input' | 'output';

const INT_RANGE: Record<string, readonly [number | bigint, number | bigint]> = {
  u8: [0, 255],
  u16: [0, 65_535],
  u32: [0, 4_294_967_295],
  s8: [-128, 127],
  s16: [-32_768, 32_767],
  s32: [-2_147_483_648, 2_147_483_647],
  u64: [0n, 18_446_744_073_709_551_615n],
  s64: [-9_223_372_036_854_775_808n, 9_223_372_036_854_775_807n],
};

const NON_FINITE = ['NaN', 'Infinity', '-Infinity'];

/** `read-file` → `readFile`, as the bindings name functions, fields and flags. */
export function camelCase(kebab: string): string {
  const words = kebab.split('-');
  return (
    words[0]!.toLowerCase() +
    words
      .slice(1)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
      .join('')
  );
}

function isOption(t: WitType): boolean {
  return t.kind === 'option';
}

/**
 * Doc comments of named types, for schema descriptions: the type's own
 * (`member` undefined), or one of its fields or cases.
 */
export type TypeDocs = (typeName: string, member?: string) => string | undefined;

/** The JSON Schema of a type's JSON form. */
export function jsonSchemaOf(
  t: WitType,
  direction: Direction = 'input',
  docs?: TypeDocs,
): JsonSchema {
  const schema = bareSchemaOf(t, direction, docs);
  if (!docs || !t.name) return schema;
  const own = docs(t.name);
  // Cases of an enum or flags have no schema of their own to carry their docs.
  const members =
    t.kind === 'enum' || t.kind === 'flags'
      ? t.names
          .map((n) => [n, docs(t.name!, n)] as const)
          .filter(([, d]) => d)
          .map(([n, d]) => `\`${n}\`: ${d}`)
      : [];
  const description = [own, ...members].filter(Boolean).join('\n');
  return description ? { ...schema, description } : schema;
}

function bareSchemaOf(t: WitType, direction: Direction, docs: TypeDocs | undefined): JsonSchema {
  const s = (x: WitType) => jsonSchemaOf(x, direction, docs);
  const memberDoc = (schema: JsonSchema, member: string): JsonSchema => {
    const d = t.name ? docs?.(t.name, member) : undefined;
    return d ? { ...schema, description: d } : schema;
  };
  switch (t.kind) {
    case 'bool':
      return { type: 'boolean' };
    case 'u8':
    case 'u16':
    case 'u32':
    case 's8':
    case 's16':
    case 's32': {
      const [minimum, maximum] = INT_RANGE[t.kind]!;
      return { type: 'integer', minimum, maximum };
    }
    case 'u64':
    case 's64': {
      const [lo, hi] = INT_RANGE[t.kind]!;
      return {
        anyOf: [
          { type: 'integer', minimum: Number(lo), maximum: Number(hi) },
          {
            type: 'string',
            pattern: t.kind === 'u64' ? '^(0|[1-9][0-9]*)$' : '^-?(0|[1-9][0-9]*)$',
          },
        ],
        description: `${t.kind}: a number, or a decimal string for values past 2^53`,
      };
    }
    case 'f32':
    case 'f64':
      return direction === 'input'
        ? { type: 'number' }
        : { anyOf: [{ type: 'number' }, { type: 'string', enum: NON_FINITE }] };
    case 'char':
      return { type: 'string', minLength: 1, maxLength: 1, description: 'one Unicode character' };
    case 'string':
      return { type: 'string' };
    case 'list':
      return t.length === undefined
        ? { type: 'array', items: s(t.element) }
        : { type: 'array', items: s(t.element), minItems: t.length, maxItems: t.length };
    case 'tuple':
      return {
        type: 'array',
        // No `items: false`: clients validating by draft 7, where `prefixItems`
        // is unknown, would read it as "no items at all". The length bounds
        // keep extra items out either way.
        prefixItems: t.types.map(s),
        minItems: t.types.length,
        maxItems: t.types.length,
      };
    case 'record':
      return objectSchema(
        t.fields.map((f) => [f.name, memberDoc(s(f.type), f.name), !isOption(f.type)] as const),
      );
    case 'variant':
      return {
        oneOf: t.cases.map((c) =>
          memberDoc(
            c.type
              ? objectSchema([
                  ['tag', { const: c.name }, true],
                  ['val', s(c.type), true],
                ])
              : objectSchema([['tag', { const: c.name }, true]]),
            c.name,
          ),
        ),
      };
    case 'enum':
      return { type: 'string', enum: [...t.names] };
    case 'flags':
      return { type: 'array', items: { type: 'string', enum: [...t.names] }, uniqueItems: true };
    case 'option':
      return isOption(t.type)
        ? { anyOf: [{ type: 'null' }, objectSchema([['some', s(t.type), true]])] }
        : { anyOf: [s(t.type), { type: 'null' }] };
    case 'result':
      return {
        oneOf: [
          objectSchema([['ok', t.ok ? s(t.ok) : { type: 'null' }, true]]),
          objectSchema([['err', t.err ? s(t.err) : { type: 'null' }, true]]),
        ],
      };
    default:
      throw new TypeError(`${witTypeText(t)} has no JSON form`);
  }
}

function objectSchema(
  props: ReadonlyArray<readonly [name: string, schema: JsonSchema, required: boolean]>,
): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(props.map(([n, sch]) => [n, sch])),
    required: props.filter(([, , r]) => r).map(([n]) => n),
    additionalProperties: false,
  };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') {
    const shown = v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}…` : JSON.stringify(v);
    return `the string ${shown}`;
  }
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function fail(path: string, expected: string, got: unknown): never {
  throw new ValueError(path, `expected ${expected}, got ${describe(got)}`);
}

function plainObject(v: unknown, path: string, expected: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, expected, v);
  return v as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      throw new ValueError(
        path,
        `unexpected field ${JSON.stringify(k)} (expected ${allowed.map((a) => JSON.stringify(a)).join(', ') || 'none'})`,
      );
}

const TYPED_ARRAYS = {
  u8: Uint8Array,
  s8: Int8Array,
  u16: Uint16Array,
  s16: Int16Array,
  u32: Uint32Array,
  s32: Int32Array,
  u64: BigUint64Array,
  s64: BigInt64Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

function integer(kind: keyof typeof INT_RANGE, v: unknown, path: string): number | bigint {
  const [lo, hi] = INT_RANGE[kind]!;
  const range = `an integer from ${lo} to ${hi}`;
  if (typeof lo === 'bigint') {
    let b: bigint;
    if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
    else if (typeof v === 'string' && /^-?(0|[1-9][0-9]*)$/.test(v)) b = BigInt(v);
    else if (typeof v === 'number' && Number.isInteger(v))
      throw new ValueError(
        path,
        `${v} is past 2^53 and may have lost precision in JSON; pass it as a decimal string`,
      );
    else return fail(path, `${range} (a number or a decimal string)`, v);
    if (b < lo || b > (hi as bigint)) fail(path, range, v);
    return b;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > (hi as number))
    fail(path, range, v);
  return v as number;
}

/** Convert a JSON value to the bindings' value for `t`, checking shape and range. */
export function fromJson(t: WitType, v: unknown, path: string): unknown {
  switch (t.kind) {
    case 'bool':
      if (typeof v !== 'boolean') fail(path, 'true or false', v);
      return v;
    case 'u8':
    case 'u16':
    case 'u32':
    case 's8':
    case 's16':
    case 's32':
    case 'u64':
    case 's64':
      return integer(t.kind, v, path);
    case 'f32':
    case 'f64':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && NON_FINITE.includes(v)) return Number(v);
      return fail(path, 'a number', v);
    case 'char': {
      if (typeof v !== 'string') fail(path, 'a one-character string', v);
      const cp = v.codePointAt(0);
      if (cp === undefined || String.fromCodePoint(cp) !== v || (cp >= 0xd800 && cp <= 0xdfff))
        fail(path, 'exactly one Unicode character', v);
      return v;
    }
    case 'string':
      if (typeof v !== 'string') fail(path, 'a string', v);
      if (!v.isWellFormed()) throw new ValueError(path, 'the string has an unpaired surrogate');
      return v;
    case 'list': {
      if (!Array.isArray(v)) fail(path, `an array (${witTypeText(t)})`, v);
      if (t.length !== undefined && v.length !== t.length)
        fail(path, `an array of exactly ${t.length}`, v);
      const items = v.map((x, i) => fromJson(t.element, x, `${path}[${i}]`));
      const Typed = TYPED_ARRAYS[t.element.kind as keyof typeof TYPED_ARRAYS];
      return Typed ? (Typed as unknown as { from(a: unknown[]): unknown }).from(items) : items;
    }
    case 'tuple': {
      if (!Array.isArray(v) || v.length !== t.types.length)
        fail(path, `an array of ${t.types.length} (${witTypeText(t)})`, v);
      return t.types.map((x, i) => fromJson(x, v[i], `${path}[${i}]`));
    }
    case 'record': {
      const o = plainObject(v, path, `an object (${witTypeText(t)})`);
      onlyKeys(
        o,
        t.fields.map((f) => f.name),
        path,
      );
      const out: Record<string, unknown> = {};
      for (const f of t.fields) {
        const present = Object.hasOwn(o, f.name);
        if (!present && !isOption(f.type))
          throw new ValueError(`${path}.${f.name}`, `missing (${witTypeText(f.type)})`);
        out[camelCase(f.name)] = fromJson(f.type, present ? o[f.name] : null, `${path}.${f.name}`);
      }
      return out;
    }
    case 'variant': {
      const names = t.cases.map((c) => c.name);
      const o = plainObject(v, path, `{ "tag": one of ${names.join(', ')}, "val": … }`);
      const c = t.cases.find((x) => x.name === o.tag);
      if (!c) fail(`${path}.tag`, `one of ${names.join(', ')}`, o.tag);
      onlyKeys(o, c.type ? ['tag', 'val'] : ['tag'], path);
      if (!c.type) return { tag: c.name };
      if (!Object.hasOwn(o, 'val'))
        throw new ValueError(`${path}.val`, `missing (${witTypeText(c.type)})`);
      return { tag: c.name, val: fromJson(c.type, o.val, `${path}.val`) };
    }
    case 'enum':
      if (typeof v !== 'string' || !t.names.includes(v))
        fail(path, `one of ${t.names.join(', ')}`, v);
      return v;
    case 'flags': {
      if (!Array.isArray(v)) fail(path, `an array of flag names (${t.names.join(', ')})`, v);
      const out: Record<string, boolean> = {};
      for (const n of t.names) out[camelCase(n)] = false;
      v.forEach((x, i) => {
        if (typeof x !== 'string' || !t.names.includes(x))
          fail(`${path}[${i}]`, `one of ${t.names.join(', ')}`, x);
        out[camelCase(x)] = true;
      });
      return out;
    }
    case 'option': {
      if (v === null || v === undefined) return isOption(t.type) ? { tag: 'none' } : undefined;
      if (!isOption(t.type)) return fromJson(t.type, v, path);
      const o = plainObject(v, path, 'null or { "some": … }');
      onlyKeys(o, ['some'], path);
      return { tag: 'some', val: fromJson(t.type, o.some, `${path}.some`) };
    }
    case 'result': {
      const o = plainObject(v, path, '{ "ok": … } or { "err": … }');
      const which = Object.hasOwn(o, 'ok') ? 'ok' : Object.hasOwn(o, 'err') ? 'err' : undefined;
      if (!which || Object.keys(o).length !== 1) fail(path, '{ "ok": … } or { "err": … }', v);
      const inner = which === 'ok' ? t.ok : t.err;
      if (!inner) {
        if (o[which] !== null) fail(`${path}.${which}`, 'null', o[which]);
        return { tag: which };
      }
      return { tag: which, val: fromJson(inner, o[which], `${path}.${which}`) };
    }
    default:
      throw new ValueError(path, `${witTypeText(t)} cannot be passed as JSON`);
  }
}

/**
 * Convert a bindings' value to JSON. The component produced it, so it is
 * checked too: a value that does not fit its type is the component's fault
 * and is reported as such, not passed on.
 */
export function toJson(t: WitType, v: unknown, path = 'result'): unknown {
  switch (t.kind) {
    case 'bool':
      if (typeof v !== 'boolean') fail(path, 'a boolean', v);
      return v;
    case 'u8':
    case 'u16':
    case 'u32':
    case 's8':
    case 's16':
    case 's32':
      return integer(t.kind, v, path);
    case 'u64':
    case 's64': {
      if (typeof v !== 'bigint') fail(path, `a ${t.kind} bigint`, v);
      const b = integer(t.kind, v.toString(), path) as bigint;
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(b)
        : b.toString();
    }
    case 'f32':
    case 'f64':
      if (typeof v !== 'number') fail(path, 'a number', v);
      return Number.isFinite(v) ? v : String(v);
    case 'char':
    case 'string':
      if (typeof v !== 'string') fail(path, 'a string', v);
      return v;
    case 'list': {
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) fail(path, 'a list', v);
      return Array.from(v as ArrayLike<unknown>, (x, i) => toJson(t.element, x, `${path}[${i}]`));
    }
    case 'tuple':
      if (!Array.isArray(v) || v.length !== t.types.length) fail(path, witTypeText(t), v);
      return t.types.map((x, i) => toJson(x, v[i], `${path}[${i}]`));
    case 'record': {
      const o = plainObject(v, path, witTypeText(t));
      const out: Record<string, unknown> = {};
      for (const f of t.fields)
        out[f.name] = toJson(f.type, o[camelCase(f.name)], `${path}.${f.name}`);
      return out;
    }
    case 'variant': {
      const o = plainObject(v, path, witTypeText(t));
      const c = t.cases.find((x) => x.name === o.tag);
      if (!c) fail(`${path}.tag`, `one of ${t.cases.map((x) => x.name).join(', ')}`, o.tag);
      return c.type ? { tag: c.name, val: toJson(c.type, o.val, `${path}.val`) } : { tag: c.name };
    }
    case 'enum':
      if (typeof v !== 'string' || !t.names.includes(v))
        fail(path, `one of ${t.names.join(', ')}`, v);
      return v;
    case 'flags': {
      const o = plainObject(v, path, witTypeText(t));
      return t.names.filter((n) => o[camelCase(n)] === true);
    }
    case 'option': {
      if (!isOption(t.type)) return v === undefined || v === null ? null : toJson(t.type, v, path);
      const o = plainObject(v, path, witTypeText(t));
      return o.tag === 'some' ? { some: toJson(t.type, o.val, `${path}.some`) } : null;
    }
    case 'result': {
      const o = plainObject(v, path, witTypeText(t));
      if (o.tag !== 'ok' && o.tag !== 'err') fail(`${path}.tag`, 'ok or err', o.tag);
      const inner = o.tag === 'ok' ? t.ok : t.err;
      return { [o.tag]: inner ? toJson(inner, o.val, `${path}.${o.tag}`) : null };
    }
    default:
      throw new ValueError(path, `${witTypeText(t)} has no JSON form`);
  }
}

/** The tool input schema of a function: an object with one property per parameter. */
export function parametersSchema(fn: WitFunction, docs?: TypeDocs): JsonSchema {
  return objectSchema(
    fn.params.map((p) => [p.name, jsonSchemaOf(p.type, 'input', docs), !isOption(p.type)]),
  );
}

/** The bindings' arguments for `fn` from a JSON object of named arguments. */
export function argumentsFromJson(fn: WitFunction, args: Record<string, unknown>): unknown[] {
  onlyKeys(
    args,
    fn.params.map((p) => p.name),
    'arguments',
  );
  return fn.params.map((p) => {
    const present = Object.hasOwn(args, p.name);
    if (!present && !isOption(p.type))
      throw new ValueError(`arguments.${p.name}`, `missing (${witTypeText(p.type)})`);
    return fromJson(p.type, present ? args[p.name] : null, `arguments.${p.name}`);
  });
}

/** The output schema of a function that returns a value: `{ "result": … }`. */
export function resultSchema(fn: WitFunction, docs?: TypeDocs): JsonSchema | undefined {
  return fn.result
    ? objectSchema([['result', jsonSchemaOf(fn.result, 'output', docs), true]])
    : undefined;
}
