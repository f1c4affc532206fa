// Typed reading of a source tree with diagnostics: the SectionContext every
// section parser (core or extension) works through.

import { type Diagnostic, didYouMean, joinPointer, quote, type Severity } from './diagnostics.js';
import type { SectionContext } from './extension.js';
import type { SourceRef } from './model.js';
import type { SourceTree } from './source.js';

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the text ${quote(value)}`;
  return `${typeof value} ${quote(value)}`;
}

export class SectionReader implements SectionContext {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly tree: SourceTree,
    readonly file: string | undefined,
    readonly baseDir: string | undefined,
  ) {}

  ref(pointer: string): SourceRef {
    const p = this.tree.at(pointer);
    return { pointer, line: p.line, column: p.column, ...(this.file ? { file: this.file } : {}) };
  }

  report(
    severity: Severity,
    code: string,
    pointer: string,
    message: string,
    help?: string,
    atKey = false,
  ): void {
    const p = atKey ? this.tree.keyAt(pointer) : this.tree.at(pointer);
    this.diagnostics.push({
      code,
      severity,
      message,
      ...(help ? { help } : {}),
      pointer,
      line: p.line,
      column: p.column,
      ...(this.file ? { file: this.file } : {}),
    });
  }

  error(code: string, pointer: string, message: string, help?: string): void {
    this.report('error', code, pointer, message, help);
  }
  warning(code: string, pointer: string, message: string, help?: string): void {
    this.report('warning', code, pointer, message, help);
  }
  info(code: string, pointer: string, message: string, help?: string): void {
    this.report('info', code, pointer, message, help);
  }

  typeError(pointer: string, what: string, expected: string, value: unknown): void {
    this.error('type', pointer, `${what} must be ${expected}, not ${typeName(value)}`);
  }

  readMap(
    value: unknown,
    pointer: string,
    what: string,
    knownKeys: readonly string[],
  ): Record<string, unknown> | undefined {
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.typeError(pointer, what, 'a map', value);
      return undefined;
    }
    const map = value as Record<string, unknown>;
    for (const key of Object.keys(map)) {
      if (!knownKeys.includes(key)) {
        const help =
          didYouMean(key, knownKeys) ??
          `${what} accepts ${knownKeys.map((k) => quote(k)).join(', ')}`;
        this.report(
          'error',
          'unknown-key',
          joinPointer(pointer, key),
          `unknown key ${quote(key)} in ${what}`,
          help,
          true,
        );
      }
    }
    return map;
  }

  readList(value: unknown, pointer: string, what: string): unknown[] | undefined {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) {
      this.typeError(pointer, what, 'a list', value);
      return undefined;
    }
    return value;
  }

  readString(value: unknown, pointer: string, what: string): string | undefined {
    if (typeof value === 'string') return value;
    this.typeError(pointer, what, 'text', value);
    return undefined;
  }

  readStrings(value: unknown, pointer: string, what: string): string[] | undefined {
    if (typeof value === 'string') return [value];
    if (!Array.isArray(value)) {
      this.typeError(pointer, what, 'a list of text', value);
      return undefined;
    }
    const out: string[] = [];
    let ok = true;
    value.forEach((v, i) => {
      if (typeof v === 'string') out.push(v);
      else {
        this.typeError(`${pointer}/${i}`, `each entry of ${what}`, 'text', v);
        ok = false;
      }
    });
    return ok ? out : undefined;
  }

  readNumber(value: unknown, pointer: string, what: string): number | undefined {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    this.typeError(pointer, what, 'a number', value);
    return undefined;
  }

  readBoolean(value: unknown, pointer: string, what: string): boolean | undefined {
    if (typeof value === 'boolean') return value;
    this.typeError(pointer, what, '`true` or `false`', value);
    return undefined;
  }

  /** Report a missing required key at the map that lacks it. */
  missing(pointer: string, key: string, what: string, help?: string): void {
    this.error('missing-key', pointer, `${what} needs ${quote(key)}`, help);
  }
}
