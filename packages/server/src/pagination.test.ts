import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { page } from './pagination.js';
import { ProtocolError } from './protocol-error.js';

describe('list paging', () => {
  const items = Array.from({ length: 7 }, (_, i) => i);

  it('walks a list page by page until there is no next cursor', () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = page(items, cursor, 3);
      seen.push(...p.items);
      cursor = p.nextCursor;
      pages++;
    } while (cursor !== undefined);
    assert.deepEqual(seen, items);
    assert.equal(pages, 3);
  });

  it('gives everything without a cursor when it fits', () => {
    assert.deepEqual(page(items, undefined, 100), { items });
  });

  it('refuses cursors it did not give', () => {
    for (const bad of [
      '',
      'abc',
      Buffer.from('o-1').toString('base64url'),
      Buffer.from('o1.5').toString('base64url'),
      Buffer.from('x3').toString('base64url'),
    ])
      assert.throws(
        () => page(items, bad, 3),
        (e: unknown) => e instanceof ProtocolError && /is not one this server gave/.test(e.message),
        bad,
      );
  });

  it('ends cleanly when the list shrank under a cursor', () => {
    const first = page(items, undefined, 5);
    assert.deepEqual(page(items.slice(0, 2), first.nextCursor, 5), { items: [] });
  });
});
