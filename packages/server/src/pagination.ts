// Cursor paging for the list methods (tools, prompts, resources, templates).
// A cursor is the offset of the next page, opaque to clients; the list may
// change between pages (components load and unload), and a client that was
// told so by a list_changed notification starts again.

import { quote } from '@mcpkit/wasm-policy';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { ProtocolError } from './protocol-error.js';

/** Entries per page unless the server is told otherwise. */
export const DEFAULT_PAGE_SIZE = 100;

const PREFIX = 'o';

function encode(offset: number): string {
  return Buffer.from(`${PREFIX}${offset}`).toString('base64url');
}

function decode(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(PREFIX) || encode(Number(text.slice(1))) !== cursor) return undefined;
  const offset = Number(text.slice(1));
  return Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** The page of `items` that `cursor` starts (the first page without one). */
export function page<T>(items: readonly T[], cursor: string | undefined, size: number): Page<T> {
  let offset = 0;
  if (cursor !== undefined) {
    const o = decode(cursor);
    if (o === undefined)
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `the cursor ${quote(cursor)} is not one this server gave; list again without a cursor`,
      );
    offset = Math.min(o, items.length);
  }
  const end = offset + size;
  return end < items.length
    ? { items: items.slice(offset, end), nextCursor: encode(end) }
    : { items: items.slice(offset) };
}
