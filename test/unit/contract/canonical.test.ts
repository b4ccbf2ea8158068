import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { canonicalJson, payloadHash } from '../../../src/contract/canonical.ts';
import type { TransactionMessage, TransactionMessageV2 } from '../../../src/contract/message.ts';
import { decodeTransaction } from '../../../src/contract/validate.ts';
import { validSale } from '../../fixtures/messages.ts';
import { PROVINCE_TAXES, toV2, validQuebecSale } from '../../fixtures/messages-v2.ts';
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

const sha256 = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest();

/** The message with the keys of every object in reverse order, taxes and totals included. */
function reversedKeys<T>(message: T): T {
  return JSON.parse(JSON.stringify(message), (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).reverse())
      : value,
  ) as T;
}

test('v2: canonical JSON is what JSON.stringify makes of a message in the contract order, taxes after tax and tax_totals after tax_total', async () => {
  const messages: TransactionMessageV2[] = [validQuebecSale(), toV2(validSale())];
  for (const line of await backfillLines({ seed: 5, count: 60 })) {
    const message = JSON.parse(line.toString()) as TransactionMessage;
    messages.push(toV2(message), toV2(message, PROVINCE_TAXES.QC));
  }
  for (const message of messages) {
    const canonical = canonicalJson(message);
    assert.equal(canonical, JSON.stringify(message));
    assert.equal(canonicalJson(reversedKeys(message)), canonical);
    assert.deepEqual(payloadHash(reversedKeys(message)), sha256(canonical));
    assert.deepEqual(payloadHash(message, canonical), sha256(canonical));
  }
  const canonical = canonicalJson(validQuebecSale());
  assert.ok(canonical.includes('"tax":"1.50","taxes":[{"code":"GST","jurisdiction":"CA","rate":"0.05000","amount":"0.50"},'));
  assert.ok(canonical.includes('"tax_total":"2.02","tax_totals":[{"code":"GST","jurisdiction":"CA","amount":"0.67"},'));
});

test('v2: a component or a tax total whose keys come in another order hashes as the canonical form', () => {
  const message = validQuebecSale();
  const expected = sha256(canonicalJson(message));
  const component = reversedKeys(message);
  Object.assign(component, {
    items: message.items.map((item, i) => (i === 0 ? { ...item, taxes: reversedKeys(item.taxes) } : item)),
  });
  const swapped = structuredClone(message);
  swapped.tax_totals[1] = { amount: '1.35', code: 'QST', jurisdiction: 'CA-QC' } as TransactionMessageV2['tax_totals'][number];
  for (const variant of [component, swapped]) {
    const text = JSON.stringify(variant);
    assert.notEqual(text, canonicalJson(message));
    assert.equal(text.length, canonicalJson(message).length);
    assert.deepEqual(payloadHash(variant, text), expected);
  }
  // A change inside a component is a change of content.
  const changed = validQuebecSale();
  (changed.items[0]?.taxes[1] as { rate: string }).rate = '0.099750';
  assert.notDeepEqual(payloadHash(changed), expected);
});

test("text beyond ASCII (é, à, emoji, U+2028) takes the canonical text's fast path to the same hash as the canonical form", () => {
  const message = validQuebecSale();
  Object.assign(message.store, { name: 'Épicerie à la Côte-des-Neiges 🍁', city: 'Montréal' });
  Object.assign(message.items[2] as object, { name: 'Savon\u2028à vaisselle ™', brand: 'Ça brille' });
  const canonical = canonicalJson(message);
  assert.equal(canonical, JSON.stringify(message));
  // UTF-16 units and UTF-8 bytes differ in count here: the fast path counts the former, the hash takes the latter.
  assert.notEqual(Buffer.byteLength(canonical), canonical.length);
  const expected = sha256(canonical);
  const bytes = Buffer.from(canonical, 'utf8');
  const spellings = [
    bytes,
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]),
    Buffer.from(canonical.replace('Montréal', 'Montr\\u00e9al'), 'utf8'),
    Buffer.from(canonical.replace('🍁', '\\ud83c\\udf41'), 'utf8'),
    Buffer.from(JSON.stringify(message, null, 1), 'utf8'),
    Buffer.from(JSON.stringify(reversedKeys(message)), 'utf8'),
  ];
  for (const value of spellings) {
    const verdict = decodeTransaction(value);
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
    assert.deepEqual(verdict.message, message);
    assert.deepEqual(payloadHash(verdict.message, verdict.text), expected, value.toString());
  }
  // The same letters decomposed (e + U+0301) are other text: another payload, hashed as its own canonical form.
  const decomposed = structuredClone(message);
  decomposed.store.city = 'Montréal'.normalize('NFD');
  const text = canonicalJson(decomposed);
  const verdict = decodeTransaction(Buffer.from(text, 'utf8'));
  assert.ok(verdict.ok);
  assert.deepEqual(payloadHash(verdict.message, verdict.text), sha256(text));
  assert.notDeepEqual(sha256(text), expected);
});
