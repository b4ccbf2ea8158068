import assert from 'node:assert/strict';
import { test } from 'node:test';
import { surelyConforms } from '../../../src/contract/conforms.ts';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import { matchesSchema, validateTransaction } from '../../../src/contract/validate.ts';
import { Random } from '../../../src/random.ts';
import { validSale } from '../../fixtures/messages.ts';
import { backfillLines, parse } from '../../fixtures/simulated.ts';

const simulated = parse(await backfillLines({ seed: 11, count: 400 }));

test('every message the simulator writes takes the quick path', () => {
  const slow = simulated.filter((message) => !surelyConforms(message));
  assert.deepEqual(slow, []);
  assert.ok(simulated.some((message) => message.type === 'return'));
  assert.ok(simulated.some((message) => message.items.some((line) => line.unit === 'kg')));
  assert.ok(simulated.some((message) => message.payment.method === 'cash'));
  assert.ok(simulated.some((message) => message.customer === null));
});

const astral = '\u{1F34E}';

/** Values any field may be given in place of its own: other types, and strings the schema's patterns are about. */
const ANYWHERE: unknown[] = [
  undefined,
  null,
  true,
  0,
  1,
  -1,
  1.5,
  '1',
  [],
  {},
  '',
  'x',
  '\u00a0',
  'a\u0000b',
  '\ud83c',
  '0.00',
  '12.34',
  '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  'sale',
  'each',
  'cash',
  'none',
  'US',
  'EUR',
];

/** Strings either side of the limits of `id` (64) and `text` (200), counted in characters, and the characters they refuse. */
const TEXTS = [
  'a'.repeat(64),
  'a'.repeat(65),
  'a'.repeat(200),
  'a'.repeat(201),
  'é'.repeat(200),
  astral.repeat(64),
  astral.repeat(65),
  astral.repeat(100),
  `a${astral}`,
  '\ud83c',
  'a\udf4eb',
  'a\u0000b',
  '\u001f',
  '\u0020',
  '\u007e',
  '\u007f',
  '\u0085',
  '\u009f',
  '\u00a0',
  '\u2028',
  '',
  'Fuji Apples',
];
const MONEY = [
  '0.00',
  '-0.00',
  '00.00',
  '1.0',
  '1.000',
  '-12.34',
  '999999999999.99',
  '1000000000000.00',
  '\uff11.00',
  '1.00\n',
  '.50',
];
const QUANTITIES = ['1', '0', '-1', '01', '0.5', '-0.5', '1.2345', '999999', '1000000', '-999999.999', '2.', '1.000'];
const UUIDS = [
  '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  '3FA85F64-5717-4562-B3FC-2C963F66AFA6',
  '3fa85f6457174562b3fc2c963f66afa6',
  '3fa85f64-5717-4562-b3fc-2c963f66afg6',
  ' 3fa85f64-5717-4562-b3fc-2c963f66afa6',
];
const ENUMS = [
  'sale',
  'return',
  'Sale',
  'each',
  'kg',
  'cash',
  'credit_card',
  'debit_card',
  'mobile_wallet',
  'gift_card',
  'voucher',
];

/** For a field by its name: values at and past the edges of what the schema allows there. */
const BORDERLINE: Record<string, unknown[]> = {
  schema_version: [1, 1.0, 2, '1', 0],
  transaction_id: UUIDS,
  original_transaction_id: [...UUIDS, null],
  type: ENUMS,
  store_id: TEXTS,
  name: TEXTS,
  city: TEXTS,
  region: TEXTS,
  register_id: TEXTS,
  cashier_id: TEXTS,
  customer_id: TEXTS,
  sku: TEXTS,
  category: TEXTS,
  brand: TEXTS,
  card_brand: [...TEXTS, null],
  country: ['US', 'USA', 'us', 'U', 'ÜS'],
  currency: ['EUR', 'EU', 'EURO', 'eur'],
  timezone: ['America/New_York', 'Etc/GMT+5', 'America/', '/x', 'a'.repeat(64), 'a'.repeat(65), `A/${'b'.repeat(62)}`],
  email: ['a@b.co', 'a@b', 'a b@c.de', 'A@B.CO', `${'a'.repeat(249)}@b.co`, `${'a'.repeat(250)}@b.co`, `a${astral}@b.co`],
  loyalty_tier: ['none', 'silver', 'gold', 'platinum', 'bronze', null],
  line_no: [0, 1, 2, 200, 201, 1.5, '1', -1],
  unit: ENUMS.concat('KG'),
  quantity: QUANTITIES,
  tax_rate: ['0.0825', '0.0000', '1.0000', '0.082', '0.08250', '-0.0825'],
  unit_price: MONEY,
  discount: MONEY,
  tax: MONEY,
  line_total: MONEY,
  subtotal: MONEY,
  discount_total: MONEY,
  tax_total: MONEY,
  total: MONEY,
  amount: MONEY,
  tendered: [...MONEY, null],
  change: [...MONEY, null],
  method: ENUMS,
  customer: [null],
};

