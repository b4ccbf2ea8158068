import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  canonicalInventoryJson,
  decodeInventoryEvent,
  INVENTORY_EVENT_FIELDS,
  INVENTORY_LINE_FIELDS,
  INVENTORY_SCHEMA_NAME,
  INVENTORY_SCHEMA_PATH,
  type InventoryEvent,
  inventoryPayloadHash,
  MAX_INVENTORY_LINES,
  MAX_INVENTORY_MESSAGE_BYTES,
  validateInventoryEvent,
} from '../../../src/contract/inventory.ts';
import { DEAD_LETTER_CODES, type DeadLetterCode, MAX_DETAIL_LENGTH, SCHEMA_PATH } from '../../../src/contract/validate.ts';
import { Random } from '../../../src/plumbing/random.ts';
import { type Json, mutate } from '../../fixtures/mutants.ts';

/** A delivery of two products, one sold by weight: the example of the design. */
function validReceipt(): InventoryEvent {
  return {
    schema_version: 1,
    event_id: '019a0c7e-8f00-7abc-8def-0123456789ab',
    type: 'receipt',
    reason: 'delivery',
    occurred_at: '2026-03-02T07:00:00.000-05:00',
    store_id: 'S001',
    timezone: 'America/Toronto',
    reference: 'PO-S001-000042',
    lines: [
      { sku: 'PROD001', unit: 'each', quantity: '48' },
      { sku: 'SKU-00012', unit: 'kg', quantity: '12.500' },
    ],
  };
}

function validOpening(): InventoryEvent {
  return {
    schema_version: 1,
    event_id: '019a0c7e-8f00-7abc-8def-0123456789a0',
    type: 'adjustment',
    reason: 'opening',
    occurred_at: '2026-03-01T00:00:00.000-05:00',
    store_id: 'S001',
    timezone: 'America/Toronto',
    reference: null,
    lines: [
      { sku: 'PROD001', unit: 'each', quantity: '100' },
      { sku: 'PROD002', unit: 'each', quantity: '50' },
      { sku: 'SKU-00012', unit: 'kg', quantity: '40' },
    ],
  };
}

/** A weekly count in summer time: shrink and an item found. */
function validCount(): InventoryEvent {
  return {
    schema_version: 1,
    event_id: '019b2f10-3c00-7abc-8def-0123456789ab',
    type: 'adjustment',
    reason: 'count',
    occurred_at: '2026-07-12T21:30:00.000-04:00',
    store_id: 'S001',
    timezone: 'America/Toronto',
    reference: null,
    lines: [
      { sku: 'PROD003', unit: 'each', quantity: '-2' },
      { sku: 'PROD014', unit: 'each', quantity: '1' },
      { sku: 'SKU-00012', unit: 'kg', quantity: '-0.350' },
    ],
  };
}

function validUnsellableReturn(): InventoryEvent {
  return {
    schema_version: 1,
    event_id: '019a1d2e-4b00-7abc-8def-0123456789ab',
    type: 'adjustment',
    reason: 'unsellable_return',
    occurred_at: '2026-03-06T12:45:10.250-05:00',
    store_id: 'S001',
    timezone: 'America/Toronto',
    reference: '0b9f2c4e-1d3a-4e5f-8a7b-9c0d1e2f3a4b',
    lines: [{ sku: 'PROD003', unit: 'each', quantity: '-1' }],
  };
}

const VALID = [validReceipt, validOpening, validCount, validUnsellableReturn];

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const sha256 = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest();

function mutated(change: (event: InventoryEvent) => void, base = validReceipt): Buffer {
  const event = base();
  change(event);
  return bytes(event);
}

function accepted(value: Uint8Array): InventoryEvent {
  const verdict = decodeInventoryEvent(value);
  assert.ok(verdict.ok, verdict.ok ? '' : `${verdict.code}: ${verdict.detail}`);
  return verdict.event;
}

function expectCode(value: Uint8Array | null, code: DeadLetterCode, detail?: RegExp) {
  const verdict = decodeInventoryEvent(value);
  assert.equal(verdict.ok, false, 'expected a dead letter');
  if (verdict.ok) return;
  assert.equal(verdict.code, code, verdict.detail);
  if (detail) assert.match(verdict.detail, detail);
}

const lines = (count: number, quantity = '1') =>
  Array.from({ length: count }, (_, i) => ({ sku: `SKU-${String(i).padStart(5, '0')}`, unit: 'each' as const, quantity }));

