// What a WebAssembly component exports, read from its binary: the functions
// and interfaces with their WIT types. A small interpreter of the component
// model's definition sections keeps the index spaces (types, functions,
// instances, components) of each component, follows aliases, instantiates
// nested components with their arguments (wit-component wraps each exported
// interface in one, to give it names and types), and resolves every type.
// Core modules are skipped, never decoded.

import { Reader as BinaryReader } from '../wasm-binary.js';
import type {
  ComponentInterface,
  WitFunction,
  WitInterface,
  WitPrimitive,
  WitType,
} from './wit-types.js';

export class ComponentFormatError extends Error {}

// Primitive value types by their binary code (0x7f = 127 = bool, counting down).
const PRIMITIVES: Record<number, WitPrimitive> = {
  127: 'bool',
  126: 's8',
  125: 'u8',
  124: 's16',
  123: 'u16',
  122: 's32',
  121: 'u32',
  120: 's64',
  119: 'u64',
  118: 'f32',
  117: 'f64',
  116: 'char',
  115: 'string',
  100: 'error-context',
};

/** The shared reader, failing with ComponentFormatError, plus what components add. */
class Reader extends BinaryReader {
  protected override fail(message: string): never {
    throw new ComponentFormatError(message);
  }
  peek(): number {
    return this.bytes[this.pos]!;
  }
  /** A signed LEB128 up to 33 bits (a valtype: negative = primitive, else a type index). */
  s33(): number {
    let r = 0;
    let s = 0;
    let x: number;
    do {
      x = this.byte();
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80);
    if (x & 0x40) r -= 2 ** s;
    return r;
  }
  /** importname' / exportname': 0x00 name, or 0x01 name + version suffix. */
  externName(): string {
    const tag = this.byte();
    const n = this.name();
    if (tag === 0x01) this.name();
    else if (tag !== 0x00)
      throw new ComponentFormatError(`unknown name encoding 0x${tag.toString(16)}`);
    return n;
  }
  skip(n: number): void {
    this.pos += n;
  }
}

// ---------------------------------------------------------------------------
// Index spaces and entities

type FuncType = { params: Array<{ name: string; type: WitType }>; result?: WitType };

type Entity =
  | { sort: 'func'; type: FuncType }
  | { sort: 'type'; type: TypeEntry }
  | { sort: 'instance'; exports: Map<string, Entity> }
  | { sort: 'component'; def: ComponentDef }
  | { sort: 'other' };

/** A type index: a value type, function type, instance or component type, or a resource. */
type TypeEntry =
  | { kind: 'val'; resolve: () => WitType }
  | { kind: 'func'; resolve: () => FuncType }
  | { kind: 'instance'; exports: () => Map<string, Entity> }
  | { kind: 'component'; decls: () => Map<string, Entity> }
  | { kind: 'resource'; type: WitType };

/** A nested component not yet instantiated: where its definitions are, and its enclosing scopes. */
interface ComponentDef {
  start: number;
  end: number;
  parent: Scope;
}

class Scope {
  readonly types: TypeEntry[] = [];
  readonly funcs: Entity[] = [];
  readonly instances: Entity[] = [];
  readonly components: Entity[] = [];
  constructor(readonly parent: Scope | undefined) {}

  outer(count: number): Scope {
    let s: Scope = this;
    for (let i = 0; i < count; i++) {
      if (!s.parent)
        throw new ComponentFormatError('an outer alias reaches past the outermost component');
      s = s.parent;
    }
    return s;
  }

  type(i: number): TypeEntry {
    const t = this.types[i];
    if (!t) throw new ComponentFormatError(`type index ${i} is not defined`);
    return t;
  }

  add(sort: number, e: Entity): void {
    if (sort === 0x01) this.funcs.push(e);
    else if (sort === 0x03)
      this.types.push(e.sort === 'type' ? e.type : valEntry(() => ({ kind: 'resource' })));
    else if (sort === 0x04) this.components.push(e);
    else if (sort === 0x05) this.instances.push(e);
  }

  get(sort: number, i: number): Entity {
    const list =
      sort === 0x01
        ? this.funcs
        : sort === 0x04
          ? this.components
          : sort === 0x05
            ? this.instances
            : undefined;
    if (sort === 0x03) return { sort: 'type', type: this.type(i) };
    if (!list) return { sort: 'other' };
    const e = list[i];
    if (!e) throw new ComponentFormatError(`index ${i} is not defined for sort ${sort}`);
    return e;
  }
}

function valEntry(resolve: () => WitType): TypeEntry {
  let cached: WitType | undefined;
  return { kind: 'val', resolve: () => (cached ??= resolve()) };
}

