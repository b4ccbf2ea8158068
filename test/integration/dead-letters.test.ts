import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { DeadLetterOutbox } from '../../src/ingest/dead-letter-outbox.ts';
import { replayDeadLetters } from '../../src/ingest/replay.ts';
import { ensureTopics, partitionBounds, withAdmin } from '../../src/kafka/admin.ts';
import { PLAINTEXT } from '../../src/kafka/security.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/database.ts';
import { migrateWarehouse } from '../../src/warehouse/migrate.ts';
import type { DeadLetterRow } from '../../src/warehouse/rows.ts';
import {
  claimDeadLetters,
  markDeadLettersPublished,
  markDeadLettersRefused,
  releaseDeadLetterClaims,
} from '../../src/warehouse/sql/dead-letter-outbox.ts';
import { DeadLettersNotStored, insertDeadLetters } from '../../src/warehouse/sql/insert-dead-letters.ts';
import { validSale } from '../fixtures/messages.ts';
import {
  type CliResult,
  createTestDatabase,
  runCli,
  type TestDatabase,
  testBrokers,
  testKafka,
  uniqueName,
} from './support/environment.ts';
import { consumeAll } from './support/topics.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse, migrateFirst, snapshot } from './support/warehouse.ts';

function cli(database: TestDatabase, ...args: string[]): Promise<CliResult> {
  return runCli(args, {
    env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: process.env.LOG_LEVEL },
  });
}

function letter(
  topic: string | null,
  offset: number,
  value: Buffer | string,
  fields: Partial<DeadLetterRow> = {},
): DeadLetterRow {
  return {
    topicId: null,
    topic,
    partition: topic === null ? null : 0,
    offset: topic === null ? null : BigInt(offset),
    key: Buffer.from(`key-${offset}`),
    rawValue: Buffer.from(value),
    errorCode: 'schema',
    errorDetail: '/store/timezone must be a string',
    ...fields,
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function dlqSize(topic: string): Promise<number> {
  const { partitions: bounds } = await partitionBounds(testKafka(), `${topic}.DLQ`);
  return bounds.reduce((sum, { start, end }) => sum + Number(end - start), 0);
}

describe('dead letters too large for one send: pos consume publishes them all to <topic>.DLQ', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  const topic = uniqueName('oversized');
  // Over the contract's 512 KiB, so each is a too_large dead letter; together far over the DLQ
  // topic's 1 MiB; the last two over it even alone.
  const sizes = [900 * 1024, 1_200_000, 1_500_000];
  const values = sizes.map((size, i) => Buffer.alloc(size, 0x61 + i));

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
    await withAdmin(testKafka(), (admin) =>
      admin.createTopics({
        topics: [topic],
        partitions: 1,
        replicas: -1,
        configs: [{ name: 'max.message.bytes', value: String(4 * 1024 * 1024) }],
      }),
    );
    await ensureTopics(testKafka(), [{ name: topic, partitions: 1 }]);
    const producer = new Producer({ clientId: 'test-oversized', bootstrapBrokers: testBrokers(), acks: ProduceAcks.ALL });
    try {
      await producer.send({
        messages: [
          ...values.map((value, i) => ({ topic, key: Buffer.from(`big-${i}`), value })),
          { topic, key: Buffer.from('sale'), value: Buffer.from(JSON.stringify(validSale())) },
        ],
      });
    } finally {
      await producer.close();
    }
  });
  after(() => close());

  test('three oversized letters reach the DLQ topic, truncated where needed, with their headers; the table keeps every byte', {
    timeout: 180_000,
  }, async () => {
    const result = await cli(database, 'consume', '--topic', topic, '--group', uniqueName('oversized'), '--until-idle', '4s');
    assert.equal(result.code, 0, result.stderr);

    const stored = await warehouse.query<{
      offset: string;
      raw_value: Uint8Array;
      published_at: Date | null;
      error_code: string;
    }>('select "offset"::text as "offset", raw_value, published_at, error_code from pos.dead_letter order by "offset"');
    assert.deepEqual(
      stored.map((row) => [row.offset, row.error_code, row.raw_value.length, sha256(row.raw_value)]),
      values.map((value, i) => [String(i), 'too_large', value.length, sha256(value)]),
    );
    assert.ok(stored.every((row) => row.published_at !== null));

    const published = await consumeAll(testBrokers(), `${topic}.DLQ`, 3);
    assert.equal(published.length, 3);
    assert.equal(await dlqSize(topic), 3);
    for (const [i, message] of published.entries()) {
      const original = values[i] as Buffer;
      assert.equal(message.key, `big-${i}`);
      assert.equal(message.headers['error-code'], 'too_large');
      assert.equal(message.headers['error-detail'], `${original.length} bytes, over the limit of 524288`);
      assert.equal(message.headers['source-topic'], topic);
      assert.equal(message.headers['source-partition'], '0');
      assert.equal(message.headers['source-offset'], String(i));
      assert.ok(message.value.length < 1_048_588);
      assert.deepEqual(message.value, original.subarray(0, message.value.length));
    }
    const [whole, ...cut] = published;
    assert.equal(whole?.value.length, sizes[0]);
    assert.equal(whole?.headers.truncated, undefined);
    for (const [i, message] of cut.entries()) {
      const original = values[i + 1] as Buffer;
      assert.equal(message.headers.truncated, 'true');
      assert.equal(message.headers['original-size'], String(original.length));
      assert.equal(message.headers['original-sha256'], sha256(original));
      assert.ok(message.value.length > 1_000_000, 'keeps as much as fits');
    }
  });
});

