import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy } from './compile.js';
import { fromHyperMcpRuntimeConfig } from './hyper-mcp.js';

describe("hyper-mcp's runtime_config", () => {
  it('converts hosts, paths, env vars and the memory limit', () => {
    const r = fromHyperMcpRuntimeConfig({
      allowed_hosts: ['1.1.1.1', 'api.example.com'],
      allowed_paths: ['/tmp/plugin', '/srv/data:/data'],
      env_vars: { FOO: 'bar' },
      memory_limit: '512Mi',
      skip_tools: ['debug'],
    });
    assert.deepEqual(r.diagnostics, []);
    const p = compilePolicy(r.document!);
    assert.equal(p.decideNetwork({ host: 'api.example.com' }).allowed, true);
    assert.equal(p.decideNetwork({ host: '1.1.1.1' }).allowed, true);
    assert.equal(p.decideNetwork({ host: 'other.example.com' }).allowed, false);
    assert.equal(
      p.decideStorage('/tmp/plugin/.cache/x', 'write').allowed,
      true,
      'a directory grant, as extism preopens it',
    );
    assert.equal(p.decideStorage('/srv/data/a', 'read').allowed, true);
    assert.equal(
      p.decideStorage('/data/a', 'read').allowed,
      false,
      'the guest side of a mapping is not a host path',
    );
    assert.equal(p.decideEnv('FOO').allowed, true);
    assert.equal(p.decideEnv('HOME').allowed, false);
    assert.equal(p.limits.memory, 512 * 1024 ** 2);
    assert.deepEqual(r.env, { FOO: 'bar' });
    assert.deepEqual(r.skipTools, ['debug']);
  });

  it('treats allowed_hosts "*" as any host, still refusing special addresses', () => {
    const p = compilePolicy(fromHyperMcpRuntimeConfig({ allowed_hosts: ['*'] }).document!);
    assert.equal(p.decideNetwork({ host: 'anything.example' }).allowed, true);
    assert.equal(p.decideNetwork({ host: '169.254.169.254' }).allowed, false);
  });

  it('reports bad values and warns on unknown keys', () => {
    const r = fromHyperMcpRuntimeConfig({
      allowed_hosts: 'a.*.com',
      memory_limit: 'lots',
      colour: 'blue',
    });
    assert.equal(r.document, undefined);
    assert.deepEqual(r.diagnostics.map((d) => d.code).sort(), [
      'host-wildcard',
      'quantity-syntax',
      'unknown-key',
    ]);
    assert.equal(fromHyperMcpRuntimeConfig(undefined).document?.network.allow.length, 0);
  });
});
