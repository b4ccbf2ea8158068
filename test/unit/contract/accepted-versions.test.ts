import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTransaction, validateTransaction } from '../../../src/contract/validate.ts';
import { validSale } from '../../fixtures/messages.ts';
import { validQuebecSale } from '../../fixtures/messages-v2.ts';

test('told to accept only v1 (pos consume --contract 1), the validator refuses a valid v2 message as unknown_version, saying how to accept it', () => {
  const v2 = validQuebecSale();
  assert.equal(validateTransaction(v2).ok, true);
  const verdict = decodeTransaction(Buffer.from(JSON.stringify(v2)), [1]);
  assert.equal(verdict.ok, false);
  assert.equal(!verdict.ok && verdict.code, 'unknown_version');
  assert.match(!verdict.ok ? verdict.detail : '', /schema_version 2; this consumer reads only 1 \(pos consume --contract\)/);
});

test('the versions accepted change nothing for a message of an accepted version, or for one of a version nobody reads', () => {
  assert.equal(validateTransaction(validSale(), [1]).ok, true);
  assert.equal(validateTransaction(validQuebecSale(), [2]).ok, true);
  const v3 = validateTransaction({ ...validSale(), schema_version: 3 });
  assert.equal(!v3.ok && v3.code, 'unknown_version');
  assert.match(!v3.ok ? v3.detail : '', /this consumer reads 1 and 2$/);
});
