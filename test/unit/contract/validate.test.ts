import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import {
  type DeadLetterCode,
  decodeTransaction,
  MAX_MESSAGE_BYTES,
  validateTransaction,
} from '../../../src/contract/validate.ts';
import { validSale } from '../../fixtures/messages.ts';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

function expectCode(value: Uint8Array | null, code: DeadLetterCode, detail?: RegExp) {
  const verdict = decodeTransaction(value);
  assert.equal(verdict.ok, false, 'expected a dead letter');
  if (verdict.ok) return;
  assert.equal(verdict.code, code, verdict.detail);
  if (detail) assert.match(verdict.detail, detail);
}

function mutated(change: (message: TransactionMessage) => void): Buffer {
  const message = validSale();
  change(message);
  return bytes(message);
}

describe('decodeTransaction', () => {
  test('accepts a valid sale', () => {
    const verdict = decodeTransaction(bytes(validSale()));
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
  });

  test('accepts a valid return of it: negative quantities and amounts, refunded in cash without change', () => {
    const verdict = validateTransaction({
      ...validSale(),
      transaction_id: '0b9f2c4e-1d3a-4e5f-8a7b-9c0d1e2f3a4b',
      type: 'return',
      original_transaction_id: '5b2a7c1e-8f0d-4c3a-9b1e-2d4f6a8c0e13',
      items: [
        {
          ...(validSale().items[1] as TransactionMessage['items'][number]),
          line_no: 1,
          quantity: '-1',
          tax: '-0.52',
          line_total: '-6.49',
        },
      ],
      subtotal: '-6.49',
      discount_total: '0.00',
      tax_total: '-0.52',
      total: '-7.01',
      payment: { method: 'cash', card_brand: null, amount: '-7.01', tendered: '-7.01', change: '0.00' },
    });
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
  });

  const cases: [string, Uint8Array | null, DeadLetterCode, RegExp?][] = [
    ['no value (a tombstone)', null, 'invalid_json', /no value/],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_utf8'],
    ['text that is not JSON', Buffer.from('{"transaction_id": '), 'invalid_json'],
    ['JSON that is not an object', Buffer.from('[1,2,3]'), 'schema'],
    ['a value over the size limit', Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20), 'too_large'],
    ['a newer schema version', mutated((m) => Object.assign(m, { schema_version: 2 })), 'unknown_version', /schema_version 2/],
    ['a missing field', mutated((m) => Reflect.deleteProperty(m, 'total')), 'schema', /total/],
    ['an unknown field', mutated((m) => Object.assign(m, { coupon: 'X' })), 'schema', /additional properties/],
    ['money as a number', mutated((m) => Object.assign(m, { total: 22.87 })), 'schema', /\/total/],
    ['money with three places', mutated((m) => Object.assign(m, { total: '22.870' })), 'schema', /\/total/],
    [
      'a fractional quantity of an each item',
      mutated((m) => Object.assign(m.items[1] as object, { quantity: '1.5' })),
      'schema',
      /quantity/,
    ],
    ['a bad transaction id', mutated((m) => Object.assign(m, { transaction_id: 'not-a-uuid' })), 'schema', /transaction_id/],
    [
      'a time without offset',
      mutated((m) => Object.assign(m, { occurred_at: '2026-03-06T12:31:05.120' })),
      'schema',
      /occurred_at/,
    ],
    [
      'an impossible date',
      mutated((m) => Object.assign(m, { occurred_at: '2026-02-30T12:31:05.120-05:00' })),
      'schema',
      /occurred_at/,
    ],
    ['no items', mutated((m) => Object.assign(m, { items: [] })), 'schema', /items/],
    ['a card brand on cash', mutated((m) => Object.assign(m.payment, { card_brand: 'visa' })), 'schema', /card_brand/],
    [
      'a sale with an original transaction',
      mutated((m) => Object.assign(m, { original_transaction_id: m.transaction_id })),
      'schema',
    ],
    [
      'a wrong line total',
      mutated((m) => Object.assign(m.items[0] as object, { line_total: '1.94' })),
      'arithmetic',
      /items\[0\]\.line_total/,
    ],
    ['a wrong line tax', mutated((m) => Object.assign(m.items[1] as object, { tax: '1.55' })), 'arithmetic', /items\[1\]\.tax/],
    ['a wrong subtotal', mutated((m) => Object.assign(m, { subtotal: '21.30' })), 'arithmetic', /subtotal/],
    ['a wrong total', mutated((m) => Object.assign(m, { total: '22.88' })), 'arithmetic', /total/],
    [
      'a payment that is not the total',
      mutated((m) => Object.assign(m.payment, { amount: '22.00' })),
      'arithmetic',
      /payment\.amount/,
    ],
    ['wrong change', mutated((m) => Object.assign(m.payment, { change: '7.00' })), 'arithmetic', /change/],
    [
      'tendered less than the total',
      mutated((m) => Object.assign(m.payment, { tendered: '20.00', change: '-2.87' })),
      'arithmetic',
      /change/,
    ],
    ['lines out of order', mutated((m) => Object.assign(m.items[1] as object, { line_no: 3 })), 'arithmetic', /line_no/],
    [
      'a negative quantity in a sale',
      mutated((m) => Object.assign(m.items[1] as object, { quantity: '-3', tax: '-1.56', line_total: '-19.47' })),
      'arithmetic',
      /positive in a sale/,
    ],
    [
      'a discount above the line amount',
      mutated((m) => Object.assign(m.items[0] as object, { discount: '2.00', line_total: '-0.06', tax: '0.00' })),
      'arithmetic',
      /exceeds/,
    ],
  ];
  for (const [what, value, code, detail] of cases) {
    test(`dead-letters ${what} as ${code}`, () => expectCode(value, code, detail));
  }
});
