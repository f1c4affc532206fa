import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Operation } from './model.js';
import { compiled, policy } from './testing.js';

describe('resources', () => {
  const resources = compiled(
    policy(
      'resources:',
      '  allow:',
      '    - { uri: "file:///workspace/**", operations: [read, list] }',
      '    - { uri: "sqlite://app.db", operations: [read] }',
      '    - { uri: "feed://*" }',
      '  deny:',
      '    - { uri: "file:///workspace/secret/*" }',
      '    - { uri: "feed://private", operations: [subscribe] }',
    ),
  ).resources!;

  it('decides per operation, pointing at the rule by its place in the document', () => {
    const d = resources.decide('file:///workspace/a/b.txt', 'read');
    assert.equal(d.allowed, true);
    assert.equal(d.rule?.index, 0);
    assert.equal(
      d.reason,
      'read allowed by the `mcp.resources.allow` rule `file:///workspace/**` (line 5 of p.yaml)',
    );
    assert.equal(resources.decide('file:///workspace/a', 'list').allowed, true);
    const sub = resources.decide('file:///workspace/a', 'subscribe');
    assert.equal(sub.code, 'not-granted');
    assert.match(sub.reason, /grants `subscribe`/);
    const db = resources.decide('sqlite://app.db', 'read');
    assert.equal(db.allowed, true);
    assert.equal(db.rule?.index, 1);
    assert.equal(resources.decide('sqlite://app.db', 'list').allowed, false);
    assert.equal(resources.decide('feed://news', 'subscribe').rule?.index, 2);
  });

  it('lets deny rules win for the operations they name', () => {
    const d = resources.decide('file:///workspace/secret/key', 'read');
    assert.equal(d.code, 'denied');
    assert.equal(d.rule?.index, 0);
    assert.equal(d.rule?.line, 9);
    assert.equal(resources.decide('feed://private', 'subscribe').code, 'denied');
    const read = resources.decide('feed://private', 'read');
    assert.equal(read.allowed, true);
    assert.equal(read.rule?.index, 2);
  });

  it('refuses dot segments and unknown operations', () => {
    for (const uri of [
      'file:///workspace/../etc/passwd',
      'file:///workspace/./a',
      'file:///workspace/%2e%2E/etc/passwd',
      'file:///workspace/a/..',
    ]) {
      const d = resources.decide(uri, 'read');
      assert.equal(d.allowed, false, uri);
      assert.equal(d.code, 'invalid', uri);
    }
    assert.equal(resources.decide('file:///workspace/a..b', 'read').allowed, true);
    assert.equal(resources.decide('file:///workspace/a', 'write' as Operation).code, 'invalid');
  });
});
