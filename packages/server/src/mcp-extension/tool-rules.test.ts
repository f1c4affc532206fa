import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compiled, policy } from './testing.js';
import type { ToolRules } from './tool-rules.js';

describe('tools: names', () => {
  const tools = compiled(
    policy(
      'tools:',
      '  allow:',
      '    - name: "calculator/*"',
      '    - name: "file_reader"',
      '    - name: "v?"',
      '  deny:',
      '    - name: "system_*"',
      '    - name: "calculator/rm"',
    ),
  ).tools!;

  it('allows exact names and glob matches, and says which rule decided', () => {
    const d = tools.decide('file_reader');
    assert.equal(d.allowed, true);
    assert.equal(d.code, 'allowed');
    assert.deepEqual(
      { ...d.rule },
      {
        pointer: '/mcp/tools/allow/1',
        line: 6,
        column: 9,
        file: 'p.yaml',
        section: 'mcp.tools',
        list: 'allow',
        index: 1,
        text: 'file_reader',
      },
    );
    assert.equal(
      d.reason,
      'allowed by the `mcp.tools.allow` rule `file_reader` (line 6 of p.yaml)',
    );
    assert.equal(tools.decide('calculator/add').rule?.text, 'calculator/*');
    assert.equal(tools.decide('calculator/').allowed, true);
    assert.equal(tools.decide('v1').allowed, true);
    assert.equal(tools.decide('v12').allowed, false);
  });

  it('denies by deny rules first, and by default', () => {
    const d = tools.decide('calculator/rm');
    assert.equal(d.allowed, false);
    assert.equal(d.code, 'denied');
    assert.equal(d.rule?.list, 'deny');
    assert.equal(d.rule?.line, 10);
    assert.equal(tools.decide('system_reboot').code, 'denied');
    const none = tools.decide('file_reader2');
    assert.equal(none.code, 'not-granted');
    assert.equal(none.rule, null);
    assert.match(none.reason, /`mcp\.tools\.allow`/);
  });

  it('peek decides by name alone', () => {
    assert.equal(tools.peek('calculator/add').allowed, true);
    assert.equal(tools.peek('calculator/rm').allowed, false);
    assert.equal(tools.peek('nope').allowed, false);
  });

  it('is frozen, and its decisions are too', () => {
    assert.ok(Object.isFrozen(tools));
    assert.ok(Object.isFrozen(tools.decide('file_reader')));
  });
});

