import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setCustomSection } from '@mcpkit/sandbox';
import { mergeDocs, PACKAGE_DOCS_SECTION, packageDocs } from './package-docs.js';
import { EXAMPLES } from './testing.js';

const TIME = readFileSync(
  join(EXAMPLES, 'components', 'wassette', 'time-server-js', 'time-server-js.wasm'),
);
const EXPORT = 'microsoft:time-server-js/time';

/** The component with a `package-docs` section: version byte, then `meta` as JSON. */
function withDocs(meta: unknown, version = 1): Uint8Array {
  const json = new TextEncoder().encode(typeof meta === 'string' ? meta : JSON.stringify(meta));
  return setCustomSection(TIME, PACKAGE_DOCS_SECTION, Uint8Array.from([version, ...json]));
}

describe('package-docs', () => {
  it('reads world functions, interfaces, their functions and types (version 1)', () => {
    const docs = packageDocs(
      withDocs({
        package: 'microsoft:time-server-js',
        worlds: { w: { docs: 'the world', func_exports: { fetch: { docs: 'Fetch it.' } } } },
        interfaces: {
          time: {
            docs: 'Clock.',
            funcs: { 'get-current-time': { docs: 'Now,\nin UTC.', stability: {} } },
            types: { zone: { docs: 'A zone.', items: { utc: 'Universal.' } } },
          },
        },
      }),
      ['', EXPORT],
    );
    assert.deepEqual(Object.fromEntries(docs), {
      '#fetch': 'Fetch it.',
      [EXPORT]: 'Clock.',
      [`${EXPORT}#get-current-time`]: 'Now,\nin UTC.',
      [`${EXPORT}#zone`]: 'A zone.',
      [`${EXPORT}#zone.utc`]: 'Universal.',
    });
  });

  it('reads version 0, where a function is its doc string and world functions are `funcs`', () => {
    const docs = packageDocs(
      withDocs(
        {
          worlds: { w: { funcs: { eval: 'Evaluate.' } } },
          interfaces: { time: { funcs: { 'get-current-time': 'Now.' } } },
        },
        0,
      ),
      [EXPORT],
    );
    assert.equal(docs.get('#eval'), 'Evaluate.');
    assert.equal(docs.get(`${EXPORT}#get-current-time`), 'Now.');
  });

  it('gives an interface of another package nothing', () => {
    const docs = packageDocs(
      withDocs({
        package: 'other:pkg',
        interfaces: { time: { funcs: { 'get-current-time': { docs: 'No.' } } } },
      }),
      [EXPORT],
    );
    assert.equal(docs.size, 0);
  });

  it('ignores what it cannot read, and a component without the section', () => {
    assert.equal(packageDocs(TIME, [EXPORT]).size, 0);
    assert.equal(packageDocs(withDocs('{"worlds": ', 1), [EXPORT]).size, 0);
    assert.equal(packageDocs(withDocs({ worlds: { w: { funcs: { f: 'x' } } } }, 2), []).size, 0);
    assert.equal(packageDocs(withDocs('[1, 2]'), []).size, 0);
    assert.equal(packageDocs(withDocs({ worlds: 'no', interfaces: [1] }), [EXPORT]).size, 0);
    assert.equal(packageDocs(Uint8Array.from([0, 97, 115, 109, 13, 0, 1, 0, 0, 9]), []).size, 0);
  });

  it('mergeDocs keeps the first source and fills in from the second', () => {
    const merged = mergeDocs(
      new Map([['#a', 'from wit/']]),
      new Map([
        ['#a', 'from the binary'],
        ['#b', 'only in the binary'],
      ]),
    );
    assert.deepEqual(Object.fromEntries(merged), { '#a': 'from wit/', '#b': 'only in the binary' });
  });
});