describe('decodeInventoryEvent', () => {
  test('accepts an event of each reason, rebuilt in the contract order, hashed as its canonical JSON', () => {
    assert.equal(INVENTORY_SCHEMA_NAME, 'pos.inventory.v1');
    for (const valid of VALID) {
      const text = JSON.stringify(valid());
      const verdict = decodeInventoryEvent(Buffer.from(text));
      assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
      assert.deepEqual(verdict.event, valid());
      assert.equal(JSON.stringify(verdict.event), text);
      assert.deepEqual(verdict.hash, sha256(text));
    }
  });

  test('accepts the edges: 10,000 lines, the largest quantities, a 200-character reference, ids of 64 astral characters', () => {
    accepted(mutated((e) => Object.assign(e, { lines: lines(MAX_INVENTORY_LINES, '999999') })));
    accepted(
      mutated(
        (e) =>
          Object.assign(e, {
            lines: [
              { sku: 'A', unit: 'kg', quantity: '-999999.999' },
              { sku: 'B', unit: 'kg', quantity: '0.001' },
              { sku: 'C', unit: 'each', quantity: '-999999' },
            ],
          }),
        validCount,
      ),
    );
    accepted(mutated((e) => Object.assign(e, { reference: 'é'.repeat(200), store_id: '\u{1F34E}'.repeat(64) })));
    accepted(mutated((e) => Object.assign(e.lines[0] as object, { sku: 'Café Zürich 東京 🛒' })));
  });

  test('accepts an upper-case event_id and keeps it lower case', () => {
    const event = accepted(mutated((e) => Object.assign(e, { event_id: e.event_id.toUpperCase() })));
    assert.equal(event.event_id, validReceipt().event_id);
  });

  test("a key written twice counts once, the last as JSON.parse reads it (the sales contract's rule)", () => {
    const text = JSON.stringify(validReceipt()).replace('"type":"receipt"', '"type":"adjustment","type":"receipt"');
    assert.deepEqual(accepted(Buffer.from(text)), validReceipt());
    expectCode(
      Buffer.from(JSON.stringify(validReceipt()).replace('"type":"receipt"', '"type":"receipt","type":"adjustment"')),
      'schema',
      /^\/reason is "delivery"; the reason of an adjustment is/,
    );
  });

  const cases: [string, Uint8Array | null, DeadLetterCode, RegExp][] = [
    ['no value (a tombstone)', null, 'invalid_json', /no value/],
    ['an empty value', Buffer.alloc(0), 'invalid_json', /no value/],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_utf8', /UTF-8/],
    ['text that is not JSON', Buffer.from('{"event_id": '), 'invalid_json', /JSON/],
    ['a value over the size limit', Buffer.alloc(MAX_INVENTORY_MESSAGE_BYTES + 1, 0x20), 'too_large', /over the limit/],
    ['JSON that is not an object', Buffer.from('[1,2,3]'), 'schema', /^\(message\) is an array of 3 items; expected an object$/],
    ['JSON null', Buffer.from('null'), 'schema', /^\(message\) is null/],
    [
      'version 2',
      mutated((e) => Object.assign(e, { schema_version: 2 })),
      'unknown_version',
      /^schema_version 2; this consumer reads 1$/,
    ],
    ['a version written as text', mutated((e) => Object.assign(e, { schema_version: '1' })), 'unknown_version', /"1"/],
    ['a fractional version', mutated((e) => Object.assign(e, { schema_version: 1.5 })), 'unknown_version', /1\.5/],
    ['no version', mutated((e) => Reflect.deleteProperty(e, 'schema_version')), 'schema', /^\/schema_version is missing$/],
    ['a missing field', mutated((e) => Reflect.deleteProperty(e, 'reference')), 'schema', /^\/reference is missing$/],
    [
      'a missing quantity',
      mutated((e) => Reflect.deleteProperty(e.lines[1] as object, 'quantity')),
      'schema',
      /^\/lines\/1\/quantity is missing$/,
    ],
    ['an unknown field', mutated((e) => Object.assign(e, { note: 'x' })), 'schema', /^\/note is not a field of the contract$/],
    [
      'an unknown field in a line',
      mutated((e) => Object.assign(e.lines[0] as object, { price: '1.00' })),
      'schema',
      /^\/lines\/0\/price is not/,
    ],
    [
      '__proto__ as a key',
      Buffer.from(JSON.stringify(validReceipt()).replace('{', '{"__proto__":{"type":"adjustment"},')),
      'schema',
      /^\/__proto__ is not a field of the contract$/,
    ],
    [
      'a bad event id',
      mutated((e) => Object.assign(e, { event_id: 'not-a-uuid' })),
      'schema',
      /^\/event_id is "not-a-uuid"; expected a UUID/,
    ],
    [
      'an unknown type',
      mutated((e) => Object.assign(e, { type: 'transfer' })),
      'schema',
      /^\/type is "transfer"; expected "receipt" or "adjustment"$/,
    ],
    ['an unknown reason', mutated((e) => Object.assign(e, { reason: 'theft' }), validCount), 'schema', /^\/reason is "theft"/],
    [
      'a receipt counted',
      mutated((e) => Object.assign(e, { reason: 'count' })),
      'schema',
      /^\/reason is "count"; the reason of a receipt is delivery$/,
    ],
    [
      'an adjustment delivered',
      mutated((e) => Object.assign(e, { reason: 'delivery' }), validCount),
      'schema',
      /^\/reason is "delivery"; the reason of an adjustment is opening, count or unsellable_return$/,
    ],
    [
      'a time without offset',
      mutated((e) => Object.assign(e, { occurred_at: '2026-03-02T07:00:00.000' })),
      'schema',
      /^\/occurred_at is .*; expected an RFC 3339/,
    ],
    [
      'a time without milliseconds',
      mutated((e) => Object.assign(e, { occurred_at: '2026-03-02T07:00:00-05:00' })),
      'schema',
      /^\/occurred_at/,
    ],
    [
      'an impossible date',
      mutated((e) => Object.assign(e, { occurred_at: '2026-02-30T07:00:00.000-05:00' })),
      'schema',
      /^\/occurred_at is .*; expected a date and time that exists/,
    ],
    [
      'a leap second',
      mutated((e) => Object.assign(e, { occurred_at: '2026-06-30T19:59:60.000-04:00' })),
      'schema',
      /^\/occurred_at .* is a leap second/,
    ],
    [
      "another offset than the zone's",
      mutated((e) => Object.assign(e, { occurred_at: '2026-03-02T07:00:00.000-04:00' })),
      'schema',
      /^\/occurred_at 2026-03-02T07:00:00\.000-04:00 has the offset -04:00, but America\/Toronto is at -05:00 at that instant: the store's local time is 2026-03-02T06:00:00\.000-05:00$/,
    ],
    [
      'UTC in Toronto',
      mutated((e) => Object.assign(e, { occurred_at: '2026-03-02T12:00:00.000Z' })),
      'schema',
      /has the offset \+00:00, but America\/Toronto is at -05:00/,
    ],
    [
      'a zone that does not exist',
      mutated((e) => Object.assign(e, { timezone: 'America/Springfield' })),
      'schema',
      /^\/timezone "America\/Springfield" is not a time zone/,
    ],
    [
      'a bare offset for a zone',
      mutated((e) => Object.assign(e, { timezone: '-05:00' })),
      'schema',
      /^\/timezone is "-05:00"; expected the name of an IANA time zone/,
    ],
    ['an empty store id', mutated((e) => Object.assign(e, { store_id: '' })), 'schema', /^\/store_id /],
    ['a store id of 65 characters', mutated((e) => Object.assign(e, { store_id: 'S'.repeat(65) })), 'schema', /^\/store_id .*64/],
    [
      'NUL in the store id',
      mutated((e) => Object.assign(e, { store_id: 'S\u00001' })),
      'schema',
      /^\/store_id contains U\+0000 at character 2;/,
    ],
    [
      'a tab in a sku',
      mutated((e) => Object.assign(e.lines[1] as object, { sku: 'SKU\t1' })),
      'schema',
      /^\/lines\/1\/sku contains U\+0009 at character 4;/,
    ],
    [
      'an unpaired surrogate in the reference',
      mutated((e) => Object.assign(e, { reference: 'PO\uD800' })),
      'schema',
      /^\/reference contains U\+D800/,
    ],
    [
      'a reference of 201 characters',
      mutated((e) => Object.assign(e, { reference: 'R'.repeat(201) })),
      'schema',
      /^\/reference .*200/,
    ],
    [
      'a reference as a number',
      mutated((e) => Object.assign(e, { reference: 42 })),
      'schema',
      /^\/reference is 42; expected a string$/,
    ],
    ['no lines', mutated((e) => Object.assign(e, { lines: [] })), 'schema', /^\/lines has 0 items; expected 1 to 10000$/],
    [
      '10,001 lines',
      mutated((e) => Object.assign(e, { lines: lines(MAX_INVENTORY_LINES + 1) })),
      'schema',
      /^\/lines has 10001 items; expected 1 to 10000$/,
    ],
    [
      'lines as an object',
      mutated((e) => Object.assign(e, { lines: {} })),
      'schema',
      /^\/lines is an object; expected an array$/,
    ],
    [
      'a line that is not an object',
      mutated((e) => Object.assign(e, { lines: ['PROD001'] })),
      'schema',
      /^\/lines\/0 is "PROD001"; expected an object$/,
    ],
    [
      'an unknown unit',
      mutated((e) => Object.assign(e.lines[1] as object, { unit: 'lb' })),
      'schema',
      /^\/lines\/1\/unit is "lb"; expected "each" or "kg"$/,
    ],
    [
      'a fraction of an each item',
      mutated((e) => Object.assign(e.lines[0] as object, { quantity: '1.5' })),
      'schema',
      /^\/lines\/0\/quantity is "1\.5"; expected a whole number for unit each/,
    ],
    [
      'four places of kg',
      mutated((e) => Object.assign(e.lines[1] as object, { quantity: '1.2345' })),
      'schema',
      /^\/lines\/1\/quantity is "1\.2345"; expected a decimal string/,
    ],
    [
      'a million of an item',
      mutated((e) => Object.assign(e.lines[0] as object, { quantity: '1000000' })),
      'schema',
      /^\/lines\/0\/quantity/,
    ],
    [
      'a quantity as a number',
      mutated((e) => Object.assign(e.lines[0] as object, { quantity: 48 })),
      'schema',
      /^\/lines\/0\/quantity is 48; expected a string$/,
    ],
    [
      'a zero each quantity',
      mutated((e) => Object.assign(e.lines[0] as object, { quantity: '0' }), validCount),
      'schema',
      /^\/lines\/0\/quantity is "0"; expected a whole number/,
    ],
    [
      'a zero kg quantity',
      mutated((e) => Object.assign(e.lines[2] as object, { quantity: '0.000' }), validCount),
      'schema',
      /^\/lines\/2\/quantity is "0\.000"; a quantity is never zero$/,
    ],
    [
      'a negative zero kg quantity',
      mutated((e) => Object.assign(e.lines[1] as object, { quantity: '-0' })),
      'schema',
      /^\/lines\/1\/quantity is "-0"; a quantity is never zero$/,
    ],
    [
      'a negative delivery',
      mutated((e) => Object.assign(e.lines[1] as object, { quantity: '-12.500' })),
      'schema',
      /^\/lines\/1\/quantity is "-12\.500"; a delivery adds stock: its quantities are positive \(reason delivery\)$/,
    ],
    [
      'negative opening stock',
      mutated((e) => Object.assign(e.lines[2] as object, { quantity: '-40' }), validOpening),
      'schema',
      /^\/lines\/2\/quantity is "-40"; opening stock is positive/,
    ],
    [
      'an unsellable return that adds stock',
      mutated((e) => Object.assign(e.lines[0] as object, { quantity: '1' }), validUnsellableReturn),
      'schema',
      /^\/lines\/0\/quantity is "1"; an unsellable return writes stock off: its quantities are negative/,
    ],
    [
      'a sku twice',
      mutated((e) => e.lines.push({ sku: 'PROD001', unit: 'each', quantity: '2' })),
      'schema',
      /^\/lines\/2\/sku "PROD001" is also \/lines\/0\/sku; an event has each sku at most once$/,
    ],
    [
      'a sku twice in other units',
      mutated((e) => e.lines.push({ sku: 'SKU-00012', unit: 'each', quantity: '-1' }), validCount),
      'schema',
      /^\/lines\/3\/sku "SKU-00012" is also \/lines\/2\/sku/,
    ],
  ];
  for (const [what, value, code, detail] of cases) {
    test(`dead-letters ${what} as ${code}`, () => expectCode(value, code, detail));
  }

  test('skus differing in case only are different skus', () => {
    accepted(mutated((e) => e.lines.push({ sku: 'prod001', unit: 'each', quantity: '2' })));
  });

  test('the hour repeated at the end of summer time exists with both offsets; the hour skipped does not', () => {
    const at = (occurredAt: string) => mutated((e) => Object.assign(e, { occurred_at: occurredAt }), validCount);
    accepted(at('2026-11-01T01:30:00.000-04:00'));
    accepted(at('2026-11-01T01:30:00.000-05:00'));
    accepted(at('2026-03-08T03:00:00.000-04:00'));
    expectCode(at('2026-03-08T02:30:00.000-05:00'), 'schema', /the store's local time is 2026-03-08T03:30:00\.000-04:00$/);
    accepted(mutated((e) => Object.assign(e, { occurred_at: '2026-07-12T21:30:00.000Z', timezone: 'Etc/UTC' })));
  });
});

describe('inventory dead-letter details', () => {
  test('are at most 1,000 characters and escape what they quote, however large or odd the value', () => {
    const values = [
      mutated((e) => Object.assign(e, { schema_version: 'x'.repeat(100_000) })),
      mutated((e) => Object.assign(e, { [`k\u0000${'y'.repeat(5000)}`]: 1 })),
      mutated((e) => Object.assign(e, { type: `\u0007${'t'.repeat(5000)}` })),
      Buffer.from(`nul\u0000l${' y'.repeat(5000)}`),
    ];
    for (const value of values) {
      const verdict = decodeInventoryEvent(value);
      assert.equal(verdict.ok, false);
      if (verdict.ok) continue;
      assert.ok(verdict.detail.length <= MAX_DETAIL_LENGTH, verdict.detail.slice(0, 100));
      assert.doesNotMatch(verdict.detail, /\p{Cc}/u);
    }
  });

  test('describe a deeply nested or huge value without serializing it (which would overflow the stack)', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expectCode(Buffer.from(`{"schema_version":${deep}}`), 'unknown_version', /^schema_version an array of 1 item;/);
    expectCode(Buffer.from(`${deep}`), 'schema', /^\(message\) is an array/);
    const receipt = JSON.stringify(validReceipt());
    expectCode(
      Buffer.from(receipt.replace('"reference":"PO-S001-000042"', `"reference":${deep}`)),
      'schema',
      /^\/reference is an array of 1 item/,
    );
    expectCode(
      Buffer.from(receipt.replace('"schema_version":1', '"schema_version":1e400')),
      'unknown_version',
      /^schema_version Infinity;/,
    );
    expectCode(
      Buffer.from(receipt.replace('"quantity":"48"', '"quantity":123456789012345678901234567890')),
      'schema',
      /^\/lines\/0\/quantity is 1\.2345678901234568e\+29; expected a string$/,
    );
  });
});