describe('tools: parameter constraints', () => {
  const tools: ToolRules = compiled(
    policy(
      'tools:',
      '  allow:',
      '    - name: file_reader',
      '      parameters:',
      '        path: { pattern: "/data/**" }',
      '        mode: { enum: ["fast", "slow"] }',
      '        query: { max_length: 5 }',
      '        limit: { minimum: 1, maximum: 100 }',
      '        report: { pattern: "report_*" }',
      '        level: { minimum: 0 }',
      '    - name: legacy',
      '      parameters:',
      '        path_pattern: "/data/**"',
      '        dir: "/srv/*"',
      '    - name: "file_*"',
    ),
  ).tools!;
  const call = (args: Record<string, unknown>) => tools.decide('file_reader', args);
  const allowed = (args: Record<string, unknown>) => call(args).allowed;

  it('matches path arguments after normalising them', () => {
    assert.equal(allowed({ path: '/data/a.txt' }), true);
    assert.equal(allowed({ path: '/data/sub/dir/a' }), true);
    assert.equal(allowed({ path: '/data' }), true);
    assert.equal(allowed({ path: '/data/./x' }), true);
    assert.equal(allowed({ path: '/data//x/' }), true);
    assert.equal(allowed({ path: '/database' }), false);
    assert.equal(allowed({ path: '/data/.ssh/id' }), false, 'wildcards never reveal dotfiles');
    const up = call({ path: '/data/../etc/passwd' });
    assert.equal(up.allowed, false);
    assert.equal(up.code, 'not-granted');
    assert.equal(up.parameter, 'path');
    assert.equal(up.rule?.text, 'file_reader');
    assert.equal(
      up.reason,
      'argument `path` = `/data/../etc/passwd` (resolved to `/etc/passwd`) does not match `/data/**` required by the `mcp.tools.allow` rule `file_reader` (line 5 of p.yaml)',
    );
    assert.equal(
      call({ path: '/etc/passwd' }).reason,
      'argument `path` = `/etc/passwd` does not match `/data/**` required by the `mcp.tools.allow` rule `file_reader` (line 5 of p.yaml)',
    );
    assert.match(call({ path: 'data/x' }).reason, /: the path is not absolute$/);
    assert.match(call({ path: '/../data/x' }).reason, /climbs above/);
    assert.equal(allowed({ path: '/data/x\u0000' }), false);
  });

  it('refuses arguments of the wrong type', () => {
    const d = call({ path: 42 });
    assert.equal(d.allowed, false);
    assert.equal(d.parameter, 'path');
    assert.match(
      d.reason,
      /^argument `path` must be text to match `\/data\/\*\*`.*, not the number `42`$/,
    );
    assert.equal(allowed({ path: ['/data/x'] }), false);
    assert.equal(allowed({ path: null }), false);
    assert.equal(allowed({ mode: 1 }), false);
    assert.equal(allowed({ query: 12345 }), false);
    assert.match(call({ limit: '5' }).reason, /must be a number from 1 to 100 .*not the text `5`/);
    assert.equal(allowed({ report: true }), false);
  });

  it('checks enum, ranges, lengths and name patterns', () => {
    assert.equal(allowed({ mode: 'fast' }), true);
    const d = call({ mode: 'medium' });
    assert.equal(d.allowed, false);
    assert.equal(d.parameter, 'mode');
    assert.match(d.reason, /^argument `mode` = `medium` is not one of `fast`, `slow` required by/);
    assert.equal(allowed({ limit: 1 }), true);
    assert.equal(allowed({ limit: 100 }), true);
    assert.equal(allowed({ limit: 50.5 }), true);
    assert.equal(allowed({ limit: 0 }), false);
    assert.equal(allowed({ limit: 101 }), false);
    assert.match(call({ limit: 101 }).reason, /= `101` is not a number from 1 to 100 required by/);
    assert.equal(allowed({ level: 0 }), true);
    assert.equal(allowed({ level: -1 }), false);
    assert.equal(allowed({ query: 'abcde' }), true);
    assert.equal(allowed({ query: '😀😀😀😀😀' }), true, 'characters, not UTF-16 units');
    assert.equal(allowed({ query: 'abcdef' }), false);
    assert.match(
      call({ query: 'abcdef' }).reason,
      /is 6 characters long, over the `max_length` of 5/,
    );
    assert.equal(allowed({ report: 'report_q1' }), true);
    assert.equal(allowed({ report: 'summary' }), false);
  });

  it('lets absent arguments pass (the tool default applies)', () => {
    assert.equal(tools.decide('file_reader').allowed, true);
    assert.equal(allowed({}), true);
    assert.equal(allowed({ path: undefined }), true);
    assert.equal(allowed({ other: 'anything' }), true);
    const inherited = Object.create({ path: '/etc/passwd' }) as Record<string, unknown>;
    assert.equal(allowed(inherited), true, 'only own properties are arguments');
  });

  it('checks all constraints: the first failing argument decides', () => {
    const d = call({ path: '/data/x', mode: 'fast', limit: 500 });
    assert.equal(d.parameter, 'limit');
  });

  it('reads the `_pattern` shorthand and plain globs', () => {
    assert.equal(tools.decide('legacy', { path: '/data/a' }).allowed, true);
    assert.equal(tools.decide('legacy', { path: '/data/../etc/passwd' }).allowed, false);
    assert.equal(tools.decide('legacy', { dir: '/srv/a' }).allowed, true);
    assert.equal(tools.decide('legacy', { dir: '/srv/a/b' }).allowed, false);
  });

  it('applies a rule constraints only when that rule allows the call', () => {
    const d = tools.decide('file_writer', { path: '/etc/passwd' });
    assert.equal(d.allowed, true);
    assert.equal(d.rule?.text, 'file_*');
  });

  it('denies arguments that are not a map when the rule constrains them', () => {
    const d = tools.decide('file_reader', ['/etc'] as unknown as Record<string, unknown>);
    assert.equal(d.allowed, false);
    assert.equal(d.code, 'invalid');
    assert.equal(
      tools.decide('file_reader', null as unknown as Record<string, unknown>).allowed,
      true,
    );
  });
});