function named(t: WitType, name: string): WitType {
  return t.name === name ? t : ({ ...t, name } as WitType);
}

function entityType(e: Entity): TypeEntry {
  if (e.sort !== 'type') throw new ComponentFormatError('expected a type');
  return e.type;
}

/** The WitType of a type index that must hold a value type (or a resource). */
function valueTypeAt(scope: Scope, i: number): WitType {
  const t = scope.type(i);
  if (t.kind === 'val') return t.resolve();
  if (t.kind === 'resource') return t.type;
  throw new ComponentFormatError(`type index ${i} is not a value type`);
}

// ---------------------------------------------------------------------------
// Type definitions

function valtype(r: Reader, scope: Scope): () => WitType {
  const v = r.s33();
  if (v < 0) {
    const prim = PRIMITIVES[v + 0x80];
    if (!prim)
      throw new ComponentFormatError(`unknown primitive type 0x${(v + 0x80).toString(16)}`);
    return () => ({ kind: prim });
  }
  return () => valueTypeAt(scope, v);
}

function optional<T>(r: Reader, read: () => T): T | undefined {
  const flag = r.byte();
  if (flag === 0x00) return undefined;
  if (flag !== 0x01) throw new ComponentFormatError(`bad optional flag 0x${flag.toString(16)}`);
  return read();
}

/** One type definition, appended to `scope`'s type index space. */
function deftype(r: Reader, scope: Scope): TypeEntry {
  const op = r.byte();
  const prim = PRIMITIVES[op];
  if (prim) return valEntry(() => ({ kind: prim }));
  switch (op) {
    case 0x72: {
      const fields = vec(r, () => ({ name: r.name(), type: valtype(r, scope) }));
      return valEntry(() => ({
        kind: 'record',
        fields: fields.map((f) => ({ name: f.name, type: f.type() })),
      }));
    }
    case 0x71: {
      const cases = vec(r, () => {
        const name = r.name();
        const type = optional(r, () => valtype(r, scope));
        const refines = r.byte();
        if (refines === 0x01) r.u32();
        return { name, type };
      });
      return valEntry(() => ({
        kind: 'variant',
        cases: cases.map((c) => (c.type ? { name: c.name, type: c.type() } : { name: c.name })),
      }));
    }
    case 0x70: {
      const el = valtype(r, scope);
      return valEntry(() => ({ kind: 'list', element: el() }));
    }
    case 0x67: {
      const el = valtype(r, scope);
      const length = r.u32();
      return valEntry(() => ({ kind: 'list', element: el(), length }));
    }
    case 0x6f: {
      const types = vec(r, () => valtype(r, scope));
      return valEntry(() => ({ kind: 'tuple', types: types.map((t) => t()) }));
    }
    case 0x6e: {
      const names = vec(r, () => r.name());
      return valEntry(() => ({ kind: 'flags', names }));
    }
    case 0x6d: {
      const names = vec(r, () => r.name());
      return valEntry(() => ({ kind: 'enum', names }));
    }
    case 0x6b: {
      const t = valtype(r, scope);
      return valEntry(() => ({ kind: 'option', type: t() }));
    }
    case 0x6a: {
      const ok = optional(r, () => valtype(r, scope));
      const err = optional(r, () => valtype(r, scope));
      return valEntry(() => ({
        kind: 'result',
        ...(ok ? { ok: ok() } : {}),
        ...(err ? { err: err() } : {}),
      }));
    }
    case 0x69:
    case 0x68: {
      const i = r.u32();
      const kind = op === 0x69 ? 'own' : 'borrow';
      return valEntry(() => ({ kind, resource: valueTypeAt(scope, i) }));
    }
    case 0x66:
    case 0x65: {
      const t = optional(r, () => valtype(r, scope));
      const kind = op === 0x66 ? 'stream' : 'future';
      return valEntry(() => ({ kind, ...(t ? { type: t() } : {}) }));
    }
    case 0x40:
    case 0x43: {
      const params = vec(r, () => ({ name: r.name(), type: valtype(r, scope) }));
      const rk = r.byte();
      let result: (() => WitType) | undefined;
      if (rk === 0x00) result = valtype(r, scope);
      else if (rk === 0x01) {
        const named = vec(r, () => ({ name: r.name(), type: valtype(r, scope) }));
        if (named.length > 0) {
          result = () => ({
            kind: 'record',
            fields: named.map((n) => ({ name: n.name, type: n.type() })),
          });
        }
      } else throw new ComponentFormatError(`bad result list 0x${rk.toString(16)}`);
      let cached: FuncType | undefined;
      return {
        kind: 'func',
        resolve: () =>
          (cached ??= {
            params: params.map((p) => ({ name: p.name, type: p.type() })),
            ...(result ? { result: result() } : {}),
          }),
      };
    }
    case 0x41: {
      const inner = new Scope(scope);
      const decls = declarations(r, inner, true);
      return { kind: 'component', decls: () => decls };
    }
    case 0x42: {
      const inner = new Scope(scope);
      const exports = declarations(r, inner, false);
      return { kind: 'instance', exports: () => exports };
    }
    case 0x3f: {
      r.byte(); // rep i32
      optional(r, () => r.u32());
      return { kind: 'resource', type: { kind: 'resource' } };
    }
    case 0x3e: {
      r.byte();
      optional(r, () => r.u32());
      optional(r, () => r.u32());
      return { kind: 'resource', type: { kind: 'resource' } };
    }
    default:
      throw new ComponentFormatError(`unknown type definition 0x${op.toString(16)}`);
  }
}