describe('the canonical form and the payload hash', () => {
  test('equal for the same event re-encoded: spacing, key order, the case of the id, escapes, 1.0 for 1, a byte order mark', () => {
    for (const valid of VALID) {
      const event = valid();
      const canonical = JSON.stringify(event);
      const expected = sha256(canonical);
      assert.equal(canonicalInventoryJson(event), canonical);
      assert.deepEqual(inventoryPayloadHash(event), expected);
      const spellings = [
        canonical,
        JSON.stringify(event, null, 2),
        JSON.stringify(reversedKeys(event)),
        canonical.replace(event.event_id, event.event_id.toUpperCase()),
        canonical.replace('"schema_version":1', '"schema_version":1.0'),
        canonical.replace('"store_id":"S001"', '"store_id":"\\u0053001"'),
        canonical.replace(`"sku":"${event.lines[0]?.sku}"`, `"sku" : "${event.lines[0]?.sku}" `),
        `\ufeff${canonical}`,
      ];
      for (const text of spellings) {
        const verdict = decodeInventoryEvent(Buffer.from(text, 'utf8'));
        assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
        assert.deepEqual(verdict.hash, expected, text);
        assert.deepEqual(inventoryPayloadHash(verdict.event), expected);
      }
      // Keys in another order and an upper-case id give the same canonical JSON when asked directly, too.
      const reordered = reversedKeys({ ...event, event_id: event.event_id.toUpperCase() });
      assert.equal(canonicalInventoryJson(reordered), canonical);
    }
  });

  test('different for any change of content, the order of the lines and the spelling of a quantity included', () => {
    const expected = inventoryPayloadHash(validReceipt());
    const changes: ((event: InventoryEvent) => void)[] = [
      (e) => Object.assign(e.lines[0] as object, { quantity: '47' }),
      (e) => Object.assign(e.lines[1] as object, { quantity: '12.5' }),
      (e) => Object.assign(e.lines[0] as object, { sku: 'PROD002' }),
      (e) => e.lines.reverse(),
      (e) => Object.assign(e, { reference: null }),
      (e) => Object.assign(e, { occurred_at: '2026-03-02T07:00:00.001-05:00' }),
      (e) => Object.assign(e, { event_id: '019a0c7e-8f00-7abc-8def-0123456789ac' }),
      (e) => Object.assign(e, { store_id: 'S002' }),
    ];
    for (const change of changes) {
      const verdict = decodeInventoryEvent(mutated(change));
      assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
      assert.notDeepEqual(verdict.hash, expected, change.toString());
    }
  });
});

