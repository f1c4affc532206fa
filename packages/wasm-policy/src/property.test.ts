// Compiled decisions against the plain interpreter, over random policies and
// random inputs drawn from small alphabets so that they collide often.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compilePolicy } from './compile.js';
import type { Access, PolicyDocument } from './model.js';
import { referenceAddress, referenceEnv, referenceNetwork, referenceStorage } from './reference.js';
import { readPolicy } from './validate.js';

const RUNS = 400;

function read(obj: unknown): PolicyDocument | undefined {
  return readPolicy(JSON.stringify(obj)).document;
}

const segment = fc.constantFrom(
  'a',
  'b',
  'ab',
  '.git',
  '.env',
  'x.txt',
  'a.txt',
  '%2e%2e',
  'ü',
  'b\\c',
  'a b',
);
const patternSegment = fc.oneof(
  segment,
  fc.constantFrom('*', '**', '?', '*.txt', 'a*', '[ab]', '[!a]*', '{a,b}', '.*', '**'),
);
const pattern = fc
  .array(patternSegment, { minLength: 0, maxLength: 4 })
  .map((s) => `fs:///${s.join('/')}`);
const access = fc.subarray(['read', 'write'] as const, { minLength: 1 });
const storageRule = fc.record({ uri: pattern, access });
const pathInput = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: segment },
      { weight: 1, arbitrary: fc.constantFrom('..', '.', '') },
    ),
    { maxLength: 5 },
  )
  .map((s) => `/${s.join('/')}`);

/** Normalised paths below a directory, the kind a file host's walk produces. */
const belowInput = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));

