// What the module rewriters (meter.ts, grow-guard.ts) add to a module, by
// name: the few instructions they put into function bodies, each its
// encoding as bytes, and the global and export entries they append.

import { concat, encodeName, sleb, uleb } from './wasm-binary.js';

/** A global's index as encoded (an unsigned LEB128). */
export type GlobalIndex = readonly number[];

export const globalGet = (g: GlobalIndex): number[] => [0x23, ...g];
export const globalSet = (g: GlobalIndex): number[] => [0x24, ...g];
export const i32Const = (n: number): number[] => [0x41, ...sleb(n)];
export const i64Const = (n: number): number[] => [0x42, ...sleb(n)];

/** `memory.size` and `memory.grow` of memory 0. */
export const MEMORY_SIZE = [0x3f, 0x00] as const;
export const MEMORY_GROW = [0x40, 0x00] as const;

/** `if` with an i32 result, `else`, `end`. */
export const IF_I32 = [0x04, 0x7f] as const;
export const ELSE = 0x05;
export const END = 0x0b;

export const I32_EQ = 0x46;
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I64_GT_U = 0x56;
export const I64_LE_U = 0x58;
export const I64_ADD = 0x7c;
export const I64_EXTEND_I32_U = 0xad;

/** A global section entry: a mutable i32 starting at `value`. */
export const mutableI32 = (value: number): Uint8Array =>
  Uint8Array.from([0x7f, 0x01, ...i32Const(value), END]);

/** An export section entry: global `index` exported as `name`. */
export const globalExport = (name: string, index: number): Uint8Array =>
  concat([encodeName(name), Uint8Array.from([0x03, ...uleb(index)])]);
