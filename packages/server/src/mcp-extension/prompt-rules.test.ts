import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compiled, policy } from './testing.js';

describe('prompts', () => {
  const prompts = compiled(
    policy(
      'prompts:',
      '  allow:',
      '    - { name: greeting, max_length: 10 }',
      '    - { name: "help*" }',
      '  deny:',
      '    - { name: help_admin }',
    ),
  ).prompts!;

  it('decides by name, deny first', () => {
    assert.equal(prompts.decide('greeting').allowed, true);
    assert.equal(prompts.decide('help_me', { topic: 'x'.repeat(10_000) }).allowed, true);
    const d = prompts.decide('help_admin');
    assert.equal(d.code, 'denied');
    assert.equal(d.rule?.line, 8);
    assert.equal(prompts.decide('farewell').code, 'not-granted');
  });

  it('limits the characters of all argument values together', () => {
    assert.equal(prompts.decide('greeting', { a: '12345', b: '12345' }).allowed, true);
    assert.equal(prompts.decide('greeting', { a: '😀'.repeat(10) }).allowed, true);
    const d = prompts.decide('greeting', { a: '12345', b: '123456' });
    assert.equal(d.allowed, false);
    assert.equal(d.rule?.text, 'greeting');
    assert.equal(
      d.reason,
      'the arguments of prompt `greeting` are 11 characters long, over the `max_length` of 10 required by the `mcp.prompts.allow` rule `greeting` (line 5 of p.yaml)',
    );
    assert.equal(
      prompts.decide('greeting', { n: 12345678901 }).allowed,
      false,
      'non-text counts as JSON',
    );
    assert.equal(prompts.decide('greeting', {}).allowed, true);
  });
});
