import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compilePolicy } from './compile.js';
import { ExtensionRegistry } from './extension.js';
import { loadPolicyFile } from './load.js';
import { intersectPolicy, mergePolicies, outsideCeiling } from './merge.js';
import { namesExtension } from './testing.js';
import { readPolicy } from './validate.js';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'policy-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const doc = (text: string, registry?: ExtensionRegistry) => {
  const r = readPolicy(text, registry ? { registry } : {});
  assert.ok(r.document, JSON.stringify(r.diagnostics));
  return r.document;
};

describe('merge and extends', () => {
  it('unions allow and deny lists and takes the smaller limits', () => {
    const base = doc(
      'version: "1.0"\nnetwork:\n  allow: [{host: a.com}]\n  deny: [{cidr: "10.0.0.0/8"}]\nresources:\n  limits: {memory: 1Gi, execution_time: 10s}\n',
    );
    const child = doc(
      'version: "1.0"\ndescription: child\nnetwork:\n  allow: [{host: b.com}, {host: a.com}]\nresources:\n  limits: {memory: 256Mi, cpu: "2"}\nruntime: {isolation: inline}\n',
    );
    const m = mergePolicies(base, child);
    assert.deepEqual(
      m.network.allow.map((r) => r.pattern),
      ['a.com', 'b.com'],
    );
    assert.deepEqual(
      m.network.deny.map((r) => r.pattern),
      ['10.0.0.0/8'],
    );
    assert.deepEqual(m.limits, { memory: 256 * 1024 ** 2, executionTime: 10_000, cpu: 2 });
    assert.equal(m.description, 'child');
    assert.equal(m.runtime.isolation, 'inline');
    assert.equal(
      mergePolicies(doc('version: "1.0"\nruntime: {isolation: worker}\n'), child).runtime.isolation,
      'worker',
      'the stricter isolation wins',
    );
  });

  it('takes the smaller cpu quota and cpu_time, each on its own', () => {
    const a = doc('version: "1.0"\nresources:\n  limits: {cpu: "2", cpu_time: 500ms}\n');
    const b = doc('version: "1.0"\nresources:\n  limits: {cpu: 250m, cpu_time: 2s}\n');
    assert.deepEqual(mergePolicies(a, b).limits, { cpu: 0.25, cpuTime: 500 });
    assert.deepEqual(intersectPolicy(b, a).limits, { cpu: 0.25, cpuTime: 500 });
    assert.deepEqual(mergePolicies(doc('version: "1.0"\n'), a).limits, { cpu: 2, cpuTime: 500 });
  });

  it('loads extends chains relative to each file, the deciding rule pointing at its file', async () => {
    const d = dir({
      'base.yaml': 'version: "1.0"\nstorage:\n  deny:\n    - uri: "fs://secrets"\n',
      'team.yaml':
        'version: "1.0"\nextends: ["./base.yaml"]\nnetwork:\n  allow: [{host: api.team.dev}]\n',
      'tool.yaml':
        'version: "1.0"\nextends: team.yaml\nstorage:\n  allow:\n    - uri: "fs://**"\n      access: [read]\n',
    });
    const r = await loadPolicyFile(join(d, 'tool.yaml'));
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.files.length, 3);
    const p = compilePolicy(r.document!);
    assert.equal(p.decideStorage(join(d, 'x.txt'), 'read').allowed, true);
    const denied = p.decideStorage(join(d, 'secrets/key'), 'read');
    assert.equal(denied.allowed, false);
    assert.equal(denied.rule?.file, join(d, 'base.yaml'));
    assert.equal(p.decideNetwork({ host: 'api.team.dev' }).allowed, true);
  });

  it('reports an extends cycle with the chain', async () => {
    const d = dir({
      'a.yaml': 'version: "1.0"\nextends: [b.yaml]\n',
      'b.yaml': 'version: "1.0"\nextends: [c.yaml]\n',
      'c.yaml': 'version: "1.0"\nextends: [a.yaml]\n',
    });
    const r = await loadPolicyFile(join(d, 'a.yaml'));
    assert.equal(r.document, undefined);
    const cycle = r.diagnostics.find((x) => x.code === 'extends-cycle')!;
    assert.ok(cycle.message.includes('a.yaml` -> `'), cycle.message);
    assert.match(cycle.message, /a\.yaml.*b\.yaml.*c\.yaml.*a\.yaml/);
    assert.equal(cycle.file, join(d, 'c.yaml'));
    assert.equal(cycle.line, 2);
  });

  it('reports a missing base file at the extends entry', async () => {
    const d = dir({ 'a.yaml': 'version: "1.0"\nextends:\n  - ./nope.yaml\n' });
    const r = await loadPolicyFile(join(d, 'a.yaml'));
    const e = r.diagnostics.find((x) => x.code === 'file-unreadable')!;
    assert.match(e.message, /does not exist/);
    assert.deepEqual([e.line, e.file], [3, join(d, 'a.yaml')]);
  });

  it('merges extension sections through the extension', async () => {
    const registry = new ExtensionRegistry([namesExtension('tools')]);
    const d = dir({
      'base.yaml': 'version: "1.0"\ntools: {allow: [a], deny: [x]}\n',
      'child.yaml': 'version: "1.0"\nextends: base.yaml\ntools: {allow: [b]}\n',
    });
    const r = await loadPolicyFile(join(d, 'child.yaml'), { registry });
    assert.deepEqual(r.document!.extensions.tools, { allow: ['a', 'b'], deny: ['x'] });
  });
});

