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

test('the text a message arrived as is hashed only when it is the canonical JSON: other spellings of it hash as the canonical form', () => {
  const message = validSale();
  const canonical = canonicalJson(message);
  const expected = payloadHash(message);
  const lineNo = `"line_no":${message.items[0]?.line_no}`;
  const spellings = [
    canonical,
    JSON.stringify(message, null, 2),
    `${canonical} `,
    canonical.replace('{"schema_version":1', '{"schema_version":1.0'),
    canonical.replace(lineNo, '"line_no":1e0'),
    canonical.replace(`"currency":"${message.currency}"`, `"currency":"${escaped(message.currency)}"`),
    canonical.replace('"type":"sale"', '"type":"sale","type":"sale"'),
    canonical.replace('"type":"sale"', '"type" : "sale"'),
  ];
  for (const text of spellings) {
    const parsed = JSON.parse(text) as TransactionMessage;
    assert.deepEqual(parsed, message, text);
    assert.deepEqual(payloadHash(parsed, text), expected, text);
  }
  // A number written otherwise at the same length (1e2 for 100) is not canonical either.
  const hundred = { ...message, items: message.items.map((item, i) => (i === 0 ? { ...item, line_no: 100 } : item)) };
  const hundredText = canonicalJson(hundred).replace('"line_no":100', '"line_no":1e2');
  assert.equal(hundredText.length, canonicalJson(hundred).length);
  assert.deepEqual(payloadHash(JSON.parse(hundredText) as TransactionMessage, hundredText), payloadHash(hundred));
});

/** Every character as a \\u escape. */
function escaped(text: string): string {
  return [...text].map((character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
}
