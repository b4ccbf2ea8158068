import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { payloadHash } from '../../src/contract/canonical.ts';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { decodeTransaction } from '../../src/contract/validate.ts';
import { consume } from '../../src/ingest/consumer.ts';
import { ensureTopics } from '../../src/kafka/admin.ts';
import { createLogger } from '../../src/plumbing/logger.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { CRASH_ALWAYS, CRASH_ONCE } from '../fixtures/crashing-prepare-worker.ts';
import { fuzzInputs } from '../fixtures/fuzz-corpus.ts';
import { validSale } from '../fixtures/messages.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { runCli, type TestDatabase, testBrokers, testKafka, uniqueName } from './support/environment.ts';
import { produceValues } from './support/topics.ts';
import { migratedWarehouse } from './support/warehouse.ts';

/** What should become of each offset, worked out from the bytes alone: landed, a duplicate, or a dead letter of this code. */
function expectedOutcomes(values: Buffer[]): string[] {
  const firstHash = new Map<string, string>();
  return values.map((value) => {
    const verdict = decodeTransaction(value);
    if (!verdict.ok) return verdict.code;
    const id = verdict.message.transaction_id.toLowerCase();
    const hash = payloadHash(verdict.message, verdict.text).toString('hex');
    const first = firstHash.get(id);
    if (first === undefined) {
      firstHash.set(id, hash);
      return 'landed';
    }
    return first === hash ? 'duplicate' : 'conflict';
  });
}

/** What became of each offset in the warehouse: landed, a dead letter's code, or nothing (a duplicate leaves nothing). */
async function actualOutcomes(warehouse: Warehouse, topic: string, count: number): Promise<string[]> {
  const outcomes: string[][] = Array.from({ length: count }, () => []);
  const landed = await warehouse.query<{ offset: string }>(
    'select source_offset::text as "offset" from pos.fact_transaction where source_topic = $1',
    [topic],
  );
  for (const { offset } of landed) outcomes[Number(offset)]?.push('landed');
  const letters = await warehouse.query<{ offset: string; code: string }>(
    'select "offset"::text as "offset", error_code as code from pos.dead_letter where topic = $1',
    [topic],
  );
  for (const { offset, code } of letters) outcomes[Number(offset)]?.push(code);
  return outcomes.map((found) => (found.length === 0 ? 'duplicate' : found.join('+')));
}

describe('no single message stops the pipeline', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
  });
  after(() => close());

  test('200 valid messages, a leap second and a fuzz corpus: one `pos consume --until-idle` run lands every valid one and makes each bad one exactly one dead letter', {
    timeout: 240_000,
  }, async () => {
    const topic = uniqueName('poison');
    const lines = await backfillLines({ seed: 77, count: 200 });
    // A leap second in the store's zone: 23:59:60 UTC, in New York's summer time.
    const leap = validSale();
    leap.transaction_id = '1eab5ec0-0000-4000-8000-000000000060';
    leap.occurred_at = '2026-06-30T19:59:60.000-04:00';
    const corpus = fuzzInputs(41, 400, [validSale(), ...parse(lines.slice(0, 50))]);
    const values = [...lines.slice(0, 100), Buffer.from(JSON.stringify(leap)), ...lines.slice(100), ...corpus];
    await ensureTopics(testKafka(), [{ name: topic, partitions: 1 }]);
    await produceValues(
      topic,
      values.map((value) => ({ partition: 0, value })),
    );
    const expected = expectedOutcomes(values);

    const result = await runCli(['consume', '--topic', topic, '--group', uniqueName('group'), '--until-idle', '4s'], {
      env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(',') },
    });

    assert.equal(result.code, 0, result.stderr.slice(-3000));
    assert.deepEqual(await actualOutcomes(warehouse, topic, values.length), expected);
    // Every simulated message landed; the leap second is a schema dead letter that says why, with its bytes.
    assert.deepEqual(expected.slice(0, 100).concat(expected.slice(101, 201)), Array(200).fill('landed'));
    const letter = await warehouse.query<{ code: string; detail: string; raw: Buffer }>(
      'select error_code as code, error_detail as detail, raw_value as raw from pos.dead_letter where topic = $1 and "offset" = 100',
      [topic],
    );
    assert.equal(letter[0]?.code, 'schema');
    assert.match(letter[0]?.detail ?? '', /is a leap second/);
    assert.deepEqual(letter[0]?.raw, values[100]);
    // The corpus exercised both sides.
    const corpusOutcomes = new Set(expected.slice(201));
    for (const outcome of ['landed', 'schema', 'invalid_json']) assert.ok(corpusOutcomes.has(outcome), outcome);
  });

  test('a message that crashes the preparing thread, and a crash that does not come back: the run still ends exact', {
    timeout: 240_000,
  }, async () => {
    const topic = uniqueName('crash');
    const messages = parse(await backfillLines({ seed: 78, count: 120 }));
    const marked = (message: TransactionMessage, marker: string) => {
      const copy = structuredClone(message);
      copy.store.name = `${copy.store.name} ${marker}`;
      return Buffer.from(JSON.stringify(copy));
    };
    const values: Buffer[] = messages.map((message) => Buffer.from(JSON.stringify(message)));
    values[40] = marked(messages[40] as TransactionMessage, CRASH_ALWAYS);
    values[90] = marked(messages[90] as TransactionMessage, CRASH_ONCE);
    await ensureTopics(testKafka(), [{ name: topic, partitions: 1 }]);
    await produceValues(
      topic,
      values.map((value) => ({ partition: 0, value })),
    );
    const folder = await mkdtemp(join(tmpdir(), 'pos-crash-'));
    process.env.POS_TEST_CRASH_ONCE_FILE = join(folder, 'crashed-once');
    try {
      const totals = await consume({
        kafka: testKafka(),
        topic,
        group: uniqueName('group'),
        warehouse,
        logger: createLogger({ level: 'silent' }),
        untilIdleMs: 3000,
        batchSize: 50,
        preparerEntry: new URL('../fixtures/crashing-prepare-worker.ts', import.meta.url),
      });
      assert.equal(totals.deadLetters, 1);
    } finally {
      delete process.env.POS_TEST_CRASH_ONCE_FILE;
      await rm(folder, { recursive: true, force: true });
    }
    const outcomes = await actualOutcomes(warehouse, topic, values.length);
    assert.deepEqual(
      outcomes,
      values.map((_value, offset) => (offset === 40 ? 'unprocessable' : 'landed')),
    );
    const letter = await warehouse.query<{ raw: Buffer; detail: string }>(
      'select raw_value as raw, error_detail as detail from pos.dead_letter where topic = $1',
      [topic],
    );
    assert.deepEqual(letter[0]?.raw, values[40]);
    assert.match(letter[0]?.detail ?? '', /failed the preparing thread twice/);
  });
});