describe('the schema file', () => {
  const schema = JSON.parse(readFileSync(INVENTORY_SCHEMA_PATH, 'utf8')) as {
    required: string[];
    properties: Record<string, { maxItems?: number }>;
    $defs: Record<string, unknown> & { line: { required: string[]; properties: object } };
  };
  const sales = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as {
    properties: Record<string, unknown> & { store: { properties: Record<string, unknown> } };
    $defs: Record<string, unknown>;
  };

  test("shares the sales contract's definitions of ids, text, UUIDs, times and zones", () => {
    for (const name of ['id', 'text', 'uuid']) assert.deepEqual(schema.$defs[name], sales.$defs[name], name);
    // The same time, told of its own zone field.
    const { description: _, ...occurredAt } = schema.properties.occurred_at as { description: string };
    const { description: __, ...salesOccurredAt } = sales.properties.occurred_at as { description: string };
    assert.deepEqual(occurredAt, salesOccurredAt);
    assert.deepEqual(schema.properties.timezone, sales.properties.store.properties.timezone);
  });

  test('lists the fields in the order of the code, and the same limit of lines', () => {
    assert.deepEqual(schema.required, [...INVENTORY_EVENT_FIELDS]);
    assert.deepEqual(Object.keys(schema.properties), [...INVENTORY_EVENT_FIELDS]);
    assert.deepEqual(schema.$defs.line.required, [...INVENTORY_LINE_FIELDS]);
    assert.deepEqual(Object.keys(schema.$defs.line.properties), [...INVENTORY_LINE_FIELDS]);
    assert.equal(schema.properties.lines?.maxItems, MAX_INVENTORY_LINES);
  });
});

