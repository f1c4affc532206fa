// Host and Origin allow-lists: every rule has a case it must refuse.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpTransportError } from './http-errors.js';
import { compileGuard } from './http-guard.js';

const PORT = 4321;

function allowedHosts(entries: readonly string[] | undefined, hosts: readonly string[]): boolean[] {
  const guard = compileGuard(entries, undefined, PORT);
  return hosts.map((host) => guard.checkHost(host).allowed);
}

describe('host allow-list', () => {
  it('defaults to the loopback names, bare or on the bound port', () => {
    const accepted = ['localhost', 'localhost:4321', '127.0.0.1', '127.0.0.1:4321', '[::1]:4321'];
    assert.deepEqual(
      allowedHosts(undefined, accepted),
      accepted.map(() => true),
    );
    const refused = [
      'localhost:4322',
      '127.0.0.1:80',
      '[::1]:1',
      '0.0.0.0:4321',
      '127.1:4321',
      'localhost.evil.example',
      'evil.example',
      'evil.example:4321',
    ];
    assert.deepEqual(
      allowedHosts(undefined, refused),
      refused.map(() => false),
    );
  });

  it('normalises case, a trailing dot and IPv6 spelling before matching', () => {
    assert.deepEqual(
      allowedHosts(undefined, ['LocalHost:4321', 'localhost.:4321', '[0:0:0:0:0:0:0:1]:4321']),
      [true, true, true],
    );
  });

  it('refuses malformed and missing Host values', () => {
    const guard = compileGuard(undefined, undefined, PORT);
    for (const host of [
      undefined,
      '',
      'localhost:',
      'localhost:99999',
      'localhost:43x',
      'localhost:4321:1',
      '::1',
      '[::1',
      '[::1]x',
      'local host',
      'localhost/evil',
      'user@localhost',
      '[fe80::1%25eth0]',
    ]) {
      assert.equal(guard.checkHost(host).allowed, false, String(host));
    }
  });

  it('lets an entry without a port match any port, and one with a port only that port', () => {
    assert.deepEqual(
      allowedHosts(
        ['mcp.example.com', 'api.example.com:8443'],
        [
          'mcp.example.com',
          'mcp.example.com:1',
          'api.example.com:8443',
          'api.example.com',
          'api.example.com:443',
        ],
      ),
      [true, true, true, false, false],
    );
  });

  it('matches `*.` wildcards against subdomains at any depth, never the apex', () => {
    assert.deepEqual(
      allowedHosts(
        ['*.example.com'],
        [
          'a.example.com',
          'a.b.example.com:9',
          'example.com',
          'badexample.com',
          'example.com.evil.net',
          '.example.com',
        ],
      ),
      [true, true, false, false, false, false],
    );
  });

  it('replaces the defaults when a list is given', () => {
    assert.deepEqual(allowedHosts(['mcp.example.com'], ['localhost:4321', '127.0.0.1']), [
      false,
      false,
    ]);
  });

  it('compares Unicode entries in their ASCII form', () => {
    assert.deepEqual(allowedHosts(['bücher.example'], ['xn--bcher-kva.example']), [true]);
  });

  it('names the rejected host and the flag that would allow it', () => {
    const decision = compileGuard(undefined, undefined, PORT).checkHost('Evil.Example:4321');
    assert.equal(decision.allowed, false);
    assert.ok(!decision.allowed);
    assert.match(decision.reason, /`Evil\.Example:4321`/);
    assert.equal(decision.suggestion, 'evil.example');
  });

  it('refuses entries that are not host names', () => {
    for (const entry of ['*', '*.', 'a.*.com', 'exa mple.com', 'host:port', '[::1', 'a/b']) {
      assert.throws(
        () => compileGuard([entry], undefined, PORT),
        (err: unknown) => err instanceof HttpTransportError && err.code === 'invalid-option',
        entry,
      );
    }
    assert.throws(() => compileGuard([], undefined, PORT), HttpTransportError);
  });
});

describe('origin allow-list', () => {
  it('accepts a request without Origin', () => {
    assert.equal(compileGuard(undefined, undefined, PORT).checkOrigin(undefined).allowed, true);
  });

  it('defaults to the loopback origins on the bound port', () => {
    const guard = compileGuard(undefined, undefined, PORT);
    for (const origin of ['http://localhost:4321', 'http://127.0.0.1:4321', 'http://[::1]:4321']) {
      assert.equal(guard.checkOrigin(origin).allowed, true, origin);
    }
    for (const origin of [
      'http://localhost',
      'http://localhost:4322',
      'https://localhost:4321',
      'http://evil.example',
      'null',
      '',
      'http://localhost:4321.evil.example',
    ]) {
      assert.equal(guard.checkOrigin(origin).allowed, false, origin);
    }
  });

  it('normalises configured origins as browsers serialise them', () => {
    const guard = compileGuard(undefined, ['HTTPS://App.Example.com:443', 'http://a.test/'], PORT);
    assert.equal(guard.checkOrigin('https://app.example.com').allowed, true);
    assert.equal(guard.checkOrigin('http://a.test').allowed, true);
    assert.equal(guard.checkOrigin('http://app.example.com').allowed, false);
    assert.equal(guard.checkOrigin(`http://localhost:${PORT}`).allowed, false);
  });

  it('refuses origin entries with a path, credentials or another scheme', () => {
    for (const entry of [
      'localhost:3000',
      'http://a.test/path',
      'http://a.test?x',
      'http://u@a.test',
      'ftp://a.test',
      '*',
    ]) {
      assert.throws(() => compileGuard(undefined, [entry], PORT), HttpTransportError, entry);
    }
  });
});