describe('compiled decisions equal the reference interpreter', () => {
  it('storage scopes decide as decideStorage does below their directory', () => {
    let scoped = 0;
    fc.assert(
      fc.property(
        fc.array(storageRule, { maxLength: 6 }),
        fc.array(storageRule, { maxLength: 3 }),
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        fc.constantFrom<Access>('read', 'write'),
        fc.array(belowInput, { minLength: 1, maxLength: 12 }),
        (allow, deny, dirSegments, acc, below) => {
          const doc = read({ version: '1.0', storage: { allow, deny } });
          if (!doc) return;
          const policy = compilePolicy(doc);
          const dir = `/${dirSegments.join('/')}`;
          const scope = policy.storageScope(dir, acc);
          if (scope === undefined) return;
          scoped++;
          for (const rel of below) {
            const path = `${dir}/${rel}`;
            const got = scope.decide(path);
            const want = policy.decideStorage(path, acc);
            if (got === undefined) {
              // Only what needs normalising is left to the long way.
              assert.ok(/[^\x01-\x7f]/.test(path), `${acc} ${path} left undecided`);
              continue;
            }
            assert.equal(got.allowed, want.allowed, `${acc} ${path} under ${dir}: ${got.reason}`);
            assert.equal(got.code, want.code, `${acc} ${path}`);
            assert.equal(got.rule?.index, want.rule?.index, `${acc} ${path}: the deciding rule`);
            assert.equal(got.rule?.list, want.rule?.list, `${acc} ${path}: the deciding list`);
          }
          // Paths not strictly below the directory are never decided by it.
          assert.equal(scope.decide(dir), undefined);
          assert.equal(scope.decide(`${dir}x/a`), undefined);
          assert.equal(scope.decide(`${dir}/a/../b`), undefined);
        },
      ),
      { numRuns: RUNS * 3 },
    );
    assert.ok(scoped > RUNS / 4, `only ${scoped} policies had a scope`);
  });

  it('storage', () => {
    fc.assert(
      fc.property(
        fc.array(storageRule, { maxLength: 6 }),
        fc.array(storageRule, { maxLength: 3 }),
        fc.array(fc.tuple(pathInput, fc.constantFrom<Access>('read', 'write')), {
          minLength: 1,
          maxLength: 12,
        }),
        (allow, deny, inputs) => {
          const doc = read({ version: '1.0', storage: { allow, deny } });
          if (!doc) return;
          const policy = compilePolicy(doc);
          for (const [path, acc] of inputs) {
            const got = policy.decideStorage(path, acc);
            const want = referenceStorage(doc, path, acc);
            assert.equal(got.allowed, want.allowed, `${acc} ${path}: ${got.reason}`);
            assert.equal(got.code, want.code, `${acc} ${path}`);
            if (got.rule)
              assert.ok(
                want.matching.includes(got.rule.index),
                `the deciding rule matches ${path}`,
              );
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  const label = fc.constantFrom('a', 'b', 'api', 'example', 'com', 'evil', 'xn--bcher-kva');
  const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
  const ips = [
    '10.0.0.1',
    '10.1.2.3',
    '127.0.0.1',
    '0x7f.1',
    '169.254.169.254',
    '8.8.8.8',
    '::1',
    '::ffff:10.0.0.1',
    'fd00::5',
    '2001:db8::1',
    '93.184.216.34',
    '64:ff9b::a00:1',
  ];
  const hostInput = fc.oneof(
    name,
    name.map((n) => `${n.toUpperCase()}.`),
    fc.constantFrom(...ips),
  );
  const cidrs = [
    '10.0.0.0/8',
    '10.1.0.0/16',
    '127.0.0.0/8',
    '0.0.0.0/0',
    '169.254.169.254/32',
    'fd00::/8',
    '::1/128',
    '2001:db8::/32',
    '::/0',
    '93.184.216.0/24',
  ];
  const constraint = fc.record(
    {
      ports: fc.constantFrom([443], [80, 443], ['8000-8100']),
      schemes: fc.constantFrom(['https'], ['http', 'https']),
      methods: fc.constantFrom(['GET'], ['GET', 'POST']),
      paths: fc.constantFrom(['/api/'], ['/a', '/b/']),
    },
    { requiredKeys: [] },
  );
  const networkRule = fc
    .tuple(
      fc.oneof(
        name.map((host) => ({ host })),
        name.map((n) => ({ host: `*.${n}` })),
        fc.constant({ host: '*' }),
        fc.constantFrom(...cidrs).map((cidr) => ({ cidr })),
        fc.constantFrom('10.0.0.1', '::1', '127.0.0.1').map((host) => ({ host })),
      ),
      constraint,
    )
    .map(([a, b]) => ({ ...a, ...b }));
  const target = fc.record(
    {
      port: fc.constantFrom(80, 443, 8080, 8050),
      scheme: fc.constantFrom('http', 'https'),
      method: fc.constantFrom('GET', 'POST'),
      path: fc.constantFrom('/', '/api/x', '/a', '/ab', '/b/c'),
    },
    { requiredKeys: [] },
  );

  it('network', () => {
    fc.assert(
      fc.property(
        fc.array(networkRule, { maxLength: 6 }),
        fc.array(networkRule, { maxLength: 3 }),
        fc.array(fc.tuple(hostInput, target), { minLength: 1, maxLength: 10 }),
        (allow, deny, inputs) => {
          const doc = read({ version: '1.0', network: { allow, deny } });
          if (!doc) return;
          const policy = compilePolicy(doc);
          for (const [host, t] of inputs) {
            const got = policy.decideNetwork({ host, ...t });
            const want = referenceNetwork(doc, { host, ...t });
            assert.equal(got.allowed, want.allowed, `${host} ${JSON.stringify(t)}: ${got.reason}`);
            assert.equal(got.code, want.code, `${host} ${JSON.stringify(t)}`);
            if (got.rule && got.rule.list === (want.allowed ? 'allow' : 'deny')) {
              assert.ok(want.matching.includes(got.rule.index), `deciding rule matches ${host}`);
            }
          }
          for (const ip of ips) {
            for (const byName of [false, true]) {
              const byNameDecision = byName
                ? { allowed: true, code: 'allowed' as const, rule: null, reason: 'by name' }
                : undefined;
              const got = policy.decideAddress(ip, undefined, byNameDecision);
              const want = referenceAddress(doc, ip, byName);
              assert.equal(
                got.allowed,
                want.allowed,
                `address ${ip} byName=${byName}: ${got.reason}`,
              );
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('environment', () => {
    const key = fc.constantFrom('API_KEY', 'API', 'APP_X', 'APP_', 'app_x', 'HOME', 'PATH', 'A');
    const ruleKey = fc.oneof(key, fc.constantFrom('APP_*', 'A*', '*', 'API*'));
    fc.assert(
      fc.property(
        fc.array(ruleKey, { maxLength: 5 }),
        fc.array(ruleKey, { maxLength: 3 }),
        fc.array(key, { minLength: 1 }),
        (allow, deny, keys) => {
          const doc = read({
            version: '1.0',
            environment: {
              allow: allow.map((k) => ({ key: k })),
              deny: deny.map((k) => ({ key: k })),
            },
          });
          if (!doc) return;
          const policy = compilePolicy(doc);
          for (const k of keys)
            assert.equal(policy.decideEnv(k).allowed, referenceEnv(doc, k).allowed, k);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
