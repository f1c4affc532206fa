// The public extension API: a section of the policy document owned by someone
// else (the MCP server's `mcp:` section, a GraphQL host's `graphql:` ...).

import type { Diagnostic } from './diagnostics.js';
import { DuplicateExtensionError, InvalidExtensionError } from './errors.js';
import type { SourceRef } from './model.js';

/** What a section parser may use: positions, reporting, and typed readers. */
export interface SectionContext {
  readonly file?: string;
  /** Directory relative paths in the document resolve against. */
  readonly baseDir?: string;
  /** Where the value at `pointer` is in the source. */
  ref(pointer: string): SourceRef;
  error(code: string, pointer: string, message: string, help?: string): void;
  warning(code: string, pointer: string, message: string, help?: string): void;
  info(code: string, pointer: string, message: string, help?: string): void;
  /**
   * The value as a map, or undefined after reporting a type error. `null` reads
   * as an empty map. Unknown keys are reported with a "did you mean".
   */
  readMap(
    value: unknown,
    pointer: string,
    what: string,
    knownKeys: readonly string[],
  ): Record<string, unknown> | undefined;
  /** The value as a list (`null` and absent read as empty), or undefined after an error. */
  readList(value: unknown, pointer: string, what: string): unknown[] | undefined;
  readString(value: unknown, pointer: string, what: string): string | undefined;
  /** A string or a list of strings. */
  readStrings(value: unknown, pointer: string, what: string): string[] | undefined;
  readNumber(value: unknown, pointer: string, what: string): number | undefined;
  readBoolean(value: unknown, pointer: string, what: string): boolean | undefined;
}

export interface CompileContext {
  /** The extension's section as given by `parse` (after merging). */
  readonly file?: string;
}

/** A JSON Schema object (draft 2020-12). */
export type JsonSchema = Record<string, unknown>;

export interface PolicyExtension<Section = unknown, Compiled = unknown> {
  /** The top-level key of the section, e.g. `mcp`. Lower-case letters, digits, `_`, `-`. */
  readonly id: string;
  /** One line for `--help` and error messages. */
  readonly description?: string;
  /** JSON Schema of the section, merged into the policy's schema for editors. */
  readonly schema?: JsonSchema;
  /** Read and validate the section; report every problem through `ctx`. */
  parse(value: unknown, pointer: string, ctx: SectionContext): Section | undefined;
  /** Build the frozen, fast form that decisions use. */
  compile(section: Section, ctx: CompileContext): Compiled;
  /** Combine a base section with one that extends it (allow and deny lists union, limits minimum). */
  merge(base: Section, child: Section): Section;
  /** The section as plain data in document form, for writing the policy back out. */
  serialize(section: Section): unknown;
  /** Keep only what `ceiling` also allows; add the ceiling's denies. */
  intersect?(section: Section, ceiling: Section | undefined): Section;
  /** Report each rule of `section` that `ceiling` does not cover. */
  outside?(
    section: Section,
    ceiling: Section | undefined,
  ): Array<{ pointer: string; message: string }>;
}

/** The sections wasm-policy reads itself; no extension may take these ids. */
export const CORE_SECTIONS = Object.freeze([
  'storage',
  'network',
  'environment',
  'resources',
  'runtime',
] as const);

export const DOCUMENT_KEYS = Object.freeze([
  '$schema',
  'version',
  'description',
  'extends',
  'permissions',
] as const);

const ID = /^[a-z][a-z0-9_-]{0,63}$/;

/** Registered extensions. Registration is once per id; duplicates are refused. */
export class ExtensionRegistry {
  readonly #byId = new Map<string, PolicyExtension>();

  constructor(extensions: Iterable<PolicyExtension<unknown, unknown>> = []) {
    for (const e of extensions) this.register(e);
  }

  register<S, C>(extension: PolicyExtension<S, C>): this {
    const ext = extension as unknown as PolicyExtension;
    if (!ext || typeof ext !== 'object')
      throw new InvalidExtensionError('an extension must be an object');
    if (typeof ext.id !== 'string' || !ID.test(ext.id)) {
      throw new InvalidExtensionError(
        `extension id \`${String(ext.id)}\` must be lower-case letters, digits, \`_\` or \`-\`, starting with a letter`,
      );
    }
    if (
      (CORE_SECTIONS as readonly string[]).includes(ext.id) ||
      (DOCUMENT_KEYS as readonly string[]).includes(ext.id)
    ) {
      throw new InvalidExtensionError(`extension id \`${ext.id}\` is reserved for a core section`);
    }
    for (const fn of ['parse', 'compile', 'merge', 'serialize'] as const) {
      if (typeof ext[fn] !== 'function') {
        throw new InvalidExtensionError(`extension \`${ext.id}\` has no \`${fn}\` function`);
      }
    }
    if (this.#byId.has(ext.id)) throw new DuplicateExtensionError(ext.id);
    this.#byId.set(ext.id, ext);
    return this;
  }

  get(id: string): PolicyExtension | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }

  [Symbol.iterator](): IterableIterator<PolicyExtension> {
    return this.#byId.values();
  }
}

/** Define an extension with its types inferred; the object is frozen. */
export function defineExtension<S, C>(extension: PolicyExtension<S, C>): PolicyExtension<S, C> {
  return Object.freeze(extension);
}

export type { Diagnostic };
