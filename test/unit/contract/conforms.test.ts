import assert from 'node:assert/strict';
import { test } from 'node:test';
import { surelyConforms } from '../../../src/contract/conforms.ts';
import type { AnyTransactionMessage } from '../../../src/contract/message.ts';
import { matchesSchema, validateTransaction } from '../../../src/contract/validate.ts';
import { Random } from '../../../src/plumbing/random.ts';
import { validSale } from '../../fixtures/messages.ts';
import { PROVINCE_TAXES, toV2, validQuebecSale } from '../../fixtures/messages-v2.ts';
import { astral, type Json, mutate, mutateTaxes } from '../../fixtures/mutants.ts';
import { backfillLines, parse } from '../../fixtures/simulated.ts';

const simulated = parse(await backfillLines({ seed: 11, count: 400 }));
/** The same messages in contract v2: by the v1 mapping (the US chain's v2), or with a province's taxes on each taxed line. */
const provinces = Object.values(PROVINCE_TAXES);
const simulatedV2 = simulated.map((message, i) => toV2(message, i % 3 === 0 ? undefined : provinces[i % provinces.length]));

test('every message the simulator writes takes the quick path', () => {
  const slow = simulated.filter((message) => !surelyConforms(message));
  assert.deepEqual(slow, []);
  assert.ok(simulated.some((message) => message.type === 'return'));
  assert.ok(simulated.some((message) => message.items.some((line) => line.unit === 'kg')));
  assert.ok(simulated.some((message) => message.payment.method === 'cash'));
  assert.ok(simulated.some((message) => message.customer === null));
});

test('every v2 message takes the quick path, and is valid', () => {
  const messages = [validQuebecSale(), ...simulatedV2];
  assert.deepEqual(
    messages.filter((message) => !surelyConforms(message)),
    [],
  );
  for (const message of messages) {
    const verdict = validateTransaction(message);
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
  }
  assert.ok(simulatedV2.some((message) => message.items.some((line) => line.taxes.length === 2)));
  assert.ok(simulatedV2.some((message) => message.tax_totals.length === 0));
});

for (const [contract, bases] of [
  ['v1', () => [validSale(), ...simulated]],
  ['v2', () => [validQuebecSale(), ...simulatedV2]],
  ['v1 and v2 mixed', () => [validSale(), validQuebecSale(), ...simulated.slice(0, 200), ...simulatedV2.slice(200)]],
] as const) {
  test(`the quick path never accepts a message the schema refuses (differential, ${contract}, 30,000 mutants)`, () =>
    differential(bases()));
}

function differential(bases: AnyTransactionMessage[]): void {
  const random = new Random(2026);
  const counts = { bothAccept: 0, schemaOnly: 0, bothRefuse: 0 };
  const wrong: string[] = [];
  for (let i = 0; i < 30_000; i++) {
    const mutant = structuredClone(random.pick(bases)) as unknown as Json;
    const changes = random.chance(0.6) ? 1 : random.int(2, 3);
    for (let change = 0; change < changes; change++) {
      // Half the changes to a v2 message go where v2 differs from v1.
      if ((mutant as { schema_version?: unknown }).schema_version === 2 && random.chance(0.5)) mutateTaxes(mutant, random, bases);
      else mutate(mutant, random, bases);
    }
    const quick = surelyConforms(mutant);
    const schema = matchesSchema(mutant);
    // The checks after the schema (the zone, the arithmetic) take whatever it accepts without throwing.
    if (schema) assert.doesNotThrow(() => validateTransaction(mutant), JSON.stringify(mutant));
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
}

test('what the quick path leaves to the schema is still accepted when the schema accepts it', () => {
  const astralName = validSale();
  astralName.store.name = `Apple ${astral.repeat(100)}`; // 106 characters, 206 UTF-16 units
  assert.equal(surelyConforms(astralName), false);
  assert.equal(matchesSchema(astralName), true);
  assert.equal(validateTransaction(astralName).ok, true);
});

test('a leap second is refused alike by the quick path, the schema and the validator: a schema dead letter', () => {
  // 23:59:60 UTC written in the store's zone, and second 60 where no leap second can be.
  const times = [
    '2026-06-30T19:59:60.000-04:00',
    '2026-06-30T23:59:60.000Z',
    '2016-12-31T18:59:60.999-05:00',
    '2026-03-06T12:30:60.500-05:00',
    '2026-12-31T23:59:60.000-05:00',
  ];
  for (const occurredAt of times) {
    const message = validSale();
    message.occurred_at = occurredAt;
    assert.equal(surelyConforms(message), false, occurredAt);
    assert.equal(matchesSchema(message), false, occurredAt);
    const verdict = validateTransaction(message);
    assert.equal(verdict.ok, false, occurredAt);
    assert.equal(!verdict.ok && verdict.code, 'schema', occurredAt);
    assert.match(
      !verdict.ok ? verdict.detail : '',
      /^\/occurred_at .* is a leap second; the contract takes seconds 00–59/,
      occurredAt,
    );
  }
});
