import assert from 'node:assert/strict';
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
