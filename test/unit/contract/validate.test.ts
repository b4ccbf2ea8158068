import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import {
  boundedDetail,
  type DeadLetterCode,
  decodeTransaction,
  MAX_DETAIL_LENGTH,
  MAX_MESSAGE_BYTES,
  SCHEMA_PATH,
  SCHEMA_PATHS,
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
  test('a schema_version nested 100,000 arrays deep is an unknown version, not a stack overflow', () => {
    const deep = `{"schema_version":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const verdict = decodeTransaction(Buffer.from(deep));
    assert.deepEqual(verdict.ok ? undefined : [verdict.code, verdict.detail.startsWith('schema_version an array;')], [
      'unknown_version',
      true,
    ]);
  });

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
    [
      'a version this consumer does not read',
      mutated((m) => Object.assign(m, { schema_version: 3 })),
      'unknown_version',
      /^schema_version 3; this consumer reads 1 and 2$/,
    ],
    ['a version written as text', mutated((m) => Object.assign(m, { schema_version: '1' })), 'unknown_version', /"1"/],
    [
      'a v1 message that says it is v2 (no components, no totals)',
      mutated((m) => Object.assign(m, { schema_version: 2 })),
      'schema',
      /tax_totals|taxes/,
    ],
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

/** Where a text field can carry a forbidden character; each is a path for the detail and a setter. */
const TEXT_FIELDS: [string, (message: TransactionMessage, text: string) => void][] = [
  ['/store/store_id', (m, text) => Object.assign(m.store, { store_id: text })],
  ['/store/name', (m, text) => Object.assign(m.store, { name: text })],
  ['/store/city', (m, text) => Object.assign(m.store, { city: text })],
  ['/store/region', (m, text) => Object.assign(m.store, { region: text })],
  ['/register_id', (m, text) => Object.assign(m, { register_id: text })],
  ['/cashier_id', (m, text) => Object.assign(m, { cashier_id: text })],
  ['/customer/customer_id', (m, text) => Object.assign(m.customer as object, { customer_id: text })],
  ['/customer/name', (m, text) => Object.assign(m.customer as object, { name: text })],
  ['/items/1/sku', (m, text) => Object.assign(m.items[1] as object, { sku: text })],
  ['/items/1/name', (m, text) => Object.assign(m.items[1] as object, { name: text })],
  ['/items/1/category', (m, text) => Object.assign(m.items[1] as object, { category: text })],
  ['/items/1/brand', (m, text) => Object.assign(m.items[1] as object, { brand: text })],
  [
    '/payment/card_brand',
    (m, text) =>
      Object.assign(m, {
        payment: { method: 'credit_card', card_brand: text, amount: m.total, tendered: null, change: null },
      }),
  ],
];

const hex = (code: number) => code.toString(16).toUpperCase().padStart(4, '0');
const CONTROL_CHARACTERS = [...Array.from({ length: 0x20 }, (_, i) => i), ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i)];

describe('control characters in text', () => {
  test('the card-paid sale the text cases start from is valid', () => {
    const message = validSale();
    (TEXT_FIELDS.at(-1) as (typeof TEXT_FIELDS)[number])[1](message, 'visa');
    const verdict = validateTransaction(message);
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
  });

  for (const [field, set] of TEXT_FIELDS) {
    test(`NUL in ${field} is a schema dead letter that names the field and the character`, () => {
      expectCode(
        mutated((m) => set(m, 'Bad\u0000Name')),
        'schema',
        new RegExp(`^${field} contains U\\+0000 at character 4;`),
      );
    });
  }

  test('every C0 and C1 control character (tab and line feed too) is refused, in a name and in an id', () => {
    for (const code of CONTROL_CHARACTERS) {
      for (const [field, set] of [TEXT_FIELDS[1], TEXT_FIELDS[8]] as (typeof TEXT_FIELDS)[number][]) {
        const verdict = validateTransaction(
          (() => {
            const message = validSale();
            set(message, `A${String.fromCharCode(code)}`);
            return message;
          })(),
        );
        assert.equal(verdict.ok, false, `U+${hex(code)} in ${field}`);
        if (!verdict.ok) assert.match(verdict.detail, new RegExp(`^${field} contains U\\+${hex(code)} at character 2;`));
      }
    }
  });

  test('an unpaired surrogate is refused; letters beyond ASCII and emoji are fine', () => {
    expectCode(
      mutated((m) => Object.assign(m.store, { name: 'Caf\uD800' })),
      'schema',
      /^\/store\/name contains U\+D800/,
    );
    expectCode(
      mutated((m) => Object.assign(m.store, { name: '\uDC00Caf' })),
      'schema',
      /^\/store\/name contains U\+DC00/,
    );
    const verdict = decodeTransaction(
      mutated((m) => Object.assign(m.store, { name: 'Café Zürich Ñandú 東京 🛒', city: 'São Paulo' })),
    );
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
  });

  test('NUL in the email is a schema dead letter too (its format allows no control characters)', () => {
    expectCode(
      mutated((m) => Object.assign(m.customer as object, { email: 'ana\u0000@example.com' })),
      'schema',
      /^\/customer\/email/,
    );
  });

  test("the JSON Schemas' text patterns refuse exactly the characters the code escapes in details", () => {
    const v1 = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { $defs: Record<string, { pattern?: string }> };
    const v2 = JSON.parse(readFileSync(SCHEMA_PATHS[2], 'utf8')) as typeof v1;
    assert.deepEqual([v2.$defs.text, v2.$defs.id], [v1.$defs.text, v1.$defs.id]);
    const schema = v1;
    const forbidden = /[\p{Cc}\p{Cs}]/u;
    for (const name of ['text', 'id']) {
      const pattern = new RegExp(schema.$defs[name]?.pattern ?? '', 'u');
      for (let code = 0; code <= 0xffff; code++) {
        const text = String.fromCharCode(code);
        assert.equal(pattern.test(text), !forbidden.test(text), `U+${hex(code)} in $defs.${name}`);
      }
      assert.ok(pattern.test('🛒'), `an emoji in $defs.${name}`);
    }
  });
});

describe('the store time zone and the offset of occurred_at', () => {
  const at = (occurredAt: string, timezone = 'America/New_York') =>
    validateTransaction({ ...validSale(), occurred_at: occurredAt, store: { ...validSale().store, timezone } });
  const accepted = (occurredAt: string, timezone?: string) => {
    const verdict = at(occurredAt, timezone);
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
  };
  const refused = (occurredAt: string, timezone: string | undefined, detail: RegExp) => {
    const verdict = at(occurredAt, timezone);
    assert.equal(verdict.ok, false, `${occurredAt} in ${timezone}`);
    if (!verdict.ok) {
      assert.equal(verdict.code, 'schema');
      assert.match(verdict.detail, detail);
    }
  };

  test('a zone that does not exist is a schema dead letter', () => {
    refused(
      '2026-03-06T12:31:05.120-05:00',
      'America/Springfield',
      /^\/store\/timezone "America\/Springfield" is not a time zone/,
    );
    refused('2026-03-06T12:31:05.120-05:00', 'Mars/Olympus_Mons', /is not a time zone/);
    refused('2026-03-06T12:31:05.120-05:00', 'EST5', /timezone/);
  });

  test("the zone's offset at that instant is accepted: winter, summer, no daylight saving, links and UTC", () => {
    accepted('2026-01-15T12:00:00.000-05:00');
    accepted('2026-07-15T12:00:00.000-04:00');
    accepted('2026-07-15T12:00:00.000-07:00', 'America/Phoenix');
    accepted('2026-07-15T12:00:00.000-10:00', 'Pacific/Honolulu');
    accepted('2026-07-15T12:00:00.000+05:45', 'Asia/Kathmandu');
    accepted('2026-07-15T12:00:00.000-04:00', 'US/Eastern');
    accepted('2026-07-15T12:00:00.000Z', 'Etc/UTC');
    accepted('2026-01-15T12:00:00.000+00:00', 'Europe/London');
    accepted('2026-01-15T12:00:00.000Z', 'Europe/London');
  });

  test('another offset is a schema dead letter whose detail gives the store-local time', () => {
    refused(
      '2026-03-06T12:31:05.120-04:00',
      undefined,
      /^\/occurred_at 2026-03-06T12:31:05\.120-04:00 has the offset -04:00, but America\/New_York is at -05:00 at that instant: the store's local time is 2026-03-06T11:31:05\.120-05:00$/,
    );
    refused('2026-07-15T12:00:00.000Z', undefined, /has the offset \+00:00, but America\/New_York is at -04:00/);
    refused('2026-07-15T12:00:00.000-07:00', 'America/Denver', /America\/Denver is at -06:00/);
    refused('2026-07-15T12:00:00.000+05:30', 'Asia/Kathmandu', /Asia\/Kathmandu is at \+05:45/);
  });

  test('around a change to summer time, to the millisecond', () => {
    accepted('2026-03-08T01:59:59.999-05:00');
    accepted('2026-03-08T03:00:00.000-04:00');
    // 02:30 does not exist that night in New York: written with -05:00 it is 03:30 summer time.
    refused(
      '2026-03-08T02:30:00.000-05:00',
      undefined,
      /is at -04:00 at that instant: the store's local time is 2026-03-08T03:30:00\.000-04:00/,
    );
    refused('2026-03-08T01:59:59.999-04:00', undefined, /is at -05:00/);
    // St. John's changes at 02:00 local = 05:30 UTC, in the middle of a UTC hour.
    accepted('2026-03-08T01:59:59.999-03:30', 'America/St_Johns');
    accepted('2026-03-08T03:00:00.000-02:30', 'America/St_Johns');
    refused('2026-03-08T01:59:59.999-02:30', 'America/St_Johns', /is at -03:30/);
    refused('2026-03-08T03:00:00.000-03:30', 'America/St_Johns', /is at -02:30/);
  });

  test('the hour repeated at the end of summer time exists with both offsets', () => {
    accepted('2026-11-01T01:30:00.000-04:00');
    accepted('2026-11-01T01:30:00.000-05:00');
    refused('2026-11-01T02:30:00.000-04:00', undefined, /is at -05:00/);
  });
});

describe('dead-letter details', () => {
  test('are at most 1,000 characters however much of the message they would quote', () => {
    const huge = mutated((m) => Object.assign(m, { schema_version: 'x'.repeat(100_000) }));
    const verdict = decodeTransaction(huge);
    assert.equal(verdict.ok, false);
    if (!verdict.ok) {
      assert.equal(verdict.code, 'unknown_version');
      assert.equal(verdict.detail.length, MAX_DETAIL_LENGTH);
      assert.ok(verdict.detail.endsWith('…'));
    }
  });

  test('escape the control characters they quote: PostgreSQL stores no NUL in text', () => {
    const verdict = decodeTransaction(Buffer.from(`nul\u0000l${' y'.repeat(5000)}`));
    assert.equal(verdict.ok, false);
    if (!verdict.ok) {
      assert.equal(verdict.code, 'invalid_json');
      assert.doesNotMatch(verdict.detail, /\p{Cc}/u);
      assert.match(verdict.detail, /\\u0000/);
      assert.ok(verdict.detail.length <= MAX_DETAIL_LENGTH);
    }
  });

  test('boundedDetail leaves a short detail alone and never splits a surrogate pair', () => {
    assert.equal(boundedDetail('/total must be a string'), '/total must be a string');
    assert.equal(boundedDetail('a\u0007b\u009Fc\uD800'), 'a\\u0007b\\u009Fc\\uD800');
    const cut = boundedDetail(`${'x'.repeat(MAX_DETAIL_LENGTH - 3)}🛒🛒🛒`);
    assert.ok(cut.length <= MAX_DETAIL_LENGTH);
    assert.ok(cut.isWellFormed(), 'no half of a surrogate pair is left');
    assert.ok(cut.endsWith('…'));
  });
});
