import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AUDIT_ERROR_CODES, AuditError, AuditUnavailableError } from './errors.js';

it('pins the error codes of the audit log', () => {
  assert.deepEqual(
    [...AUDIT_ERROR_CODES],
    [
      'audit-unavailable',
      'audit-corrupt',
      'audit-locked',
      'invalid-entry',
      'invalid-option',
      'invalid-key',
    ],
  );
  const e = new AuditUnavailableError(
    '/x/audit.log',
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
  );
  assert.ok(e instanceof AuditError);
  assert.equal(e.code, 'audit-unavailable');
  assert.match(
    e.message,
    /`\/x\/audit\.log` cannot be written \(ENOSPC: no space left on device, write\); calls are refused/,
  );
});