function vec<T>(r: Reader, item: () => T): T[] {
  const n = r.u32();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item());
  return out;
}

/**
 * The declarations of an instance or component type. Returns the exports
 * (for a component type: the imports too, prefixed `import:`) as entities.
 */
function declarations(r: Reader, scope: Scope, component: boolean): Map<string, Entity> {
  const out = new Map<string, Entity>();
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const kind = r.byte();
    if (kind === 0x00) skipCoreType(r);
    else if (kind === 0x01) scope.types.push(deftype(r, scope));
    else if (kind === 0x02) alias(r, scope);
    else if (kind === 0x03 && component) {
      const name = r.externName();
      const e = externdesc(r, scope, name);
      scope.add(sortOfEntity(e), e);
      out.set(`import:${name}`, e);
    } else if (kind === 0x04) {
      const name = r.externName();
      const e = externdesc(r, scope, name);
      scope.add(sortOfEntity(e), e);
      out.set(name, e);
    } else throw new ComponentFormatError(`unknown declaration 0x${kind.toString(16)}`);
  }
  return out;
}

function sortOfEntity(e: Entity): number {
  return e.sort === 'func'
    ? 0x01
    : e.sort === 'type'
      ? 0x03
      : e.sort === 'component'
        ? 0x04
        : e.sort === 'instance'
          ? 0x05
          : 0xff;
}

/** An extern description: what an import, export declaration or ascription says an item is. */
function externdesc(r: Reader, scope: Scope, name: string): Entity {
  const kind = r.byte();
  switch (kind) {
    case 0x00:
      r.byte();
      r.u32();
      return { sort: 'other' };
    case 0x01: {
      const t = scope.type(r.u32());
      if (t.kind !== 'func')
        throw new ComponentFormatError(`\`${name}\` is declared a function of a non-function type`);
      return lazyFunc(t);
    }
    case 0x02: {
      const vb = r.byte();
      if (vb === 0x00) r.u32();
      else valtype(r, scope);
      return { sort: 'other' };
    }
    case 0x03: {
      const bound = r.byte();
      if (bound === 0x00) {
        const t = scope.type(r.u32());
        if (t.kind === 'val')
          return { sort: 'type', type: valEntry(() => named(t.resolve(), name)) };
        if (t.kind === 'resource')
          return { sort: 'type', type: { kind: 'resource', type: named(t.type, name) } };
        return { sort: 'type', type: t };
      }
      // (sub resource): a fresh abstract resource type.
      return { sort: 'type', type: { kind: 'resource', type: { kind: 'resource', name } } };
    }
    case 0x04: {
      const t = scope.type(r.u32());
      if (t.kind !== 'component')
        throw new ComponentFormatError(
          `\`${name}\` is declared a component of a non-component type`,
        );
      return { sort: 'other' };
    }
    case 0x05: {
      const t = scope.type(r.u32());
      if (t.kind !== 'instance')
        throw new ComponentFormatError(
          `\`${name}\` is declared an instance of a non-instance type`,
        );
      return { sort: 'instance', exports: t.exports() };
    }
    default:
      throw new ComponentFormatError(`unknown extern description 0x${kind.toString(16)}`);
  }
}

function lazyFunc(t: { kind: 'func'; resolve: () => FuncType }): Entity {
  let cached: FuncType | undefined;
  return {
    sort: 'func',
    get type() {
      cached ??= t.resolve();
      return cached;
    },
  } as Entity;
}

