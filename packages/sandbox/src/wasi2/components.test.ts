// The example components (built with componentize-js and componentize-py),
// transpiled by jco in instantiation mode 'sync' and run on this host.

import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LoadedComponent, loadComponent, unversioned } from '../component/load.js';
import type { EgressRequest, EgressResponse } from '../egress.js';
import { EgressError } from '../egress-error.js';
import { UnsupportedImportsError } from '../errors.js';
import { tempDir } from '../testing.js';
import { Cancelled } from '../wasi/aborts.js';
import { hostFor } from './testing.js';
import type { Wasi2Options } from './wasi2.js';
import { unsupportedInterfaces } from './wasi2.js';

const COMPONENTS = new URL('../../../../examples/components/', import.meta.url);
const NAMES = ['files-js', 'env-js', 'time-js', 'fetch-js', 'py-tools'] as const;
type Name = (typeof NAMES)[number];

let cache: string;
const loaded = new Map<Name, LoadedComponent>();
const interfaces = new Map<Name, readonly string[]>();

type Instantiate = (
  getCoreModule: (path: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
) => Record<string, unknown>;

before(async () => {
  cache = tempDir('mcpkit-wasi2-components-');
  for (const name of NAMES) {
    const bytes = readFileSync(new URL(`${name}/${name}.wasm`, COMPONENTS));
    // The loader's own import check is not the subject here: accept everything.
    const c = await loadComponent(bytes, { name, cacheDir: cache, unsupported: () => [] });
    loaded.set(name, c);
    interfaces.set(name, c.interface.imports);
  }
});

after(() => {
  rmSync(cache, { recursive: true, force: true });
});

/** Instantiate a transpiled component on `imports`. */
async function load(
  name: Name,
  imports: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const c = loaded.get(name)!;
  const glue = (await import(c.glue)) as { instantiate: Instantiate };
  return glue.instantiate((path) => {
    const m = c.cores.get(path);
    if (!m) throw new Error(`no core module ${path}`);
    return m;
  }, imports);
}

/** The `err` a component export returned: the glue throws it as it is (here, a string). */
function errOf(fn: () => unknown): unknown {
  let value: unknown;
  try {
    value = fn();
  } catch (error) {
    if (typeof error === 'string') return error;
    if (typeof error === 'object' && error !== null && 'payload' in error)
      return (error as { payload: unknown }).payload;
    throw error;
  }
  throw new Error(`expected an error, got ${JSON.stringify(value)}`);
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('WASI 0.2 components: the imports', () => {
  it('every interface the examples import is provided', () => {
    for (const name of NAMES) {
      assert.deepEqual(unsupportedInterfaces(interfaces.get(name)!), [], name);
      const h = hostFor('version: "1.0"', { required: interfaces.get(name)! });
      for (const i of interfaces.get(name)!)
        assert.ok(h.wasi.imports[unversioned(i)], `${name}: ${i}`);
    }
  });

  it('an interface this host does not provide is named when the imports are built', () => {
    const required = [...interfaces.get('files-js')!, 'wasi:keyvalue/store@0.2.0-draft'];
    assert.throws(
      () => hostFor('version: "1.0"', { required }),
      (e: unknown) =>
        e instanceof UnsupportedImportsError &&
        e.imports.includes('wasi:keyvalue/store@0.2.0-draft') &&
        /wasi:keyvalue\/store/.test(e.message),
    );
    assert.deepEqual(
      unsupportedInterfaces([
        'wasi:cli/environment@0.3.0',
        'wasi:io/poll@0.2.9',
        'mcpkit:host/log',
      ]),
      ['wasi:cli/environment@0.3.0'],
    );
  });
});

describe('WASI 0.2 components: files-js', () => {
  let t: string;
  let d: string;
  let o: string;
  let files: Record<string, (...a: string[]) => unknown>;
  let host: ReturnType<typeof hostFor>;

  before(async () => {
    t = tempDir('mcpkit-wasi2-files-');
    d = join(t, 'data');
    o = join(t, 'other');
    mkdirSync(d);
    mkdirSync(o);
    writeFileSync(join(t, 'secret.txt'), 'outside');
    writeFileSync(join(o, 'o.txt'), 'other preopen');
    writeFileSync(join(d, '.env'), 'TOKEN=1');
    symlinkSync(join(t, 'secret.txt'), join(d, 'planted'));
    host = hostFor(`version: "1.0"
storage:
  allow:
    - uri: "fs://${d}/**"
      access: [read, write]
    - uri: "fs://${o}/**"
      access: [read, write]
`);
    files = (await load('files-js', host.wasi.imports)).files as typeof files;
  });

  after(() => host.wasi.dispose());

  it('write-file, read-file, stat', () => {
    files.writeFile!(`${d}/a.txt`, 'héllo');
    assert.equal(files.readFile!(`${d}/a.txt`), 'héllo');
    assert.equal(readFileSync(join(d, 'a.txt'), 'utf8'), 'héllo');
    assert.equal(files.stat!(`${d}/a.txt`), 'f 6');
    files.writeFile!(`${d}/a.txt`, 'hi');
    assert.equal(files.readFile!(`${d}/a.txt`), 'hi');
  });

  it('relative paths use the first preopen; the preopen matching a prefix is used', () => {
    assert.equal(files.readFile!('a.txt'), 'hi');
    assert.equal(files.stat!('.'), `d ${statSync(d).size}`);
    assert.equal(files.readFile!(`${o}/o.txt`), 'other preopen');
    assert.deepEqual(files.listDir!(o), ['f o.txt']);
  });

  it('mkdir, symlink, hard-link, list-dir (dotfiles hidden)', () => {
    files.mkdir!(`${d}/dir`);
    files.writeFile!(`${d}/dir/z.txt`, 'z');
    files.writeFile!(`${d}/b.txt`, 'b');
    files.symlink!('a.txt', `${d}/link`);
    assert.ok(lstatSync(join(d, 'link')).isSymbolicLink());
    assert.equal(files.stat!(`${d}/link`), 'l 5');
    assert.equal(files.readFile!(`${d}/link`), 'hi');
    files.hardLink!(`${d}/b.txt`, `${d}/b2.txt`);
    assert.equal(statSync(join(d, 'b.txt')).nlink, 2);
    assert.deepEqual(files.listDir!(d), [
      'f a.txt',
      'f b.txt',
      'f b2.txt',
      'd dir',
      'l link',
      'l planted',
    ]);
  });

  it('rename, also across preopens; remove; error codes', () => {
    files.rename!(`${d}/b2.txt`, `${d}/dir/b3.txt`);
    assert.equal(files.readFile!(`${d}/dir/b3.txt`), 'b');
    assert.equal(
      errOf(() => files.stat!(`${d}/b2.txt`)),
      'no-entry',
    );
    files.rename!(`${d}/dir/b3.txt`, `${o}/b4.txt`);
    assert.equal(readFileSync(join(o, 'b4.txt'), 'utf8'), 'b');
    files.remove!(`${d}/link`);
    files.remove!(`${d}/dir/z.txt`);
    files.remove!(`${d}/dir`);
    assert.equal(existsSync(join(d, 'dir')), false);
    assert.equal(
      errOf(() => files.readFile!(`${d}/missing`)),
      'no-entry',
    );
    assert.equal(
      errOf(() => files.mkdir!(`${d}/a.txt`)),
      'exist',
    );
    assert.equal(
      errOf(() => files.listDir!(`${d}/a.txt`)),
      'not-directory',
    );
    files.mkdir!(`${d}/full`);
    files.writeFile!(`${d}/full/x`, 'x');
    assert.equal(
      errOf(() => files.remove!(`${d}/full`)),
      'not-empty',
    );
  });

  it('the escape cases fail through the component, and nothing outside changes', () => {
    const before = host.violations.length;
    const refused = (fn: () => unknown) => {
      const code = errOf(fn);
      assert.ok(code === 'access' || code === 'not-permitted', String(code));
    };
    for (const path of [
      `${d}/../secret.txt`,
      '../secret.txt',
      `${t}/secret.txt`,
      '/etc/passwd',
      `${d}/planted`,
      `${d}/.env`,
    ]) {
      refused(() => files.readFile!(path));
    }
    refused(() => files.stat!(`${t}/no-such-file`));
    refused(() => files.listDir!(t));
    refused(() => files.listDir!('/'));
    refused(() => files.writeFile!(`${t}/new.txt`, 'x'));
    refused(() => files.writeFile!(`${d}/planted`, 'overwritten'));
    refused(() => files.mkdir!(`${t}/newdir`));
    refused(() => files.symlink!('../secret.txt', `${d}/escape`));
    refused(() => files.symlink!(`${t}/secret.txt`, `${d}/escape2`));
    refused(() => files.hardLink!(`${t}/secret.txt`, `${d}/hl`));
    refused(() => files.hardLink!(`${d}/planted`, `${d}/hl2`));
    refused(() => files.rename!(`${d}/a.txt`, `${t}/moved.txt`));
    refused(() => files.rename!(`${t}/secret.txt`, `${d}/stolen.txt`));
    refused(() => files.remove!(`${t}/secret.txt`));
    refused(() => files.remove!(`${d}/.env`));
    assert.equal(readFileSync(join(t, 'secret.txt'), 'utf8'), 'outside');
    assert.equal(readFileSync(join(d, '.env'), 'utf8'), 'TOKEN=1');
    for (const p of [
      'new.txt',
      'newdir',
      'moved.txt',
      'data/escape',
      'data/escape2',
      'data/hl',
      'data/hl2',
      'data/stolen.txt',
    ]) {
      assert.equal(lstatSync(join(t, p), { throwIfNoEntry: false }), undefined, p);
    }
    const seen = host.violations.slice(before);
    assert.ok(seen.length >= 15, `${seen.length} violations`);
    assert.ok(seen.every((v) => v.capability === 'storage' && v.component === 'test'));
    assert.ok(seen.some((v) => v.target === join(t, 'secret.txt') && v.access === 'read'));
    assert.ok(seen.some((v) => v.target === join(t, 'moved.txt') && v.access === 'write'));
  });
});

describe('WASI 0.2 components: env-js', () => {
  it('sees only the keys the policy allows', async () => {
    const h = hostFor(
      `version: "1.0"
environment:
  allow:
    - key: API_KEY
    - key: EMPTY
`,
      { env: { API_KEY: 'secret', EMPTY: '', ZED: 'hidden', HOME: '/root', 'API_KEY=X': 'y' } },
    );
    const m = await load('env-js', h.wasi.imports);
    const listEnv = m.listEnv as () => Array<[string, string]>;
    const getEnv = m.getEnv as (k: string) => string | undefined;
    assert.deepEqual(listEnv(), [
      ['API_KEY', 'secret'],
      ['EMPTY', ''],
    ]);
    assert.equal(getEnv('API_KEY'), 'secret');
    assert.equal(getEnv('ZED'), undefined);
    assert.equal(getEnv('HOME'), undefined);
  });

  it('sees nothing without a grant', async () => {
    const h = hostFor('version: "1.0"', { env: { API_KEY: 'secret', PATH: '/bin' } });
    const m = await load('env-js', h.wasi.imports);
    assert.deepEqual((m.listEnv as () => unknown)(), []);
  });
});

describe('WASI 0.2 components: time-js', () => {
  it('returns the current time', async () => {
    const h = hostFor('version: "1.0"');
    const m = await load('time-js', h.wasi.imports);
    const now = (m.getCurrentTime as () => string)();
    assert.match(now, ISO_UTC);
    assert.ok(Math.abs(Date.parse(now) - Date.now()) < 60_000, now);
  });

  it('a cancelled call ends at its next host call', async () => {
    let cancelled = false;
    const h = hostFor('version: "1.0"', { cancelled: () => cancelled });
    const m = await load('time-js', h.wasi.imports);
    cancelled = true;
    assert.throws(() => (m.getCurrentTime as () => string)(), Cancelled);
  });
});

describe('WASI 0.2 components: fetch-js', () => {
  const response = (req: EgressRequest, status: number, body: string): EgressResponse => ({
    status,
    statusText: status === 200 ? 'OK' : 'Not Found',
    headers: [['content-type', 'text/plain']],
    body: new TextEncoder().encode(body),
    url: req.url,
    redirects: 0,
    address: '93.184.215.14',
  });

  /** fetch-js on a host whose `http` is `http`, with what `future-incoming-response.get` returned. */
  async function fetcher(http: Wasi2Options['http'] | undefined) {
    const h = hostFor('version: "1.0"', http ? { http } : {});
    const outcomes: unknown[] = [];
    const F = h.wasi.imports['wasi:http/types']!.FutureIncomingResponse as {
      prototype: { get(): unknown };
    };
    const get = F.prototype.get;
    F.prototype.get = function (this: unknown) {
      const r = get.call(this);
      if (r !== undefined) outcomes.push(r);
      return r;
    };
    const m = await load('fetch-js', h.wasi.imports);
    return { h, outcomes, fetch: m.fetch as (url: string) => string };
  }

  it('reaches the http function once per request, and returns the body', async () => {
    const requests: EgressRequest[] = [];
    const { fetch } = await fetcher((req) => {
      requests.push(req);
      return response(req, 200, `hello from ${new URL(req.url).pathname}`);
    });
    assert.equal(fetch('https://example.com/hello?x=1'), 'hello from /hello');
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.url, 'https://example.com/hello?x=1');
    assert.equal(requests[0]!.method, 'GET');
    assert.equal(requests[0]!.body, undefined);
  });

  it('a 404 reaches the guest as a status', async () => {
    const { fetch } = await fetcher((req) => response(req, 404, 'nope'));
    assert.equal(
      errOf(() => fetch('http://example.com/missing')),
      'HTTP 404 Not Found',
    );
  });

  it('a request the egress service denies is HTTP-request-denied for the guest, not a host exception', async () => {
    const { fetch, outcomes } = await fetcher((req) => {
      throw new EgressError('denied', `network access to \`${req.url}\` is not granted`, req.url);
    });
    assert.match(String(errOf(() => fetch('https://evil.example/'))), /^network error: /);
    assert.deepEqual(outcomes, [
      { tag: 'ok', val: { tag: 'err', val: { tag: 'HTTP-request-denied' } } },
    ]);
  });

  it('a host failure that is not an egress error is an internal error for the guest', async () => {
    const { fetch, outcomes } = await fetcher(() => {
      throw new Error('socket hang up at 10.0.0.1');
    });
    assert.match(String(errOf(() => fetch('https://example.com/'))), /^network error: /);
    const o = outcomes[0] as { val: { val: { tag: string; val: string } } };
    assert.equal(o.val.val.tag, 'internal-error');
    assert.doesNotMatch(o.val.val.val, /10\.0\.0\.1/);
  });

  it('without an http function every request is denied and reported', async () => {
    const { fetch, h } = await fetcher(undefined);
    assert.match(String(errOf(() => fetch('https://example.com/x'))), /^network error: /);
    assert.ok(
      h.violations.some(
        (v) =>
          v.capability === 'network' && v.target === 'https://example.com/x' && v.access === 'GET',
      ),
      JSON.stringify(h.violations),
    );
  });
});

describe('WASI 0.2 components: py-tools (componentize-py, WASI 0.2.9)', () => {
  it('time, environment and files through wasi-libc', async () => {
    const t = tempDir('mcpkit-wasi2-py-');
    mkdirSync(join(t, 'data'));
    writeFileSync(join(t, 'data', 'note.txt'), 'from the host ✓');
    writeFileSync(join(t, 'secret.txt'), 'secret');
    const h = hostFor(
      `version: "1.0"
storage:
  allow:
    - uri: "fs://${t}/data/**"
      access: [read]
environment:
  allow:
    - key: GREETING
`,
      { env: { GREETING: 'hello', SECRET: 'no' } },
    );
    const m = await load('py-tools', h.wasi.imports);
    const call = (f: string, ...a: unknown[]) => (m[f] as (...a: unknown[]) => unknown)(...a);
    assert.match(call('getCurrentTime') as string, ISO_UTC);
    assert.equal(call('getEnv', 'GREETING'), 'hello');
    assert.equal(call('getEnv', 'SECRET'), undefined);
    assert.equal(call('readFile', `${t}/data/note.txt`), 'from the host ✓');
    assert.match(String(errOf(() => call('readFile', `${t}/secret.txt`))), /Permission denied/);
    assert.match(
      String(errOf(() => call('readFile', `${t}/data/../secret.txt`))),
      /Operation not permitted/,
    );
    assert.equal(call('add', 2n, 40n), 42n);
  });
});
