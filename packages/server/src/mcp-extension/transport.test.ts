import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compiled, policy, section } from './testing.js';

describe('transport', () => {
  it('defaults to stdio and http with the server defaults', () => {
    const want = { stdio: true, http: { allowedHosts: [], allowedOrigins: [] } };
    assert.deepEqual(compiled('version: "1.0"\nmcp:\n').transport, want);
    assert.deepEqual(compiled(policy('transport:')).transport, want);
    assert.deepEqual(compiled(policy('transport: { http: true }')).transport, want);
    assert.ok(Object.isFrozen(compiled(policy('transport:')).transport));
  });

  it('turns transports off', () => {
    assert.deepEqual(compiled(policy('transport: { stdio: false, http: false }')).transport, {
      stdio: false,
      http: false,
    });
  });

  it('normalises hosts and origins', () => {
    const t = compiled(
      policy(
        'transport:',
        '  http:',
        '    allowed_hosts: [LOCALHOST, "*.Example.com", "127.0.0.1:08080", "[::1]:3000", "localhost"]',
        '    allowed_origins: ["https://App.Example.com/", "http://localhost:3000"]',
      ),
    ).transport;
    assert.deepEqual(t.http, {
      allowedHosts: ['localhost', '*.example.com', '127.0.0.1:8080', '[::1]:3000'],
      allowedOrigins: ['https://app.example.com', 'http://localhost:3000'],
    });
  });

  it('accepts `websocket: false` quietly, and keeps what the document did not say apart', () => {
    const s = section(policy('transport: { websocket: false }'));
    assert.equal(s.transport?.websocket, false);
    assert.equal(s.transport?.stdio, undefined);
    assert.equal(s.transport?.http, undefined);
  });
});
