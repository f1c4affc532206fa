// Pins the refusal codes of the HTTP transport and their wire mapping: clients may
// branch on `error.data.reason`, so changing one is a breaking change.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HTTP_REJECTION_CODES, quote, rejectionBody, rejectionStatus } from './http-errors.js';

describe('http rejection codes', () => {
  it('are exactly these, with these statuses', () => {
    assert.deepEqual(Object.fromEntries(HTTP_REJECTION_CODES.map((c) => [c, rejectionStatus(c)])), {
      'host-not-allowed': 403,
      'origin-not-allowed': 403,
      'not-found': 404,
      'method-not-allowed': 405,
      'body-too-large': 413,
      'unsupported-media-type': 415,
      'not-acceptable': 406,
      'parse-error': 400,
      'unsupported-protocol-version': 400,
      'session-required': 400,
      'session-not-found': 404,
      'too-many-sessions': 503,
      unauthorized: 401,
      'insufficient-scope': 403,
      'rate-limited': 429,
      'shutting-down': 503,
      'bad-http-request': 400,
      'internal-error': 500,
    });
  });

  it('are written as JSON-RPC errors with a null id', () => {
    assert.deepEqual(
      JSON.parse(rejectionBody('parse-error', 'the request body is not valid json')),
      {
        jsonrpc: '2.0',
        error: {
          code: -32700,
          message: 'the request body is not valid json',
          data: { reason: 'parse-error' },
        },
        id: null,
      },
    );
    assert.equal(JSON.parse(rejectionBody('session-not-found', 'x')).error.code, -32001);
    assert.equal(JSON.parse(rejectionBody('internal-error', 'x')).error.code, -32603);
  });

  it('quote bounds and backticks what a client sent', () => {
    assert.equal(quote('a`b'), "`a'b`");
    assert.equal(quote('x'.repeat(500)).length, 123);
  });
});