function alias(r: Reader, scope: Scope): void {
  const sortByte = r.byte();
  const core = sortByte === 0x00;
  if (core) r.byte();
  const target = r.byte();
  if (target === 0x00) {
    const inst = scope.get(0x05, r.u32());
    const n = r.name();
    if (core) return;
    if (inst.sort !== 'instance')
      throw new ComponentFormatError('an alias reaches into something that is not an instance');
    const e = inst.exports.get(n);
    if (!e)
      throw new ComponentFormatError(`an alias names \`${n}\`, which the instance does not export`);
    scope.add(sortByte, e);
  } else if (target === 0x01) {
    r.u32();
    r.name();
  } else if (target === 0x02) {
    const ct = r.u32();
    const idx = r.u32();
    if (core) return;
    const outer = scope.outer(ct);
    scope.add(sortByte, outer.get(sortByte, idx));
  } else throw new ComponentFormatError(`unknown alias target 0x${target.toString(16)}`);
}

// ---------------------------------------------------------------------------
// Core definitions are skipped, but their shape must be read past.

function skipCoreValtype(r: Reader): void {
  const t = r.byte();
  if (t === 0x63 || t === 0x64) r.s33();
}

function skipCoreType(r: Reader): void {
  const form = r.byte();
  if (form === 0x60) {
    const np = r.u32();
    for (let i = 0; i < np; i++) skipCoreValtype(r);
    const nr = r.u32();
    for (let i = 0; i < nr; i++) skipCoreValtype(r);
  } else if (form === 0x50) {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const k = r.byte();
      if (k === 0x00) {
        r.name();
        r.name();
        skipImportDesc(r);
      } else if (k === 0x01) skipCoreType(r);
      else if (k === 0x02) {
        r.byte();
        r.byte();
        r.u32();
        r.u32();
      } else if (k === 0x03) {
        r.name();
        skipImportDesc(r);
      } else throw new ComponentFormatError(`unknown core module declaration 0x${k.toString(16)}`);
    }
  } else throw new ComponentFormatError(`unsupported core type 0x${form.toString(16)}`);
}

function skipLimits(r: Reader): void {
  const f = r.byte();
  r.u32();
  if (f & 1) r.u32();
}

function skipImportDesc(r: Reader): void {
  const k = r.byte();
  if (k === 0x00) r.u32();
  else if (k === 0x01) {
    skipCoreValtype(r);
    skipLimits(r);
  } else if (k === 0x02) skipLimits(r);
  else if (k === 0x03) {
    skipCoreValtype(r);
    r.byte();
  } else if (k === 0x04) {
    r.byte();
    r.u32();
  } else throw new ComponentFormatError(`unknown core import kind 0x${k.toString(16)}`);
}

function skipOpts(r: Reader): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const o = r.byte();
    if (o >= 0x03 && o <= 0x05) r.u32();
    else if (o === 0x07) r.u32();
    else if (o > 0x07)
      throw new ComponentFormatError(`unknown canonical option 0x${o.toString(16)}`);
  }
}

// ---------------------------------------------------------------------------
// Component bodies

interface Evaluated {
  exports: Map<string, Entity>;
  imports: string[];
}

/**
 * Interpret the definitions of a component between `start` and `end`.
 * `provide` answers its imports (for a nested component: the `with` arguments).
 */
function evaluate(
  b: Uint8Array,
  start: number,
  end: number,
  scope: Scope,
  provide: (name: string, declared: Entity) => Entity,
): Evaluated {
  const exports = new Map<string, Entity>();
  const imports: string[] = [];
  const outer = new Reader(b, start, end);
  while (outer.pos < end) {
    const id = outer.byte();
    const size = outer.u32();
    const bodyStart = outer.pos;
    const bodyEnd = bodyStart + size;
    if (bodyEnd > end)
      throw new ComponentFormatError('a section runs past the end of the component');
    const r = new Reader(b, bodyStart, bodyEnd);
    switch (id) {
      case 4: {
        // A nested component (its own header first): remember where it is; it is interpreted when instantiated.
        scope.components.push({
          sort: 'component',
          def: { start: bodyStart + 8, end: bodyEnd, parent: scope },
        });
        break;
      }
      case 5: {
        const n = r.u32();
        for (let i = 0; i < n; i++) scope.instances.push(instance(r, scope, b));
        break;
      }
      case 6: {
        const n = r.u32();
        for (let i = 0; i < n; i++) alias(r, scope);
        break;
      }
      case 7: {
        const n = r.u32();
        for (let i = 0; i < n; i++) scope.types.push(deftype(r, scope));
        break;
      }
      case 8: {
        const n = r.u32();
        for (let i = 0; i < n; i++) canon(r, scope);
        break;
      }
      case 10: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const name = r.externName();
          const declared = externdesc(r, scope, name);
          imports.push(name);
          const e = provide(name, declared);
          scope.add(sortOfEntity(declared), e);
        }
        break;
      }
      case 11: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const name = r.externName();
          const sort = sortidxSort(r);
          const idx = r.u32();
          let e = scope.get(sort, idx);
          const ascribed = optional(r, () => externdesc(r, scope, name));
          if (ascribed && ascribed.sort !== 'other') e = ascribed;
          if (e.sort === 'type' && e.type.kind === 'val') {
            const base = e.type;
            e = { sort: 'type', type: valEntry(() => named(base.resolve(), name)) };
          }
          exports.set(name, e);
          scope.add(sort, e);
        }
        break;
      }
      default:
        // core modules (1), core instances (2), core types (3), start (9), values (12), custom (0)
        break;
    }
    outer.pos = bodyEnd;
  }
  return { exports, imports };
}

