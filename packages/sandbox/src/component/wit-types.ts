// The types of a component's interface, as WIT names them: what exports take
// and return. Resolved (no indices left), so consumers need no binary knowledge.

export type WitPrimitive =
  | 'bool'
  | 's8'
  | 'u8'
  | 's16'
  | 'u16'
  | 's32'
  | 'u32'
  | 's64'
  | 'u64'
  | 'f32'
  | 'f64'
  | 'char'
  | 'string'
  | 'error-context';

interface Named {
  /** The name the component gives the type (`point`), when it names it. */
  readonly name?: string;
}

export type WitType = Named &
  (
    | { readonly kind: WitPrimitive }
    | { readonly kind: 'list'; readonly element: WitType; readonly length?: number }
    | {
        readonly kind: 'record';
        readonly fields: ReadonlyArray<{ readonly name: string; readonly type: WitType }>;
      }
    | { readonly kind: 'tuple'; readonly types: readonly WitType[] }
    | {
        readonly kind: 'variant';
        readonly cases: ReadonlyArray<{ readonly name: string; readonly type?: WitType }>;
      }
    | { readonly kind: 'enum'; readonly names: readonly string[] }
    | { readonly kind: 'flags'; readonly names: readonly string[] }
    | { readonly kind: 'option'; readonly type: WitType }
    | { readonly kind: 'result'; readonly ok?: WitType; readonly err?: WitType }
    | { readonly kind: 'own' | 'borrow'; readonly resource: WitType }
    | { readonly kind: 'resource' }
    | { readonly kind: 'stream' | 'future'; readonly type?: WitType }
  );

export interface WitFunction {
  /** As the component exports it, kebab-case: `read-file`. */
  readonly name: string;
  readonly params: ReadonlyArray<{ readonly name: string; readonly type: WitType }>;
  readonly result?: WitType;
}

export interface WitInterface {
  /** The full export name, e.g. `local:files/files@0.1.0`. */
  readonly name: string;
  readonly functions: readonly WitFunction[];
  /** Types it exports by name. */
  readonly types: ReadonlyMap<string, WitType>;
}

export interface ComponentInterface {
  /** Functions exported by the world itself. */
  readonly functions: readonly WitFunction[];
  readonly interfaces: readonly WitInterface[];
  /** Full names of the interfaces and functions it imports. */
  readonly imports: readonly string[];
}

/** Does the type reach a resource handle anywhere (then it cannot be passed as JSON)? */
export function usesResource(t: WitType): boolean {
  switch (t.kind) {
    case 'own':
    case 'borrow':
    case 'resource':
    case 'stream':
    case 'future':
    case 'error-context':
      return true;
    case 'list':
    case 'option':
      return usesResource(t.kind === 'list' ? t.element : t.type);
    case 'record':
      return t.fields.some((f) => usesResource(f.type));
    case 'tuple':
      return t.types.some(usesResource);
    case 'variant':
      return t.cases.some((c) => c.type !== undefined && usesResource(c.type));
    case 'result':
      return (
        (t.ok !== undefined && usesResource(t.ok)) || (t.err !== undefined && usesResource(t.err))
      );
    default:
      return false;
  }
}

/** WIT spelling of a type, for messages. */
export function witTypeText(t: WitType): string {
  if (t.name) return t.name;
  switch (t.kind) {
    case 'list':
      return t.length === undefined
        ? `list<${witTypeText(t.element)}>`
        : `list<${witTypeText(t.element)}, ${t.length}>`;
    case 'option':
      return `option<${witTypeText(t.type)}>`;
    case 'result':
      return t.ok || t.err
        ? `result<${t.ok ? witTypeText(t.ok) : '_'}${t.err ? `, ${witTypeText(t.err)}` : ''}>`
        : 'result';
    case 'tuple':
      return `tuple<${t.types.map(witTypeText).join(', ')}>`;
    case 'own':
      return witTypeText(t.resource);
    case 'borrow':
      return `borrow<${witTypeText(t.resource)}>`;
    case 'record':
    case 'variant':
    case 'enum':
    case 'flags':
    case 'resource':
      return t.kind;
    case 'stream':
    case 'future':
      return t.type ? `${t.kind}<${witTypeText(t.type)}>` : t.kind;
    default:
      return t.kind;
  }
}
