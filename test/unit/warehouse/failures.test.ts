import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionUnavailable, classifyDatabaseError } from '../../../src/warehouse/failures.ts';

const withCode = (code: string) => Object.assign(new Error(`error ${code}`), { code });

test('an outage, a conflict between writers or a busy server is worth retrying', () => {
  for (const code of ['ECONNRESET', '08006', '40001', '40P01', '53300', '57P01']) {
    assert.equal(classifyDatabaseError(withCode(code)), 'transient', code);
  }
  assert.equal(classifyDatabaseError(new Error('Connection terminated unexpectedly')), 'transient');
  assert.equal(classifyDatabaseError(new ConnectionUnavailable(withCode('ECONNREFUSED'))), 'transient');
});

test('a missing database, schema or permission stops the run', () => {
  for (const code of ['3D000', '42P01', '42501', '28P01']) assert.equal(classifyDatabaseError(withCode(code)), 'fatal', code);
  assert.equal(classifyDatabaseError(new ConnectionUnavailable(withCode('3D000'))), 'fatal');
});

test('only data exceptions and broken constraints blame the rows', () => {
  for (const code of ['22003', '22P02', '23505', '23503']) assert.equal(classifyDatabaseError(withCode(code)), 'data', code);
  // A syntax error or an internal error is a bug: valid messages must not be dead-lettered for it.
  for (const code of ['42601', 'XX000']) assert.equal(classifyDatabaseError(withCode(code)), 'unexpected', code);
  assert.equal(classifyDatabaseError(new TypeError('undefined is not a function')), 'unexpected');
});
