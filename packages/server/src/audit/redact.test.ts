import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactArguments, redactDetails } from './redact.js';

const args = {
  path: '/home/alice/.ssh/id_ed25519',
  count: 3,
  recursive: true,
  nothing: null,
  options: { mode: 'fast', depth: 2, headers: { Authorization: 'Bearer abc', accept: 'json' } },
  items: [{ name: 'a', size: 10 }, 'plain', 4],
  apiKey: 'sk-123',
};

describe('tool arguments in the audit log', () => {
  it('redact: names kept at every depth, values replaced by their type and length', () => {
    assert.deepEqual(redactArguments(args, 'redact'), {
      path: '<string:27>',
      count: '<number>',
      recursive: '<boolean>',
      nothing: '<null>',
      options: {
        mode: '<string:4>',
        depth: '<number>',
        headers: { Authorization: '<redacted>', accept: '<string:4>' },
      },
      items: [{ name: '<string:1>', size: '<number>' }, '<string:5>', '<number>'],
      apiKey: '<redacted>',
    });
    assert.doesNotMatch(JSON.stringify(redactArguments(args, 'redact')), /alice|fast|sk-123|abc/);
  });

  it('keys: only the names, as paths', () => {
    assert.deepEqual(redactArguments(args, 'keys'), [
      'path',
      'count',
      'recursive',
      'nothing',
      'options',
      'options.mode',
      'options.depth',
      'options.headers',
      'options.headers.Authorization',
      'options.headers.accept',
      'items',
      'items[].name',
      'items[].size',
      'apiKey',
    ]);
  });

  it('include: values kept, secrets still redacted, long strings clipped', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const r = redactArguments(
      { ...args, note: jwt, big: 'x'.repeat(5000), pem: '-----BEGIN PRIVATE KEY-----\nMII' },
      'include',
    ) as Record<string, unknown>;
    assert.equal(r.path, args.path);
    assert.deepEqual(r.options, {
      mode: 'fast',
      depth: 2,
      headers: { Authorization: '<redacted>', accept: 'json' },
    });
    assert.equal(r.apiKey, '<redacted>');
    assert.equal(r.note, '<redacted:jwt>');
    assert.equal(r.pem, '<redacted:private key>');
    assert.equal((r.big as string).length < 1100, true);
    assert.match(r.big as string, /…\(\+3976\)$/);
  });

  it('bounds depth, members and items', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 20; i++) deep = { d: deep };
    const text = JSON.stringify(redactArguments(deep, 'include'));
    assert.match(text, /<object:1>/);
    assert.doesNotMatch(text, /leaf/);
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    const w = redactArguments(wide, 'redact') as Record<string, unknown>;
    assert.equal(Object.keys(w).length, 65);
    assert.equal(w['…'], '<+36 more>');
    const long = redactArguments(
      Array.from({ length: 100 }, () => 1),
      'redact',
    ) as unknown[];
    assert.equal(long.length, 33);
    assert.equal(long.at(-1), '<+68 more>');
  });
});

describe('details', () => {
  it('keep what the caller chose, shape arguments by the mode and redact secrets', () => {
    const r = redactDetails(
      {
        arguments: { path: '/etc/shadow' },
        token: 'abc',
        client_secret: 's',
        upstream: { status: 401, header: 'Bearer xyz' },
        sessionId: 'deadbeef',
      },
      'redact',
    );
    assert.deepEqual(r, {
      arguments: { path: '<string:11>' },
      token: '<redacted>',
      client_secret: '<redacted>',
      upstream: { status: 401, header: '<redacted:bearer>' },
      sessionId: '<redacted>',
    });
  });
});