for (const kind of ['server', 'embedded'] as const)
  describe(`the dead-letter outbox on the ${kind} database`, () => {
    let warehouse: Warehouse;
    let close: () => Promise<void>;
    const good = uniqueName('dlq_good');
    const compacted = uniqueName('dlq_compacted');

    before(async () => {
      ({ warehouse, close } = kind === 'server' ? await migratedWarehouse() : await migratedEmbeddedWarehouse());
      await ensureTopics(testKafka(), [{ name: `${good}.DLQ`, partitions: 1 }]);
      // A compacted topic refuses records without a key: a realistic letter Kafka refuses.
      await withAdmin(testKafka(), (admin) =>
        admin.createTopics({
          topics: [`${compacted}.DLQ`],
          partitions: 1,
          replicas: -1,
          configs: [{ name: 'cleanup.policy', value: 'compact' }],
        }),
      );
      await ensureTopics(testKafka(), [{ name: `${compacted}.DLQ`, partitions: 1 }]);
    });
    after(() => close());

    test('a letter Kafka refuses is marked with the error and retried later, and does not hold back the others', {
      timeout: 120_000,
    }, async () => {
      await insertDeadLetters(warehouse, [
        letter(good, 1, 'a'),
        letter(compacted, 1, 'b'),
        letter(compacted, 2, 'c', { key: null }),
        letter(compacted, 3, 'd'),
        letter(good, 2, 'e'),
      ]);
      const outbox = new DeadLetterOutbox({ warehouse, kafka: testKafka(), topics: [good, compacted] });
      try {
        assert.deepEqual(await outbox.publishPending(), { published: 4, failed: 1 });
        const rows = await warehouse.query<{
          topic: string;
          offset: string;
          published: boolean;
          publish_attempts: number;
          publish_error: string | null;
          due_in_seconds: number | null;
        }>(
          `select topic, "offset"::text as "offset", published_at is not null as published, publish_attempts, publish_error,
                  extract(epoch from publish_claimed_until - now())::float8 as due_in_seconds
             from pos.dead_letter order by id`,
        );
        assert.deepEqual(
          rows.map((row) => [row.topic, row.offset, row.published, row.publish_attempts]),
          [
            [good, '1', true, 0],
            [compacted, '1', true, 0],
            [compacted, '2', false, 1],
            [compacted, '3', true, 0],
            [good, '2', true, 0],
          ],
        );
        const refused = rows[2];
        assert.match(refused?.publish_error ?? '', /INVALID_RECORD/);
        assert.match(refused?.publish_error ?? '', /Compacted topic cannot accept message without key/);
        assert.ok((refused?.due_in_seconds ?? 0) > 5, 'the next try waits');
        assert.ok(rows.filter((row) => row.published).every((row) => row.publish_error === null));
        assert.equal(await dlqSize(good), 2);
        assert.equal(await dlqSize(compacted), 2);
        const keys = (await consumeAll(testBrokers(), `${compacted}.DLQ`, 2)).map((message) => message.key);
        assert.deepEqual(keys, ['key-1', 'key-3']);

        // Not due yet: left alone. Once due: tried again, and refused again.
        assert.deepEqual(await outbox.publishPending(), { published: 0, failed: 0 });
        await warehouse.query(
          `update pos.dead_letter set publish_claimed_until = now() - interval '1 second' where published_at is null`,
        );
        assert.deepEqual(await outbox.publishPending(), { published: 0, failed: 1 });
        const [again] = await warehouse.query<{ publish_attempts: number }>(
          'select publish_attempts from pos.dead_letter where published_at is null',
        );
        assert.equal(again?.publish_attempts, 2);
        assert.equal(await dlqSize(compacted), 2);
      } finally {
        await outbox.close();
      }
    });

    test('two outboxes at once publish each letter once (claims), at start-up by the timer', { timeout: 120_000 }, async () => {
      const topic = uniqueName('dlq_claims');
      await ensureTopics(testKafka(), [{ name: `${topic}.DLQ`, partitions: 1 }]);
      await insertDeadLetters(
        warehouse,
        Array.from({ length: 40 }, (_, i) => letter(topic, i, Buffer.alloc(60_000, 0x30 + (i % 10)))),
      );
      const outboxes = [1, 2].map(() => new DeadLetterOutbox({ warehouse, kafka: testKafka(), topics: [topic] }));
      try {
        const results = await Promise.all(outboxes.map((outbox) => outbox.publishPending()));
        assert.equal(
          results.reduce((sum, result) => sum + result.published, 0),
          40,
        );
        assert.equal(await dlqSize(topic), 40);

        // Letters stored later are published by the timer, without a call.
        await insertDeadLetters(warehouse, [letter(topic, 100, 'late')]);
        (outboxes[0] as DeadLetterOutbox).startTimer(200);
        const { waitUntil } = await import('../../src/plumbing/wait.ts');
        // Marked published once Kafka has taken it (the topic shows it a moment before the mark).
        const pending = async () =>
          (
            await warehouse.query<{ count: string }>(
              'select count(*)::text as count from pos.dead_letter where topic = $1 and published_at is null',
              [topic],
            )
          )[0]?.count;
        await waitUntil(async () => (await pending()) === '0', { what: 'the timer to publish', timeoutMs: 30_000 });
        assert.equal(await dlqSize(topic), 41);
      } finally {
        await Promise.all(outboxes.map((outbox) => outbox.close()));
      }
    });

    test('Kafka unreachable: the pass fails, the claims are released, no attempt is counted against the letters', {
      timeout: 60_000,
    }, async () => {
      const topic = uniqueName('dlq_unreachable');
      await insertDeadLetters(warehouse, [letter(topic, 1, 'a'), letter(topic, 2, 'b')]);
      const outbox = new DeadLetterOutbox({
        warehouse,
        kafka: { brokers: ['127.0.0.1:1'], security: PLAINTEXT },
        topics: [topic],
      });
      try {
        await assert.rejects(outbox.publishPending(), /Connection to 127.0.0.1:1 failed|Cannot connect/);
      } finally {
        await outbox.close();
      }
      const rows = await warehouse.query<{ published: boolean; publish_attempts: number; claimed: boolean }>(
        `select published_at is not null as published, publish_attempts, publish_claimed_until is not null as claimed
           from pos.dead_letter where topic = $1`,
        [topic],
      );
      assert.deepEqual(rows, [
        { published: false, publish_attempts: 0, claimed: false },
        { published: false, publish_attempts: 0, claimed: false },
      ]);
    });

    test('replay lands a letter that now passes, once; a letter that still fails keeps its one row', {
      timeout: 60_000,
    }, async () => {
      const topic = uniqueName('replay');
      const sale = validSale();
      const other: TransactionMessage = { ...validSale(), transaction_id: '0d6c1f8e-2b7a-4c59-8e3d-9a1b2c3d4e5f' };
      const changed: TransactionMessage = { ...validSale(), register_id: 'S001-R09' };
      await insertDeadLetters(warehouse, [
        letter(topic, 5, JSON.stringify(sale)),
        letter(null, 0, JSON.stringify(other)),
        // With its topic's id: the write step's refusal of it again meets its own row.
        letter(topic, 6, JSON.stringify(changed), { topicId: randomUUID() }),
        letter(topic, 7, 'not json', { errorCode: 'invalid_json' }),
      ]);
      const ids = (
        await warehouse.query<{ id: string }>(
          'select id::text as id from pos.dead_letter where topic = $1 or topic is null order by id',
          [topic],
        )
      ).map((row) => row.id);
      const lettersBefore = await warehouse.query<{ count: string }>('select count(*)::text as count from pos.dead_letter');

      const first = await replayDeadLetters(warehouse, { ids });
      assert.deepEqual(
        first.letters.map((entry) => entry.outcome),
        ['landed', 'landed', 'conflict', 'invalid:invalid_json'],
      );
      const facts = await warehouse.query<{ transaction_id: string; source_topic: string | null; source_offset: string | null }>(
        'select transaction_id::text, source_topic, source_offset::text from pos.fact_transaction order by source_offset nulls last',
      );
      assert.deepEqual(facts, [
        { transaction_id: sale.transaction_id, source_topic: topic, source_offset: '5' },
        { transaction_id: other.transaction_id, source_topic: null, source_offset: null },
      ]);
      const lettersAfter = await warehouse.query<{ count: string }>('select count(*)::text as count from pos.dead_letter');
      assert.deepEqual(lettersAfter, lettersBefore, 'no letter stored again');
      const recorded = await warehouse.query<{ replay_outcome: string; replayed: boolean }>(
        'select replay_outcome, replayed_at is not null as replayed from pos.dead_letter where id = any($1::bigint[]) order by id',
        [ids],
      );
      assert.deepEqual(
        recorded.map((row) => [row.replay_outcome, row.replayed]),
        [
          ['landed', true],
          ['landed', true],
          ['conflict', true],
          ['invalid:invalid_json', true],
        ],
      );

      const before = await snapshot(warehouse);
      const second = await replayDeadLetters(warehouse, { ids });
      assert.deepEqual(second.alreadySettled, ids.slice(0, 2));
      assert.deepEqual(
        second.letters.map((entry) => entry.outcome),
        ['conflict', 'invalid:invalid_json'],
      );
      assert.deepEqual(await snapshot(warehouse), before);
    });

    test('a replay that PostgreSQL refuses again leaves exactly the original letters: the same rows and ids, no id used', {
      timeout: 60_000,
    }, async () => {
      const topic = uniqueName('replay_refused');
      const refusedSale = (transactionId: string): TransactionMessage => ({
        ...validSale(),
        transaction_id: transactionId,
        store: { ...validSale().store, store_id: 'S665' },
      });
      const refused = { errorCode: 'database', errorDetail: 'PostgreSQL refused it' } as const;
      await insertDeadLetters(warehouse, [
        letter(topic, 1, JSON.stringify(refusedSale('c0000000-0000-4000-8000-000000000665')), refused),
        // Without a source position (written with writeTransactions): a copy of it would be a new row.
        letter(null, 0, JSON.stringify(refusedSale('c0000000-0000-4000-8000-000000000666')), refused),
      ]);
      const letters = () =>
        warehouse.query<Record<string, unknown>>(
          `select id::text as id, topic_id::text as topic_id, topic, partition, "offset"::text as "offset", key, raw_value,
                  error_code, error_detail, created_at, published_at
             from pos.dead_letter order by id`,
        );
      const lastId = async () =>
        (await warehouse.query<{ id: string }>('select last_value::text as id from pos.dead_letter_id_seq'))[0]?.id;
      const ids = (
        await warehouse.query<{ id: string }>(
          "select id::text as id from pos.dead_letter where topic = $1 or (topic is null and error_code = 'database') order by id",
          [topic],
        )
      ).map((row) => row.id);
      assert.equal(ids.length, 2);

      // A rule of this database only, standing for any refusal the contract cannot foresee.
      await warehouse.query("alter table pos.dim_store add constraint test_no_s665 check (store_id <> 'S665')");
      try {
        const before = { letters: await letters(), lastId: await lastId() };
        const replayed = await replayDeadLetters(warehouse, { ids });
        assert.deepEqual(
          replayed.letters.map((entry) => [entry.id, entry.outcome]),
          ids.map((id) => [id, 'refused']),
        );
        assert.match(replayed.letters[0]?.detail ?? '', /test_no_s665/);
        assert.match(replayed.letters[1]?.detail ?? '', /test_no_s665/);
        assert.deepEqual(await letters(), before.letters, 'the same letters, with the same ids: none stored again, none deleted');
        assert.equal(await lastId(), before.lastId, 'no dead letter was inserted, not even one deleted afterwards');
        const outcomes = await warehouse.query<{ replay_outcome: string }>(
          'select replay_outcome from pos.dead_letter where id = any($1::bigint[]) order by id',
          [ids],
        );
        assert.deepEqual(
          outcomes.map((row) => row.replay_outcome),
          ['refused', 'refused'],
        );
      } finally {
        await warehouse.query('alter table pos.dim_store drop constraint test_no_s665');
      }
    });

    test('letters that would meet other stored letters at the same position of the same topic id fail the batch, storing none', async () => {
      const topic = uniqueName('dlq_conflicting');
      const topicId = randomUUID();
      const letters = () =>
        warehouse.query<{ topic_id: string | null; offset: string; value: string }>(
          `select topic_id::text as topic_id, "offset"::text as "offset", convert_from(raw_value, 'UTF8') as value
             from pos.dead_letter where topic = $1 order by id`,
          [topic],
        );
      assert.equal(await insertDeadLetters(warehouse, [letter(topic, 1, 'first', { topicId })]), 1);

      // Another message at a stored letter's position of the same topic: storing it would mean dropping it.
      await assert.rejects(
        warehouse.transaction((tx) =>
          insertDeadLetters(tx, [letter(topic, 2, 'fresh', { topicId }), letter(topic, 1, 'second', { topicId })]),
        ),
        (error: unknown) => {
          assert.ok(error instanceof DeadLettersNotStored, String(error));
          assert.match(error.message, /^stored 1 of 2 dead letters \(0 of the others were stored already/);
          assert.ok(error.message.includes(`${topic}/0@1 (topic id ${topicId}, stored as letter`), error.message);
          return true;
        },
      );
      assert.deepEqual(await letters(), [{ topic_id: topicId, offset: '1', value: 'first' }], 'the batch stored none');

      // The same letter again (a replayed letter refused again) is stored already: no error, no row.
      assert.equal(await insertDeadLetters(warehouse, [letter(topic, 1, 'first', { topicId })]), 0);
      // The same position of the topic recreated (another id), or of no known id, is another letter.
      const recreatedId = randomUUID();
      assert.equal(
        await insertDeadLetters(warehouse, [letter(topic, 1, 'second', { topicId: recreatedId }), letter(topic, 1, 'unknown')]),
        2,
      );
      assert.deepEqual(await letters(), [
        { topic_id: topicId, offset: '1', value: 'first' },
        { topic_id: recreatedId, offset: '1', value: 'second' },
        { topic_id: null, offset: '1', value: 'unknown' },
      ]);
      // Letters written without Kafka have no position: the same one twice is two letters.
      assert.equal(await insertDeadLetters(warehouse, [letter(null, 0, 'no kafka'), letter(null, 0, 'no kafka')]), 2);
    });

    test('a publisher whose claim expired, or was taken over, marks nothing: attempts and state stay the holder’s', async () => {
      const topic = uniqueName('dlq_lapsed');
      await insertDeadLetters(warehouse, [letter(topic, 1, 'a'), letter(topic, 2, 'b')]);
      const claim = (leaseSeconds: number) =>
        claimDeadLetters(warehouse, { topics: [topic], limit: 10, maxBytes: 1024 * 1024, leaseSeconds });
      const state = () =>
        warehouse.query<{ published: boolean; publish_attempts: number; publish_error: string | null; claim: string | null }>(
          `select published_at is not null as published, publish_attempts, publish_error, publish_claim::text as claim
             from pos.dead_letter where topic = $1 order by id`,
          [topic],
        );
      // A send slower than its lease: the claim has run out by the time it marks.
      const slow = await claim(-1);
      const ids = slow.map((entry) => entry.id);
      assert.equal(ids.length, 2);
      const slowClaim = (slow[0] as (typeof slow)[number]).claim;
      assert.deepEqual(await markDeadLettersPublished(warehouse, slowClaim, [ids[0] as string]), [], 'expired: not marked');

      const holder = await claim(300);
      assert.deepEqual(
        holder.map((entry) => entry.id),
        ids,
        'another publisher takes them over',
      );
      const holderClaim = (holder[0] as (typeof holder)[number]).claim;
      assert.notEqual(holderClaim, slowClaim);
      assert.deepEqual(await markDeadLettersPublished(warehouse, slowClaim, ids), []);
      assert.deepEqual(
        await markDeadLettersRefused(
          warehouse,
          slowClaim,
          ids.map((id) => ({ id, error: 'refused late', retryInSeconds: 10 })),
        ),
        [],
      );
      await releaseDeadLetterClaims(warehouse, slowClaim, ids);
      const untouched = { published: false, publish_attempts: 0, publish_error: null, claim: holderClaim };
      assert.deepEqual(await state(), [untouched, untouched]);

      // The holder's marks apply.
      assert.deepEqual(
        await markDeadLettersRefused(warehouse, holderClaim, [{ id: ids[0] as string, error: 'refused', retryInSeconds: 10 }]),
        [ids[0]],
      );
      assert.deepEqual(await markDeadLettersPublished(warehouse, holderClaim, [ids[1] as string]), [ids[1]]);
      assert.deepEqual(await state(), [
        { published: false, publish_attempts: 1, publish_error: 'refused', claim: holderClaim },
        { published: true, publish_attempts: 0, publish_error: null, claim: null },
      ]);
    });
  });

describe('migration 0004: the letters stored before topic ids were kept stay, one per position', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;

  before(async () => {
    database = await createTestDatabase();
    warehouse = await openWarehouse(database.config);
    // The migrations up to 0003 only, as a database migrated by the version before.
    await migrateFirst(warehouse, 4);
  });
  after(async () => {
    await warehouse.close();
    await database.drop();
  });

  test('migrating keeps every letter, its topic id unknown; a letter at the same position is the same one only byte for byte', async () => {
    await warehouse.query(
      `insert into pos.dead_letter (topic, partition, "offset", raw_value, error_code, error_detail)
       values ('PointOfSale', 0, 1, 'a', 'schema', 'x'), ('PointOfSale', 0, 2, 'b', 'schema', 'x'),
              (null, null, null, 'c', 'schema', 'x'), (null, null, null, 'c', 'schema', 'x')`,
    );
    assert.equal((await migrateWarehouse(warehouse)).applied[0], '0004_dead_letter_topic_id');
    const letters = () =>
      warehouse.query<{ topic_id: string | null; offset: string | null; value: string }>(
        `select topic_id::text as topic_id, "offset"::text as "offset", convert_from(raw_value, 'UTF8') as value
           from pos.dead_letter order by id`,
      );
    assert.deepEqual(await letters(), [
      { topic_id: null, offset: '1', value: 'a' },
      { topic_id: null, offset: '2', value: 'b' },
      { topic_id: null, offset: null, value: 'c' },
      { topic_id: null, offset: null, value: 'c' },
    ]);

    const old = (value: string, fields: Partial<DeadLetterRow> = {}) =>
      letter('PointOfSale', 1, value, { key: null, errorDetail: 'x', ...fields });
    assert.equal(await insertDeadLetters(warehouse, [old('a')]), 0, 'the same letter, stored already');
    await assert.rejects(insertDeadLetters(warehouse, [old('other bytes')]), DeadLettersNotStored);
    const topicId = randomUUID();
    assert.equal(await insertDeadLetters(warehouse, [old('recreated', { topicId })]), 1);
    assert.deepEqual((await letters()).slice(4), [{ topic_id: topicId, offset: '1', value: 'recreated' }]);
  });
});

