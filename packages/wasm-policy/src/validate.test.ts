import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy } from './compile.js';
import type { Diagnostic } from './diagnostics.js';
import { ExtensionRegistry } from './extension.js';
import { serializePolicy } from './serialize.js';
import { fixture, namesExtension, opaqueExtension } from './testing.js';
import { readPolicy } from './validate.js';

const withMcp = () => new ExtensionRegistry([opaqueExtension('mcp')]);

function errors(text: string, registry?: ExtensionRegistry): Diagnostic[] {
  return readPolicy(text, { file: 'p.yaml', ...(registry ? { registry } : {}) }).diagnostics.filter(
    (d) => d.severity === 'error',
  );
}

function only(text: string, code: string): Diagnostic {
  const errs = errors(text);
  assert.equal(errs.length, 1, `expected one error, got ${JSON.stringify(errs, null, 1)}`);
  assert.equal(errs[0]!.code, code);
  return errs[0]!;
}

describe('the policy examples of the design documents', () => {
  for (const name of [
    'core-permissions.yaml',
    'mcp-extensions.yaml',
    'minimal.yaml',
    'development.yaml',
    'production.yaml',
    'design-canonical.yaml',
    'wassette-weather.yaml',
    'review-current.yaml',
    'review-ports.yaml',
  ]) {
    it(`${name} parses without errors`, () => {
      const r = readPolicy(fixture(name), { file: name, registry: withMcp() });
      assert.deepEqual(
        r.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      assert.ok(r.document);
      compilePolicy(r.document, { registry: withMcp() });
    });
  }

  it("Wassette's weather policy grants its host and key and nothing else", () => {
    const r = readPolicy(fixture('wassette-weather.yaml'));
    const p = compilePolicy(r.document!);
    assert.equal(
      p.decideNetwork({ host: 'api.openweathermap.org', scheme: 'https' }).allowed,
      true,
    );
    assert.equal(p.decideNetwork({ host: 'openweathermap.org' }).allowed, false);
    assert.equal(p.decideEnv('OPENWEATHER_API_KEY').allowed, true);
    assert.equal(p.decideEnv('HOME').allowed, false);
    assert.equal(p.decideStorage('/tmp/x', 'read').allowed, false);
  });

  it('the Wassette form and the canonical form read to the same model', () => {
    const wrapped = readPolicy(fixture('wassette-weather.yaml')).document!;
    const flat = readPolicy(
      'version: "1.0"\ndescription: "Permission policy for mcp-wasmtime weather demo"\nnetwork:\n  allow:\n    - host: "api.openweathermap.org"\nenvironment:\n  allow:\n    - key: "OPENWEATHER_API_KEY"\n',
    ).document!;
    assert.deepEqual(serializePolicy(wrapped), serializePolicy(flat));
  });

  it('reports the ignored engine settings of the seed runtime section as warnings', () => {
    const r = readPolicy(fixture('mcp-extensions.yaml'), { registry: withMcp() });
    const codes = r.diagnostics.map((d) => d.code);
    assert.ok(codes.includes('engine-ignored'));
    assert.ok(codes.includes('fuel-ignored'));
    assert.equal(r.document!.limits.memory, 256 * 1024 * 1024);
  });

  it('resolves relative fs:// URIs against the base directory, as Wassette does', () => {
    const r = readPolicy(fixture('core-permissions.yaml'), { baseDir: '/srv/tool' });
    const p = compilePolicy(r.document!);
    assert.equal(p.decideStorage('/srv/tool/tmp/a', 'write').allowed, true);
    assert.equal(p.decideStorage('/srv/tool/config/a.json', 'read').allowed, true);
    assert.equal(p.decideStorage('/tmp/a', 'read').allowed, false);
  });
});

describe('every mistake at once', () => {
  it('reports all five mistakes of a file, each with its line and column', () => {
    const r = readPolicy(fixture('five-mistakes.yaml'), { file: 'five-mistakes.yaml' });
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(r.document, undefined);
    assert.deepEqual(
      errs.map((d) => [d.code, d.line, d.column, d.pointer]),
      [
        ['glob-syntax', 5, 12, '/storage/allow/0/uri'],
        ['host-wildcard', 9, 13, '/network/allow/0/host'],
        ['cidr-syntax', 10, 13, '/network/allow/1/cidr'],
        ['env-key-syntax', 13, 12, '/environment/allow/0/key'],
        ['quantity-syntax', 16, 13, '/resources/limits/memory'],
      ],
    );
    for (const d of errs) {
      assert.equal(d.file, 'five-mistakes.yaml');
      assert.match(d.message, /`[^`]+`/, 'quotes the offending input');
      assert.equal(d.message[0], d.message[0]!.toLowerCase(), 'starts lower-case');
    }
  });
});

describe('checks', () => {
  it('unknown keys, with did-you-mean', () => {
    const d = only('version: "1.0"\nnetwrok:\n  allow: []\n', 'unknown-section');
    assert.equal(d.help, 'did you mean `network`?');
    assert.deepEqual([d.line, d.column], [2, 1]);
    const all = errors(
      'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///a"\n      acess: [read]\n',
    );
    assert.ok(all.some((e) => e.code === 'unknown-key' && e.help === 'did you mean `access`?'));
  });

  it('an unknown section names the registered extensions', () => {
    const registry = new ExtensionRegistry([namesExtension('tools'), namesExtension('graphql')]);
    const [d] = errors('version: "1.0"\nzzz: {}\n', registry);
    assert.equal(d!.code, 'unknown-section');
    assert.match(d!.help!, /registered extensions: `tools`, `graphql`/);
    const [none] = errors('version: "1.0"\nzzz: {}\n');
    assert.match(none!.help!, /no extensions are registered/);
  });

  it('types', () => {
    assert.match(
      only('version: "1.0"\nstorage: []\n', 'type').message,
      /must be a map, not a list/,
    );
    assert.match(
      only('version: "1.0"\nnetwork:\n  allow: "x"\n', 'type').message,
      /must be a list/,
    );
    assert.match(only('version: 1.0\n', 'type').help!, /"1\.0"/);
  });

  it('glob syntax: ** only as a whole segment, classes and braces closed', () => {
    for (const uri of [
      'fs:///a/**b',
      'fs:///a/b**',
      'fs:///a/[abc',
      'fs:///a/{b,c',
      'fs:///a/b}',
    ]) {
      only(
        `version: "1.0"\nstorage:\n  allow:\n    - uri: "${uri}"\n      access: [read]\n`,
        'glob-syntax',
      );
    }
    only(
      'version: "1.0"\nstorage:\n  allow:\n    - uri: "/abs/path"\n      access: [read]\n',
      'storage-uri-scheme',
    );
    only(
      'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///a/../b"\n      access: [read]\n',
      'storage-uri-dots',
    );
    assert.deepEqual(
      errors(
        'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///a/**/b/*.{c,h}"\n      access: [read]\n',
      ),
      [],
    );
  });

  it('host wildcards only as a leading *.', () => {
    for (const host of ['api.*.com', '*example.com', 'a.*', '*.*.com', 'ex*ample.com']) {
      only(`version: "1.0"\nnetwork:\n  allow:\n    - host: "${host}"\n`, 'host-wildcard');
    }
    const d = only(
      'version: "1.0"\nnetwork:\n  allow:\n    - host: "api.example.com:8443"\n',
      'host-syntax',
    );
    assert.match(d.help!, /ports: \[8443\]/);
  });

  it('CIDR, IPv4 and IPv6', () => {
    assert.deepEqual(
      errors(
        'version: "1.0"\nnetwork:\n  allow:\n    - cidr: "10.0.0.0/8"\n    - cidr: "fd00::/8"\n    - cidr: "::ffff:10.0.0.0/104"\n',
      ),
      [],
    );
    for (const c of [
      '10.0.0.0/33',
      '10.0.0/8',
      'fd00::/129',
      '10.0.0.0/x',
      'example.com/8',
      '010.0.0.0/8',
    ]) {
      only(`version: "1.0"\nnetwork:\n  allow:\n    - cidr: "${c}"\n`, 'cidr-syntax');
    }
    const w = readPolicy(
      'version: "1.0"\nnetwork:\n  allow:\n    - cidr: "10.1.2.3/8"\n',
    ).diagnostics;
    assert.equal(w[0]?.code, 'cidr-host-bits');
    assert.equal(w[0]?.help, 'write `10.0.0.0/8`');
  });

  it('environment key syntax', () => {
    for (const key of ['9LIVES', 'A-B', 'A B', 'A*B', '', 'A=1']) {
      only(`version: "1.0"\nenvironment:\n  allow:\n    - key: "${key}"\n`, 'env-key-syntax');
    }
    assert.deepEqual(
      errors(
        'version: "1.0"\nenvironment:\n  allow:\n    - key: "lower_ok"\n    - key: "APP_*"\n    - key: "*"\n',
      ),
      [],
    );
  });

  it('quantities', () => {
    const ok = readPolicy(
      'version: "1.0"\nresources:\n  limits:\n    memory: "512Mi"\n    cpu: "500m"\n    execution_time: "1m"\n    output: "1Gi"\n    concurrency: 4\n    open_files: 64\n',
    );
    assert.deepEqual(ok.document!.limits, {
      memory: 512 * 1024 ** 2,
      cpu: 0.5,
      executionTime: 60_000,
      output: 1024 ** 3,
      concurrency: 4,
      openFiles: 64,
    });
    for (const [key, value] of [
      ['memory', '512mb'],
      ['memory', '500m'],
      ['cpu', 'lots'],
      ['execution_time', '30 parsecs'],
      ['execution_time', '0s'],
      ['concurrency', '0'],
      ['open_files', '0'],
      ['open_files', '5000'],
    ]) {
      only(`version: "1.0"\nresources:\n  limits:\n    ${key}: "${value}"\n`, 'quantity-syntax');
    }
    assert.match(
      only('version: "1.0"\nresources:\n  limits:\n    memory: "500m"\n', 'quantity-syntax').help!,
      /`Mi`/,
    );
    assert.match(
      only('version: "1.0"\nresources:\n  limits:\n    open_files: 5000\n', 'quantity-syntax')
        .message,
      /`open_files` `5000` must be a whole number from 1 to 4096/,
    );
    const time = readPolicy('version: "1.0"\nresources:\n  limits:\n    execution_time: "30s"\n')
      .document!;
    assert.equal(time.limits.executionTime, 30_000);
    assert.equal(
      readPolicy('version: "1.0"\nresources:\n  limits:\n    memory: "1Gi"\n').document!.limits
        .memory,
      1024 ** 3,
    );
    assert.equal(
      readPolicy('version: "1.0"\nresources:\n  limits:\n    cpu: "2"\n').document!.limits.cpu,
      2,
    );
  });

  it('cpu quota and cpu_time', () => {
    const ok = readPolicy(
      'version: "1.0"\nresources:\n  limits:\n    cpu: "250m"\n    cpu_time: "1500ms"\n    execution_time: "10s"\n',
    );
    assert.deepEqual(ok.diagnostics, []);
    // Neither key sets `concurrency`.
    assert.deepEqual(ok.document!.limits, { cpu: 0.25, cpuTime: 1500, executionTime: 10_000 });
    assert.deepEqual(serializePolicy(ok.document!).resources, {
      limits: { cpu: '250m', cpu_time: '1500ms', execution_time: '10s' },
    });
    for (const value of ['fast', '0s', '-1s', '5ms', '0.001']) {
      only(`version: "1.0"\nresources:\n  limits:\n    cpu_time: "${value}"\n`, 'quantity-syntax');
    }
    const short = only(
      'version: "1.0"\nresources:\n  limits:\n    cpu_time: "5ms"\n',
      'quantity-syntax',
    );
    assert.match(short.message, /`cpu_time` `5ms` is shorter than 10 ms/);
    assert.equal(short.help, 'write at least `10ms`');
    assert.equal(short.pointer, '/resources/limits/cpu_time');
    const tiny = only(
      'version: "1.0"\nresources:\n  limits:\n    cpu: "0.5m"\n',
      'quantity-syntax',
    );
    assert.equal(tiny.help, 'the smallest quota is `1m`');
    const w = readPolicy(
      'version: "1.0"\nresources:\n  limits:\n    cpu_time: "1m"\n    execution_time: "30s"\n',
    ).diagnostics;
    assert.deepEqual(
      w.map((d) => [d.code, d.severity, d.pointer]),
      [['cpu-time-unreachable', 'warning', '/resources/limits/cpu_time']],
    );
    assert.match(w[0]!.message, /`cpu_time` `1m` is longer than `execution_time` `30s`/);
    const typo = readPolicy('version: "1.0"\nresources:\n  limits:\n    cpu-time: "1s"\n')
      .diagnostics[0]!;
    assert.equal(typo.help, 'did you mean `cpu_time`?');
  });

  it('access and operation names', () => {
    const d = only(
      'version: "1.0"\nstorage:\n  allow:\n    - uri: "fs:///a"\n      access: [raed]\n',
      'unknown-access',
    );
    assert.equal(d.help, 'did you mean `read`?');
    assert.equal(
      only(
        'version: "1.0"\nnetwork:\n  allow:\n    - host: "a.com"\n      methods: [GTE]\n',
        'unknown-method',
      ).help,
      'did you mean `GET`?',
    );
    assert.equal(
      only(
        'version: "1.0"\nnetwork:\n  allow:\n    - host: "a.com"\n      schemes: [htps]\n',
        'unknown-scheme',
      ).help,
      'did you mean `https`?',
    );
    only(
      'version: "1.0"\nnetwork:\n  allow:\n    - host: "a.com"\n      ports: [0]\n',
      'port-syntax',
    );
    only('version: "1.0"\nruntime:\n  isolation: vm\n', 'unknown-isolation');
  });

  it('warns on rules shadowed by a deny, and on duplicates', () => {
    const r = readPolicy(
      [
        'version: "1.0"',
        'storage:',
        '  allow:',
        '    - uri: "fs:///data/private/**"',
        '      access: [read]',
        '    - uri: "fs:///data/**"',
        '      access: [read]',
        '    - uri: "fs:///data/**"',
        '      access: [read]',
        '  deny:',
        '    - uri: "fs:///data/private"',
        'network:',
        '  allow:',
        '    - host: "a.evil.com"',
        '  deny:',
        '    - host: "*.evil.com"',
        'environment:',
        '  allow:',
        '    - key: "SECRET_TOKEN"',
        '  deny:',
        '    - key: "SECRET_*"',
      ].join('\n'),
    );
    const warnings = r.diagnostics.map((d) => [d.code, d.line]);
    assert.deepEqual(warnings, [
      ['shadowed-rule', 4],
      ['duplicate-rule', 8],
      ['shadowed-rule', 14],
      ['shadowed-rule', 19],
    ]);
    assert.ok(r.document, 'warnings do not stop the document');
  });

  it('a host written as a URL becomes host, scheme, port and path', () => {
    const r = readPolicy(
      'version: "1.0"\nnetwork:\n  allow:\n    - host: "https://api.github.com:8443/repos"\n',
    );
    const rule = r.document!.network.allow[0]!;
    assert.equal(rule.pattern, 'api.github.com');
    assert.deepEqual(rule.schemes, ['https']);
    assert.deepEqual(rule.ports, [{ from: 8443, to: 8443 }]);
    assert.deepEqual(rule.paths, ['/repos']);
  });

  it('a missing version is a warning, not an error', () => {
    const r = readPolicy('network:\n  allow:\n    - host: "a.com"\n');
    assert.equal(r.diagnostics[0]?.code, 'missing-version');
    assert.ok(r.document);
  });

  it('rejects a section given twice, at the top and inside permissions', () => {
    only('version: "1.0"\nnetwork: {}\npermissions:\n  network: {}\n', 'duplicate-section');
  });

  it('an empty document is an error', () => {
    only('', 'empty-document');
    only('# only a comment\n', 'empty-document');
  });
});
