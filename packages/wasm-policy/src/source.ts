// Text (YAML or JSON) to a plain value plus a map from JSON Pointer to source
// position. Never throws on user input; bounded in size, depth and alias expansion.

import {
  type Alias,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Document as YamlDocument,
} from 'yaml';
import { type Diagnostic, joinPointer, quote } from './diagnostics.js';

export interface SourceLimits {
  /** Largest accepted document, in bytes (UTF-8). */
  maxBytes: number;
  /** Deepest accepted nesting of maps and lists. */
  maxDepth: number;
  /** Most values after alias expansion (guards against "billion laughs"). */
  maxNodes: number;
}

export const DEFAULT_SOURCE_LIMITS: Readonly<SourceLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxNodes: 100_000,
});

export interface Position {
  line: number;
  column: number;
}

/** A parsed document: its value and where each part of it came from. */
export interface SourceTree {
  readonly value: unknown;
  readonly file?: string;
  /** Position of the value at `pointer` (for a map entry: of its value). */
  at(pointer: string): Position;
  /** Position of the key of the map entry at `pointer`, or of the value when none. */
  keyAt(pointer: string): Position;
}

export interface ParseSourceOptions {
  file?: string;
  limits?: Partial<SourceLimits>;
}

const NO_POSITION: Position = Object.freeze({ line: 0, column: 0 });

class PositionedTree implements SourceTree {
  readonly values = new Map<string, Position>();
  readonly keys = new Map<string, Position>();
  constructor(
    public value: unknown,
    readonly file: string | undefined,
  ) {}
  at(pointer: string): Position {
    return nearest(this.values, pointer);
  }
  keyAt(pointer: string): Position {
    return this.keys.get(pointer) ?? nearest(this.values, pointer);
  }
}

/** Falls back to the closest ancestor that has a position. */
function nearest(map: Map<string, Position>, pointer: string): Position {
  let p = pointer;
  for (;;) {
    const found = map.get(p);
    if (found) return found;
    if (p === '') return NO_POSITION;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

/** A tree built in code (no text): every position is 0:0. */
export function treeFromValue(value: unknown, file?: string): SourceTree {
  return new PositionedTree(value, file);
}

/**
 * Cheap scan for flow-collection nesting before the YAML parser sees the text,
 * so `[[[[...` a megabyte deep is refused in linear time.
 */
function flowDepthExceeds(text: string, maxDepth: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return -1;
}

function offsetPosition(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function parseSource(
  text: string,
  options: ParseSourceOptions = {},
): { tree: SourceTree | undefined; diagnostics: Diagnostic[] } {
  const limits = { ...DEFAULT_SOURCE_LIMITS, ...options.limits };
  const file = options.file;
  const diagnostics: Diagnostic[] = [];
  const fail = (code: string, message: string, help: string | undefined, pos: Position) => {
    diagnostics.push({
      code,
      severity: 'error',
      message,
      ...(help ? { help } : {}),
      pointer: '',
      line: pos.line,
      column: pos.column,
      ...(file ? { file } : {}),
    });
    return { tree: undefined, diagnostics };
  };

  if (typeof text !== 'string') {
    return fail('not-text', 'the policy is not text', undefined, NO_POSITION);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    return fail(
      'document-too-large',
      `the policy is ${bytes} bytes, more than the limit of ${limits.maxBytes}`,
      'split it with `extends`, or raise the limit',
      { line: 1, column: 1 },
    );
  }
  const deepAt = flowDepthExceeds(text, limits.maxDepth);
  if (deepAt >= 0) {
    return fail(
      'too-deep',
      `the policy nests more than ${limits.maxDepth} levels`,
      undefined,
      offsetPosition(text, deepAt),
    );
  }

  const lineCounter = new LineCounter();
  let doc: YamlDocument.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    return fail('syntax', `the policy could not be parsed: ${String(error)}`, undefined, {
      line: 1,
      column: 1,
    });
  }
  const pos = (offset: number | undefined): Position => {
    if (offset === undefined) return NO_POSITION;
    const lp = lineCounter.linePos(offset);
    return { line: lp.line, column: lp.col };
  };
  for (const e of doc.errors) {
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const code = e.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'syntax';
    diagnostics.push({
      code,
      severity: 'error',
      message: `${code === 'duplicate-key' ? 'duplicate key' : 'syntax error'}: ${lowerFirst(message)}`,
      pointer: '',
      ...pos(e.pos[0]),
      ...(file ? { file } : {}),
    });
  }
  if (diagnostics.length > 0) return { tree: undefined, diagnostics };

  const tree = new PositionedTree(undefined, file);
  let nodes = 0;
  const active = new Set<Node>();
  let stopped = false;
  const stop = (code: string, message: string, help: string | undefined, at: Position) => {
    if (!stopped) fail(code, message, help, at);
    stopped = true;
    return undefined;
  };

  const walk = (node: unknown, pointer: string, depth: number, site: Position): unknown => {
    if (stopped) return undefined;
    if (++nodes > limits.maxNodes) {
      return stop(
        'too-many-values',
        `the policy expands to more than ${limits.maxNodes} values`,
        'a YAML alias that repeats other aliases grows exponentially; write the values out',
        site,
      );
    }
    if (depth > limits.maxDepth) {
      return stop(
        'too-deep',
        `the policy nests more than ${limits.maxDepth} levels`,
        undefined,
        site,
      );
    }
    if (node === null || node === undefined) {
      tree.values.set(pointer, site);
      return null;
    }
    if (isAlias(node)) {
      const target = (node as Alias).resolve(doc);
      if (!target) {
        return stop('syntax', `unknown alias ${quote((node as Alias).source)}`, undefined, site);
      }
      if (active.has(target)) {
        return stop(
          'recursive-alias',
          `alias ${quote((node as Alias).source)} contains itself`,
          undefined,
          site,
        );
      }
      return walk(target, pointer, depth, pos((node as Alias).range?.[0]));
    }
    const here =
      isScalar(node) || isMap(node) || isSeq(node) ? pos((node as Node).range?.[0]) : site;
    tree.values.set(pointer, here.line === 0 ? site : here);
    if (isScalar(node)) return node.value ?? null;
    active.add(node as Node);
    try {
      if (isSeq(node)) {
        const out: unknown[] = [];
        node.items.forEach((item, i) => {
          out.push(walk(item, joinPointer(pointer, i), depth + 1, here));
        });
        return out;
      }
      if (isMap(node)) {
        const out: Record<string, unknown> = Object.create(null);
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const keyNode = pair.key;
          const key = isScalar(keyNode) ? keyNode.value : undefined;
          const keyPos = isScalar(keyNode) ? pos(keyNode.range?.[0]) : here;
          if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
            return stop(
              'bad-key',
              'a map key must be a plain text',
              'write keys as `name: value`',
              keyPos,
            );
          }
          const k = String(key);
          const child = joinPointer(pointer, k);
          tree.keys.set(child, keyPos);
          out[k] = walk(pair.value, child, depth + 1, keyPos);
        }
        return out;
      }
    } finally {
      active.delete(node as Node);
    }
    return stop('syntax', 'unsupported YAML value', undefined, here);
  };

  tree.value = walk(doc.contents, '', 0, { line: 1, column: 1 });
  if (stopped) return { tree: undefined, diagnostics };
  return { tree, diagnostics };
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}