/** The event with the keys of every object in reverse order. */
function reversedKeys<T>(event: T): T {
  return JSON.parse(JSON.stringify(event), (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).reverse())
      : value,
  ) as T;
}

// Fuzz: any bytes end as a valid event or as exactly one dead-letter code, and nothing throws.

const EXTREME_TIMES = [
  '2026-06-30T19:59:60.000-04:00',
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59.999-23:59',
  '0000-01-01T00:00:00.000+23:59',
  '1883-11-18T12:03:58.000-04:56',
  '2026-03-08T02:30:00.000-05:00',
  '2026-11-01T01:30:00.000-04:00',
  '2026-03-02T07:00:00.000-05:00 ',
  '2026-03-02T07:00:00.00-05:00',
];
const EXTREME_ZONES = [
  'America/Toronto',
  'US/Eastern',
  'EST5EDT',
  'Etc/GMT+5',
  'Factory',
  'localtime',
  'America/Nowhere',
  'a'.repeat(64),
];
const HUGE_NUMBERS = ['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0', '0.1e1', '1.0', '9007199254740993'];
const QUANTITIES = ['1', '-1', '0', '-0', '0.000', '0.001', '-0.001', '1.5', '999999', '-999999.999', '1000000', '01', '1.'];

function fuzzInputs(seed: number, count: number): Buffer[] {
  const random = new Random(seed);
  const bases = VALID.map((valid) => valid());
  return Array.from({ length: count }, () => fuzzInput(random, bases));
}

