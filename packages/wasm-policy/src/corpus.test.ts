import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type CompiledPolicy, compilePolicy } from './compile.js';
import { canonicalIp } from './ip.js';
import type { Access, PolicyDocument } from './model.js';
import { referenceAddress, referenceEnv, referenceNetwork, referenceStorage } from './reference.js';
import { readPolicy } from './validate.js';

interface Case {
  path?: string;
  access?: string;
  host?: string;
  url?: string;
  address?: string;
  byNameAllowed?: boolean;
  key?: string;
  port?: number;
  scheme?: string;
  method?: string;
  allowed: boolean;
  code?: string;
  why?: string;
}

function corpus(name: string): { policy: string; cases: Case[] } {
  return JSON.parse(readFileSync(new URL(`../test/corpus/${name}.json`, import.meta.url), 'utf8'));
}

function compiled(text: string): { doc: PolicyDocument; policy: CompiledPolicy } {
  const r = readPolicy(text);
  assert.deepEqual(r.diagnostics, [], 'the corpus policy is valid');
  return { doc: r.document!, policy: compilePolicy(r.document!) };
}

function label(c: Case): string {
  const subject = c.path ?? c.host ?? c.url ?? c.address ?? c.key ?? '';
  const extra = [c.access, c.scheme, c.port, c.method, c.url ? undefined : undefined].filter(
    (x) => x !== undefined,
  );
  return `${JSON.stringify(subject)}${extra.length ? ` (${extra.join(' ')})` : ''} -> ${c.allowed ? 'allow' : 'deny'}`;
}

describe('adversarial corpus: paths', () => {
  const { policy: text, cases } = corpus('paths');
  const { doc, policy } = compiled(text);
  for (const c of cases) {
    it(label(c), () => {
      const d = policy.decideStorage(c.path!, c.access as Access);
      assert.equal(d.allowed, c.allowed, `${d.reason}${c.why ? ` — ${c.why}` : ''}`);
      if (c.code) assert.equal(d.code, c.code);
      if (c.access === 'read' || c.access === 'write') {
        assert.equal(
          referenceStorage(doc, c.path!, c.access).allowed,
          c.allowed,
          'reference interpreter agrees',
        );
      }
    });
  }
});

describe('adversarial corpus: hosts', () => {
  const { policy: text, cases } = corpus('hosts');
  const { doc, policy } = compiled(text);
  for (const c of cases) {
    it(label(c), () => {
      if (c.url !== undefined) {
        const d = policy.decideUrl(c.url);
        assert.equal(d.allowed, c.allowed, d.reason);
        if (c.code) assert.equal(d.code, c.code);
        return;
      }
      const target = {
        host: c.host!,
        ...(c.port !== undefined ? { port: c.port } : {}),
        ...(c.scheme !== undefined ? { scheme: c.scheme } : {}),
        ...(c.method !== undefined ? { method: c.method } : {}),
        ...((c as { path?: string }).path !== undefined
          ? { path: (c as { path?: string }).path! }
          : {}),
      };
      const d = policy.decideNetwork(target);
      assert.equal(d.allowed, c.allowed, `${d.reason}${c.why ? ` — ${c.why}` : ''}`);
      if (c.code) assert.equal(d.code, c.code);
      assert.equal(
        referenceNetwork(doc, target).allowed,
        c.allowed,
        'reference interpreter agrees',
      );
    });
  }
});

describe('adversarial corpus: IP addresses', () => {
  const { policy: text, cases } = corpus('ips');
  const { doc, policy } = compiled(text);
  for (const c of cases) {
    it(label(c), () => {
      if (c.address !== undefined) {
        const byName = c.byNameAllowed
          ? policy.decideNetwork({ host: 'public.example' })
          : undefined;
        const d = policy.decideAddress(c.address, undefined, byName);
        assert.equal(d.allowed, c.allowed, d.reason);
        if (c.code) assert.equal(d.code, c.code);
        assert.equal(referenceAddress(doc, c.address, c.byNameAllowed ?? false).allowed, c.allowed);
        return;
      }
      const host = c.host!.replace(/^\[(.*)\]$/, '$1');
      const d = policy.decideNetwork({ host });
      assert.equal(d.allowed, c.allowed, `${d.reason}${c.why ? ` — ${c.why}` : ''}`);
      if (c.code) assert.equal(d.code, c.code);
      assert.equal(
        referenceNetwork(doc, { host }).allowed,
        c.allowed,
        'reference interpreter agrees',
      );
    });
  }

  it('reads every IPv4 spelling exactly as the WHATWG URL parser does', () => {
    for (const c of cases) {
      if (c.host === undefined || c.host.includes(':') || c.code === 'invalid') continue;
      const viaUrl = new URL(`http://${c.host}/`).hostname;
      assert.equal(canonicalIp(c.host), viaUrl, c.host);
    }
  });
});

describe('adversarial corpus: environment keys', () => {
  const { policy: text, cases } = corpus('env');
  const { doc, policy } = compiled(text);
  for (const c of cases) {
    it(label(c), () => {
      const d = policy.decideEnv(c.key!);
      assert.equal(d.allowed, c.allowed, d.reason);
      if (c.code) assert.equal(d.code, c.code);
      assert.equal(referenceEnv(doc, c.key!).allowed, c.allowed);
    });
  }
});
