import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  DuplicateExtensionError,
  InvalidExtensionError,
  InvalidPolicyError,
  POLICY_ERROR_CODES,
  PolicyError,
} from './errors.js';

it('pins the error codes of the public API', () => {
  assert.deepEqual(
    [...POLICY_ERROR_CODES],
    ['duplicate-extension', 'invalid-extension', 'invalid-policy'],
  );
  const made = [
    new DuplicateExtensionError('x'),
    new InvalidExtensionError('m'),
    new InvalidPolicyError('m'),
  ];
  assert.deepEqual(
    made.map((e) => e.code),
    [...POLICY_ERROR_CODES],
  );
  for (const e of made) assert.ok(e instanceof PolicyError);
});