function fuzzInput(random: Random, bases: readonly InventoryEvent[]): Buffer {
  const base = structuredClone(random.pick(bases));
  const text = JSON.stringify(base);
  switch (random.int(0, 11)) {
    case 0:
      return Buffer.from(Array.from({ length: random.int(0, 200) }, () => random.int(0, 255)));
    case 1: {
      // Cut short, or with a stray byte in it.
      const value = Buffer.from(text);
      if (random.chance(0.5)) return value.subarray(0, random.int(0, value.length));
      value[random.int(0, value.length - 1)] = random.int(0, 255);
      return value;
    }
    case 2:
      return bytes({
        ...base,
        occurred_at: random.pick(EXTREME_TIMES),
        timezone: random.chance(0.5) ? random.pick(EXTREME_ZONES) : base.timezone,
      });
    case 3: {
      const numbers = [...text.matchAll(/"-?\d+(\.\d+)?"|(?<=:)-?\d+/g)];
      const match = random.pick(numbers);
      const at = match.index ?? 0;
      return Buffer.from(`${text.slice(0, at)}${random.pick(HUGE_NUMBERS)}${text.slice(at + match[0].length)}`);
    }
    case 4: {
      const depth = random.pick([64, 1000, 100_000]);
      const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      if (random.chance(0.3)) return Buffer.from(deep);
      const field = random.pick(['schema_version', 'reference', 'lines', 'type', 'extra']);
      return Buffer.from(text.replace(/^\{/, `{"${field}":${deep},`));
    }
    case 5: {
      // __proto__ and constructor as keys, and keys written twice (JSON.parse keeps the last).
      const key = random.pick(['__proto__', 'constructor', 'event_id', 'lines', 'reason', 'type']);
      const value = random.pick([
        '{"polluted":true}',
        'null',
        '"x"',
        '[]',
        '"receipt"',
        '"count"',
        JSON.stringify(base.event_id),
      ]);
      return Buffer.from(
        random.chance(0.5) ? text.replace(/^\{/, `{"${key}":${value},`) : text.replace(/\}$/, `,"${key}":${value}}`),
      );
    }
    case 6:
      return random.pick([
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
        Buffer.from(` \n\t${text}\r\n`),
        Buffer.from(text, 'utf16le'),
        Buffer.from(text.replace('"S001"', '"Störe"'), 'latin1'),
      ]);
    case 7:
      return random.pick([
        Buffer.alloc(0),
        Buffer.from('null'),
        Buffer.from('[]'),
        Buffer.from('{}'),
        Buffer.from('1'),
        Buffer.from(`[${text}]`),
      ]);
    case 8: {
      // The rules beside the schema: the type and reason of another event, a quantity of another sign, a sku repeated.
      const other = random.pick(bases);
      if (random.chance(0.3)) Object.assign(base, { type: other.type, reason: random.chance(0.5) ? other.reason : base.reason });
      const line = random.pick(base.lines);
      if (random.chance(0.6)) line.quantity = random.pick(QUANTITIES);
      if (random.chance(0.3)) base.lines.push({ ...random.pick(base.lines) });
      return bytes(base);
    }
    default: {
      const event = base as unknown as Json;
      const changes = random.int(1, 3);
      for (let change = 0; change < changes; change++) mutate(event, random, bases);
      return bytes(event);
    }
  }
}

test('any bytes end as a valid event or as exactly one dead-letter code with a bounded detail, and nothing throws (fuzz, 4,000 inputs)', () => {
  const codes = new Map<string, number>();
  let valid = 0;
  for (const [index, value] of fuzzInputs(2026, 4000).entries()) {
    const verdict = decodeInventoryEvent(value);
    if (verdict.ok) {
      valid++;
      // A valid event is valid again as its canonical JSON, with the same hash.
      const again = validateInventoryEvent(JSON.parse(canonicalInventoryJson(verdict.event)));
      assert.ok(again.ok, `input ${index}`);
      assert.deepEqual(again.hash, verdict.hash, `input ${index}`);
      assert.equal(verdict.hash.length, 32);
      continue;
    }
    assert.ok(DEAD_LETTER_CODES.includes(verdict.code), `input ${index}: ${verdict.code}`);
    assert.ok(verdict.detail.length > 0 && verdict.detail.length <= MAX_DETAIL_LENGTH, `input ${index}`);
    codes.set(verdict.code, (codes.get(verdict.code) ?? 0) + 1);
  }
  const seen = JSON.stringify({ valid, ...Object.fromEntries(codes) });
  // Nothing needed the safety net: a case that makes a check throw is a gap in the checks.
  assert.equal(codes.get('unprocessable') ?? 0, 0, seen);
  assert.ok(valid > 300, seen);
  for (const code of ['invalid_utf8', 'invalid_json', 'unknown_version', 'schema'])
    assert.ok((codes.get(code) ?? 0) > 20, `${code}: ${seen}`);
});