describe('ceilings for runtime grants', () => {
  const ceiling = doc(
    'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///srv/data/**"\n      access: [read, write]\n    - uri: "fs:///srv/docs"\n      access: [read]\n  deny:\n    - uri: "fs:///srv/data/private"\nnetwork:\n  allow:\n    - host: "*.example.com"\n    - cidr: "10.0.0.0/8"\nenvironment:\n  allow:\n    - key: "APP_*"\nresources:\n  limits: {memory: 128Mi}\n',
  );

  it('accepts grants inside the ceiling', () => {
    const grant = doc(
      'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///srv/data/project/**"\n      access: [write]\n    - uri: "fs:///srv/docs/manual"\n      access: [read]\nnetwork:\n  allow:\n    - host: "api.example.com"\n      ports: [443]\n    - cidr: "10.1.0.0/16"\nenvironment:\n  allow:\n    - key: "APP_TOKEN"\n',
    );
    assert.deepEqual(outsideCeiling(grant, ceiling), []);
  });

  it('refuses each grant beyond the ceiling, saying which', () => {
    const grant = doc(
      'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///etc/**"\n      access: [read]\n    - uri: "fs:///srv/docs"\n      access: [read, write]\n    - uri: "fs:///srv/data"\n      access: [read]\nnetwork:\n  allow:\n    - host: "example.com"\n    - host: "evil.net"\n    - cidr: "0.0.0.0/0"\nenvironment:\n  allow:\n    - key: "HOME"\n',
    );
    const v = outsideCeiling(grant, ceiling);
    assert.deepEqual(
      v.map((x) => [x.section, x.pointer]),
      [
        ['storage', '/storage/allow/0'],
        ['storage', '/storage/allow/1'],
        ['storage', '/storage/allow/2'],
        ['network', '/network/allow/0'],
        ['network', '/network/allow/1'],
        ['network', '/network/allow/2'],
        ['environment', '/environment/allow/0'],
      ],
    );
    assert.match(v[1]!.message, /^write access to `fs:\/\/\/srv\/docs`/);
    assert.match(
      v[2]!.message,
      /`fs:\/\/\/srv\/data`/,
      'a literal dir grants dotfiles, which `/srv/data/**` does not',
    );
  });

  it('intersect keeps what the ceiling covers and adds its denies', () => {
    const wide = doc(
      'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///srv/data/**"\n      access: [read, write]\n    - uri: "fs:///srv/docs/**"\n      access: [read, write]\n    - uri: "fs:///home/**"\n      access: [read]\nnetwork:\n  allow: [{host: a.example.com}, {host: b.org}]\n',
    );
    const p = compilePolicy(intersectPolicy(wide, ceiling));
    assert.equal(p.decideStorage('/srv/data/x', 'write').allowed, true);
    assert.equal(p.decideStorage('/srv/data/private/x', 'read').allowed, false);
    assert.equal(p.decideStorage('/srv/docs/a', 'read').allowed, true);
    assert.equal(p.decideStorage('/srv/docs/a', 'write').allowed, false);
    assert.equal(p.decideStorage('/home/u/x', 'read').allowed, false);
    assert.equal(p.decideNetwork({ host: 'a.example.com' }).allowed, true);
    assert.equal(p.decideNetwork({ host: 'b.org' }).allowed, false);
    assert.equal(p.limits.memory, 128 * 1024 ** 2);
  });

  it('extensions bound their own sections', () => {
    const registry = new ExtensionRegistry([namesExtension('tools')]);
    const c = doc('version: "1.0"\ntools: {allow: [a, b]}\n', registry);
    const g = doc('version: "1.0"\ntools: {allow: [b, z]}\n', registry);
    assert.deepEqual(outsideCeiling(g, c, registry), [
      {
        section: 'tools',
        pointer: '/tools/allow/1',
        message: 'tools name `z` is beyond the ceiling',
      },
    ]);
    assert.deepEqual(intersectPolicy(g, c, registry).extensions.tools, { allow: ['b'], deny: [] });
  });
});