const DATE_TIME_PARTS = {
  year: ['2024', '2025', '2100', '2000', '0000'],
  day: ['02-28', '02-29', '02-30', '04-30', '04-31', '01-31', '12-31', '13-01', '00-10', '01-00', '06-32'],
  time: ['23:59:59.999', '00:00:00.000', '24:00:00.000', '23:60:00.000', '23:59:60.000', '00:00:60.000', '12:30:60.500'],
  offset: ['Z', 'z', '+00:00', '-00:00', '-05:00', '+05:30', '+23:59', '-23:59', '+24:00', '+05:60', '+00:01', '-00:01'],
};

/** A date-time like `occurred_at`, one of its parts (year, month and day, time, offset) at or past a calendar's limits. */
function dateTime(random: Random): string {
  const parts = { year: '2025', day: '03-09', time: '10:15:00.000', offset: '-05:00' };
  const part = random.pick(Object.keys(parts)) as keyof typeof parts;
  parts[part] = random.pick(DATE_TIME_PARTS[part]);
  if (part === 'day') parts.year = random.pick(DATE_TIME_PARTS.year); // 29 February wants a leap year
  return `${parts.year}-${parts.day}T${parts.time}${parts.offset}`;
}

type Json = Record<string, unknown> | unknown[];

/** One random change somewhere in the message: a value replaced, a key added or removed, lines added or removed. */
function mutate(message: Json, random: Random, donors: TransactionMessage[]): void {
  let node: Json = message;
  const path: (string | number)[] = [];
  for (;;) {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_value, index) => index) : Object.keys(node);
    if (keys.length === 0 || random.chance(0.1)) break;
    const key = random.pick(keys);
    const child = (node as Record<string | number, unknown>)[key];
    if (child !== null && typeof child === 'object' && random.chance(0.75)) {
      path.push(key);
      node = child as Json;
      continue;
    }
    (node as Record<string | number, unknown>)[key] = replacement(random, [...path, key], donors);
    return;
  }
  if (Array.isArray(node)) {
    const length = random.pick([0, node.length - 1, node.length + 1, 200, 201]);
    const model = node[0] ?? {};
    node.length = Math.min(length, node.length);
    while (node.length < length) node.push(structuredClone(model));
  } else if (random.chance(0.5)) {
    const keys = Object.keys(node);
    if (keys.length > 0) delete node[random.pick(keys)];
  } else {
    node[random.pick(['extra', 'toString', 'Name'])] = random.pick(ANYWHERE);
  }
}

/**
 * A value for the field at `path`: one at the edge of what its kind allows, one of any kind,
 * or the value at the same place in another message (right in itself, maybe wrong beside the rest).
 */
function replacement(random: Random, path: (string | number)[], donors: TransactionMessage[]): unknown {
  const field = path[path.length - 1];
  const choice = random.int(0, 9);
  if (choice < 4) {
    if (field === 'occurred_at') return dateTime(random);
    const borderline = BORDERLINE[String(field)];
    if (borderline) return random.pick(borderline);
  }
  if (choice < 7) {
    let value: unknown = random.pick(donors);
    for (const key of path) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return random.pick(ANYWHERE);
      value = (value as Record<string | number, unknown>)[key];
    }
    return structuredClone(value);
  }
  return random.pick(ANYWHERE);
}

test('the quick path never accepts a message the schema refuses (differential, 30,000 mutants)', () => {
  const random = new Random(2026);
  const bases = [validSale(), ...simulated];
  const counts = { bothAccept: 0, schemaOnly: 0, bothRefuse: 0 };
  const wrong: string[] = [];
  for (let i = 0; i < 30_000; i++) {
    const mutant = structuredClone(random.pick(bases)) as unknown as Json;
    const changes = random.chance(0.6) ? 1 : random.int(2, 3);
    for (let change = 0; change < changes; change++) mutate(mutant, random, simulated);
    const quick = surelyConforms(mutant);
    const schema = matchesSchema(mutant);
    if (quick && !schema) wrong.push(JSON.stringify(mutant));
    else if (quick) counts.bothAccept++;
    else if (schema) counts.schemaOnly++;
    else counts.bothRefuse++;
  }
  assert.deepEqual(wrong.slice(0, 3), [], `${wrong.length} mutants accepted by the quick path and refused by the schema`);
  // Both sides were exercised: many mutants stay valid (a value swapped for another message's), most do not.
  assert.ok(counts.bothAccept > 3000, JSON.stringify(counts));
  assert.ok(counts.bothRefuse > 10_000, JSON.stringify(counts));
  // And the quick path is not so cautious that valid messages often miss it.
  assert.ok(counts.schemaOnly < counts.bothAccept / 20, JSON.stringify(counts));
});

test('what the quick path leaves to the schema is still accepted when the schema accepts it', () => {
  const astralName = validSale();
  astralName.store.name = `Apple ${astral.repeat(100)}`; // 106 characters, 206 UTF-16 units
  const leapSecond = validSale();
  leapSecond.occurred_at = '2026-06-30T23:59:60.000Z';
  for (const message of [astralName, leapSecond]) {
    assert.equal(surelyConforms(message), false);
    assert.equal(matchesSchema(message), true);
  }
  assert.equal(validateTransaction(astralName).ok, true);
});