describe('pos dead-letters list, show, replay and purge', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  const topic = uniqueName('dead_cli');

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
    await insertDeadLetters(warehouse, [
      letter(topic, 1, JSON.stringify(validSale())),
      letter(topic, 2, Buffer.from([0xff, 0xfe, 0x00]), {
        errorCode: 'invalid_utf8',
        errorDetail: 'the value is not valid UTF-8',
      }),
    ]);
  });
  after(() => close());

  test('list filters by code and prints JSON; show prints the value as text or hex', { timeout: 60_000 }, async () => {
    const all = await cli(database, 'dead-letters', 'list', '--format', 'json');
    assert.equal(all.code, 0, all.stderr);
    const letters = JSON.parse(all.stdout) as { id: string; error_code: string; bytes: number; offset: string }[];
    assert.deepEqual(
      letters.map((entry) => [entry.error_code, entry.offset]),
      [
        ['schema', '1'],
        ['invalid_utf8', '2'],
      ],
    );
    const utf8 = await cli(database, 'dead-letters', 'list', '--code', 'invalid_utf8');
    assert.equal(utf8.code, 0, utf8.stderr);
    assert.equal(utf8.stdout.trim().split('\n').length, 3, utf8.stdout);
    assert.match(utf8.stdout, /invalid_utf8 +\S+\/0@2 +3 +pending/);

    const text = await cli(database, 'dead-letters', 'show', letters[0]?.id as string);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`source {6}topic ${topic}, partition 0, offset 1`));
    assert.ok(text.stdout.endsWith(`${JSON.stringify(validSale())}\n`));
    const hex = await cli(database, 'dead-letters', 'show', letters[1]?.id as string);
    assert.match(hex.stdout, /3 bytes, not UTF-8, in hex:\nfffe00\n$/);
    const missing = await cli(database, 'dead-letters', 'show', '999999');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /There is no dead letter 999999/);
  });

  test('replay lands the letter that now passes, and a second replay changes nothing', { timeout: 60_000 }, async () => {
    const first = await cli(database, 'dead-letters', 'replay', '--code', 'schema');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Replayed 1 dead letter: 1 landed\.$/m);
    const before = await snapshot(warehouse);
    assert.match(before.fact_transaction ?? '', /^1 rows/);
    const second = await cli(database, 'dead-letters', 'replay', '--code', 'schema');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^Replayed 0 dead letters\.$/m);
    assert.deepEqual(await snapshot(warehouse), before);
    const both = await cli(database, 'dead-letters', 'replay', '--code', 'schema', '--id', '1');
    assert.equal(both.code, 2);
  });

  test('purge without --yes changes nothing and exits 2 saying what it would delete; with --yes it deletes', {
    timeout: 60_000,
  }, async () => {
    const before = await snapshot(warehouse);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const dryRun = await cli(database, 'dead-letters', 'purge', '--before', tomorrow);
    assert.equal(dryRun.code, 2);
    assert.match(
      dryRun.stderr,
      /would delete 2 dead letters created before .*; 2 of them not yet in their DLQ topic; nothing was changed/,
    );
    assert.deepEqual(await snapshot(warehouse), before);

    const purged = await cli(database, 'dead-letters', 'purge', '--before', tomorrow, '--yes');
    assert.equal(purged.code, 0, purged.stderr);
    assert.match(purged.stdout, /Deleted 2 dead letters/);
    const [left] = await warehouse.query<{ count: string }>('select count(*)::text as count from pos.dead_letter');
    assert.equal(left?.count, '0');
  });
});
