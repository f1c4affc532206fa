// wasi:http `fields` (headers and trailers): names checked as HTTP tokens,
// values without CR, LF or NUL, and the headers a guest may not choose
// refused with `forbidden`.

import { CONNECTION_HEADERS, HTTP_TOKEN } from '../egress-request.js';
import { type Context, Failure, guardClass } from './context.js';

/** What the egress service manages itself, refused with `forbidden` (proxies are never used). */
const FORBIDDEN = new Set([...CONNECTION_HEADERS, 'http2-settings']);

export function isForbiddenHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return FORBIDDEN.has(lower) || lower.startsWith('proxy-');
}

const INVALID = Object.freeze({ tag: 'invalid-syntax' });
const FORBIDDEN_ERR = Object.freeze({ tag: 'forbidden' });
const IMMUTABLE = Object.freeze({ tag: 'immutable' });

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !HTTP_TOKEN.test(name)) throw new Failure(INVALID);
  if (isForbiddenHeader(name)) throw new Failure(FORBIDDEN_ERR);
  return name;
}

function checkValue(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Failure(INVALID);
  for (const b of value) if (b === 10 || b === 13 || b === 0) throw new Failure(INVALID);
  return value.slice();
}

type Entry = [string, Uint8Array];

export interface HttpFields {
  /** The `fields` resource class the glue constructs. */
  readonly Fields: new (
    ...args: unknown[]
  ) => object;
  /** Fields the guest cannot change (a request's or response's headers). */
  fixed(entries: Entry[]): object;
  /** The entries of the guest's fields. */
  entriesOf(fields: unknown): Entry[];
  /** Take the guest's fields over (they were passed as an owned handle). */
  take(fields: unknown): Entry[];
}

export function createFields(ctx: Context): HttpFields {
  const KEY = Symbol('fields');
  let entriesOf: (fields: unknown) => Entry[];
  let detach: (fields: unknown) => Entry[];

  class Fields {
    #entries: Entry[] | undefined;
    readonly #immutable: boolean;

    /** The guest's `new fields()`; the host passes its key, the entries and whether they are fixed. */
    constructor(...args: unknown[]) {
      ctx.enter();
      if (args[0] === KEY) {
        this.#entries = args[1] as Entry[];
        this.#immutable = args[2] === true;
      } else {
        this.#entries = [];
        this.#immutable = false;
      }
    }

    static {
      entriesOf = (fields) => {
        if (typeof fields !== 'object' || fields === null || !(#entries in fields))
          throw new TypeError('not a fields resource of this instance');
        const e = (fields as Fields).#entries;
        if (!e) throw new TypeError('these fields were already handed over');
        return e;
      };
      detach = (fields) => {
        const e = entriesOf(fields);
        (fields as Fields).#entries = undefined;
        return e;
      };
    }

    static fromList(entries: Array<[unknown, unknown]>): Fields {
      const list: Entry[] = [];
      for (const [name, value] of entries) list.push([checkName(name), checkValue(value)]);
      return new Fields(KEY, list, false);
    }

    #mutable(): Entry[] {
      if (this.#immutable) throw new Failure(IMMUTABLE);
      return entriesOf(this);
    }

    get(name: string): Uint8Array[] {
      const lower = String(name).toLowerCase();
      return entriesOf(this)
        .filter(([n]) => n.toLowerCase() === lower)
        .map(([, v]) => v.slice());
    }

    has(name: string): boolean {
      const lower = String(name).toLowerCase();
      return entriesOf(this).some(([n]) => n.toLowerCase() === lower);
    }

    set(name: string, values: unknown[]): void {
      const list = this.#mutable();
      const n = checkName(name);
      const vs = values.map(checkValue);
      const lower = n.toLowerCase();
      const kept = list.filter(([k]) => k.toLowerCase() !== lower);
      list.length = 0;
      list.push(...kept, ...vs.map((v): Entry => [n, v]));
    }

    delete(name: string): void {
      const list = this.#mutable();
      const lower = checkName(name).toLowerCase();
      const kept = list.filter(([k]) => k.toLowerCase() !== lower);
      list.length = 0;
      list.push(...kept);
    }

    append(name: string, value: unknown): void {
      const list = this.#mutable();
      list.push([checkName(name), checkValue(value)]);
    }

    entries(): Entry[] {
      return entriesOf(this).map(([n, v]): Entry => [n, v.slice()]);
    }

    clone(): Fields {
      return new Fields(KEY, this.entries(), false);
    }
  }

  guardClass(ctx, Fields);

  return {
    Fields,
    fixed: (entries) => new Fields(KEY, entries, true),
    entriesOf: (fields) => entriesOf(fields),
    take: (fields) => detach(fields),
  };
}
