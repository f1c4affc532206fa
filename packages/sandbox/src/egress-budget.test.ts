// Network limits of a policy (`network.limits` and a rule's `limits`),
// counted over every request a component makes, whatever call makes it.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { compilePolicy, readPolicy } from '@mcpkit/wasm-policy';
import { EgressError, EgressService } from './egress.js';
import { EgressBudget } from './egress-budget.js';

async function server(t: TestContext, handler: http.RequestListener): Promise<number> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => {
    s.closeAllConnections();
    s.close();
  });
  return (s.address() as AddressInfo).port;
}

function setup(yaml: string) {
  const read = readPolicy(`version: "1.0"\n${yaml}`);
  assert.ok(read.document, JSON.stringify(read.diagnostics));
  const policy = compilePolicy(read.document);
  const budget = new EgressBudget(read.document.network);
  // A new service per call, as the sandbox makes them; the budget is the component's.
  const fetchOnce = (url: string) =>
    new EgressService({
      policy,
      component: 'c',
      budget,
      resolver: async () => ['127.0.0.1'],
    }).fetch({ url });
  return { fetchOnce };
}

const code = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: EgressError) => e.code,
  );

describe('network limits', () => {
  it('requests_per_minute counts across calls and says when to retry', async (t) => {
    const port = await server(t, (_q, s) => s.end('hi'));
    const { fetchOnce } = setup(`network:
  allow: [{ cidr: "127.0.0.1/32" }]
  limits: { requests_per_minute: 3 }`);
    const url = `http://127.0.0.1:${port}/`;
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await code(fetchOnce(url)));
    assert.deepEqual(results, ['ok', 'ok', 'ok', 'limited']);
    const e = await fetchOnce(url).catch((x: EgressError) => x);
    assert.ok(e instanceof EgressError);
    assert.match(e.message, /`requests_per_minute` of the `network\.limits`; retry in \d+ s/);
  });

  it('concurrent_connections refuses a request while the limit is in flight, and frees on completion', async (t) => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const port = await server(t, (q, s) => {
      if (q.url === '/slow') void held.then(() => s.end('slow'));
      else s.end('fast');
    });
    const { fetchOnce } = setup(`network:
  allow: [{ cidr: "127.0.0.1/32" }]
  limits: { concurrent_connections: 1 }`);
    const slow = fetchOnce(`http://127.0.0.1:${port}/slow`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await code(fetchOnce(`http://127.0.0.1:${port}/fast`)), 'limited');
    release();
    await slow;
    assert.equal(await code(fetchOnce(`http://127.0.0.1:${port}/fast`)), 'ok');
  });

  it("max_response_size caps a response body below the service's own cap", async (t) => {
    const port = await server(t, (_q, s) => s.end('x'.repeat(5000)));
    const { fetchOnce } = setup(`network:
  allow: [{ cidr: "127.0.0.1/32", limits: { max_response_size: 1Ki } }]`);
    assert.equal(await code(fetchOnce(`http://127.0.0.1:${port}/`)), 'too-large');
  });

  it("a rule's limits apply to the requests that rule allows, not to others", async (t) => {
    const port = await server(t, (_q, s) => s.end('hi'));
    const { fetchOnce } = setup(`network:
  allow:
    - host: "limited.test"
      limits: { requests_per_minute: 1 }
    - host: "free.test"
    - cidr: "127.0.0.1/32"`);
    assert.equal(await code(fetchOnce(`http://limited.test:${port}/`)), 'ok');
    assert.equal(await code(fetchOnce(`http://limited.test:${port}/`)), 'limited');
    for (let i = 0; i < 3; i++)
      assert.equal(await code(fetchOnce(`http://free.test:${port}/`)), 'ok');
  });

  it('are read with diagnostics: a deny rule may not carry them, counts are whole numbers', () => {
    const r = readPolicy(`version: "1.0"
network:
  allow: [{ host: a.test, limits: { requests_per_minute: 0 } }]
  deny: [{ host: b.test, limits: { requests_per_minute: 5 } }]
  limits: { max_respons_size: 1Mi }`);
    const codes = r.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => `${d.code} ${d.pointer}`);
    assert.deepEqual(codes.sort(), [
      'invalid-limit /network/allow/0/limits/requests_per_minute',
      'limits-on-deny /network/deny/0/limits',
      'unknown-key /network/limits/max_respons_size',
    ]);
  });
});
