// `mcp.client` (what a component may ask of the client) and `mcp.grants`
// (how the server has runtime grants approved): reading, errors with help,
// defaults, merge, serialize, and the ceiling.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePolicies, outsideCeiling, serializePolicy } from '@mcpkit/wasm-policy';
import { compiled, errors, policy, read, registry, section } from './testing.js';

function one(text: string, code: string) {
  const errs = errors(text);
  assert.equal(errs.length, 1, JSON.stringify(errs, null, 1));
  assert.equal(errs[0]!.code, code);
  return errs[0]!;
}

describe('mcp.client and mcp.grants', () => {
  it('reads them, and compiles the defaults when absent', () => {
    const c = compiled(
      policy('client: { sampling: true }', 'grants: { approval: elicit, timeout: 90s }'),
    );
    assert.deepEqual(c.client, { sampling: true });
    assert.deepEqual(c.grants, { approval: 'elicit', timeoutMs: 90_000 });
    const none = compiled(policy('tools: { allow: [{ name: x }] }'));
    assert.deepEqual(none.client, {});
    assert.deepEqual(none.grants, { approval: 'none', timeoutMs: 120_000 });
  });

  it('explains mistakes', () => {
    assert.equal(
      one(policy('grants: { approval: elicitt }'), 'unknown-approval').help,
      'did you mean `elicit`?',
    );
    assert.match(
      one(policy('grants: { approval: ask }'), 'unknown-approval').help!,
      /`elicit` asks a person/,
    );
    one(policy('grants: { timeout: soon }'), 'invalid-timeout');
    one(policy('grants: { timeout: 2h }'), 'invalid-timeout');
    one(policy('client: { sampling: "yes" }'), 'type');
    const unknown = errors(policy('client: { samplng: true }'));
    assert.equal(unknown.length, 1);
    assert.match(unknown[0]!.help ?? '', /sampling/);
  });

  it('merges the child over the base and writes them back', () => {
    const reg = registry();
    const base = read(policy('client: { sampling: true, elicitation: true, roots: true }'))
      .document!;
    const child = read(policy('client: { sampling: false }', 'grants: { approval: elicit }'))
      .document!;
    const merged = mergePolicies(base, child, reg);
    const out = serializePolicy(merged, reg).mcp as Record<string, unknown>;
    assert.deepEqual(out.client, { sampling: false, elicitation: true, roots: true });
    assert.deepEqual(out.grants, { approval: 'elicit' });
    const again = section(
      policy(
        'client: { sampling: false, elicitation: true }',
        'grants: { approval: elicit, timeout: 2m }',
      ),
    );
    assert.deepEqual(
      (
        serializePolicy(read(policy('grants: { approval: elicit, timeout: 2m }')).document!, reg)
          .mcp as Record<string, unknown>
      ).grants,
      { approval: 'elicit', timeout: '2m' },
    );
    assert.equal(again.grants?.timeoutMs, 120_000);
  });

  it('a grant may not add asking the client beyond the ceiling, nor set how grants are approved', () => {
    const reg = registry();
    const grant = read(
      policy('client: { sampling: true, roots: true }', 'grants: { approval: none }'),
    ).document!;
    const ceiling = read(policy('client: { elicitation: true }')).document!;
    assert.deepEqual(
      outsideCeiling(grant, ceiling, reg).map((v) => v.message),
      [
        'asking the client for sampling is beyond what the server allows',
        'asking the client for roots is beyond what the server allows',
        "`mcp.grants` is the server policy's to set, not a grant's",
      ],
    );
  });
});