function sortidxSort(r: Reader): number {
  const s = r.byte();
  if (s === 0x00) {
    r.byte();
    return 0x100;
  }
  return s;
}

function instance(r: Reader, scope: Scope, b: Uint8Array): Entity {
  const form = r.byte();
  if (form === 0x00) {
    const c = scope.get(0x04, r.u32());
    const args = new Map<string, Entity>();
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const name = r.name();
      const sort = sortidxSort(r);
      args.set(name, scope.get(sort, r.u32()));
    }
    if (c.sort !== 'component') return { sort: 'instance', exports: new Map() };
    const inner = new Scope(c.def.parent);
    const { exports } = evaluate(b, c.def.start, c.def.end, inner, (name, declared) => {
      const given = args.get(name);
      if (!given)
        throw new ComponentFormatError(`a nested component's import \`${name}\` is not supplied`);
      // A type import takes the supplied type; functions keep the supplied function.
      return given.sort === 'other' ? declared : given;
    });
    return { sort: 'instance', exports };
  }
  if (form === 0x01) {
    const exports = new Map<string, Entity>();
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const name = r.externName();
      const sort = sortidxSort(r);
      exports.set(name, scope.get(sort, r.u32()));
    }
    return { sort: 'instance', exports };
  }
  throw new ComponentFormatError(`unknown instance form 0x${form.toString(16)}`);
}

function canon(r: Reader, scope: Scope): void {
  const op = r.byte();
  switch (op) {
    case 0x00: {
      r.byte();
      r.u32();
      skipOpts(r);
      const t = scope.type(r.u32());
      if (t.kind !== 'func')
        throw new ComponentFormatError('a lifted function has a non-function type');
      scope.funcs.push(lazyFunc(t));
      return;
    }
    case 0x01:
      r.byte();
      r.u32();
      skipOpts(r);
      return;
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x07:
      r.u32();
      return;
    default:
      throw new ComponentFormatError(
        `unsupported canonical definition 0x${op.toString(16)} (asynchronous component features?)`,
      );
  }
}

// ---------------------------------------------------------------------------

function functionOf(name: string, e: Entity): WitFunction | undefined {
  if (e.sort !== 'func') return undefined;
  const t = e.type;
  return { name, params: t.params, ...(t.result ? { result: t.result } : {}) };
}

/** The exported functions and interfaces of a component binary, with resolved WIT types. */
export function readComponentInterface(bytes: Uint8Array): ComponentInterface {
  if (
    bytes.length < 8 ||
    bytes[0] !== 0 ||
    bytes[1] !== 0x61 ||
    bytes[2] !== 0x73 ||
    bytes[3] !== 0x6d ||
    bytes[6] !== 1
  ) {
    throw new ComponentFormatError('not a WebAssembly component');
  }
  const root = new Scope(undefined);
  const { exports, imports } = evaluate(
    bytes,
    8,
    bytes.length,
    root,
    (_name, declared) => declared,
  );
  const functions: WitFunction[] = [];
  const interfaces: WitInterface[] = [];
  for (const [name, e] of exports) {
    if (e.sort === 'func') {
      const f = functionOf(name, e);
      if (f) functions.push(f);
    } else if (e.sort === 'instance') {
      const fns: WitFunction[] = [];
      const types = new Map<string, WitType>();
      for (const [n, x] of e.exports) {
        const f = functionOf(n, x);
        if (f) fns.push(f);
        else if (x.sort === 'type') {
          const t = entityType(x);
          if (t.kind === 'val') types.set(n, t.resolve());
          else if (t.kind === 'resource') types.set(n, t.type);
        }
      }
      interfaces.push({ name, functions: fns, types });
    }
  }
  return { functions, interfaces, imports };
}
