import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { canonicalJson, payloadHash } from '../../../src/contract/canonical.ts';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import { validSale } from '../../fixtures/messages.ts';
import { backfillLines } from '../../fixtures/simulated.ts';

test('the payload hash ignores key order and spacing, and sees any change of content', () => {
  const message = validSale();
  const reordered = JSON.parse(
    JSON.stringify(Object.fromEntries(Object.entries(message).reverse()), null, 2),
  ) as TransactionMessage;
  assert.deepEqual(payloadHash(reordered), payloadHash(message));
  const changed = validSale();
  (changed.items[0] as { name: string }).name = 'Organic Fuji Apples';
  assert.notDeepEqual(payloadHash(changed), payloadHash(message));
});

test('canonical JSON is what JSON.stringify makes of the message, and what the simulator writes', async () => {
  assert.equal(canonicalJson(validSale()), JSON.stringify(validSale()));
  for (const line of await backfillLines({ seed: 3, count: 300 })) {
    assert.equal(canonicalJson(JSON.parse(line.toString()) as TransactionMessage), line.toString());
  }
});

test('the payload hash is the SHA-256 of the canonical JSON, whether the keys came in the contract order or not', async () => {
  const sha256 = (text: string) => createHash('sha256').update(text).digest();
  for (const line of await backfillLines({ seed: 4, count: 50 })) {
    const inOrder = JSON.parse(line.toString()) as TransactionMessage;
    const reversed = JSON.parse(line.toString(), (_key, value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    ) as TransactionMessage;
    assert.deepEqual(payloadHash(inOrder), sha256(canonicalJson(inOrder)));
    assert.deepEqual(payloadHash(reversed), sha256(canonicalJson(inOrder)));
  }
  // A key the contract does not have is not part of the canonical form.
  const extra = { ...validSale(), note: 'x' } as TransactionMessage;
  assert.deepEqual(payloadHash(extra), payloadHash(validSale()));
});
