import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { decodeTransaction } from '../../src/contract/validate.ts';
import { type FetchedBatch, fetchedRecords } from '../../src/ingest/fetched-batch.ts';
import { openSession, type Session } from '../../src/ingest/session.ts';
import { type BatchResult, StoredTopicChanged, writeBatchIsolatingRefusals } from '../../src/ingest/write.ts';
import { ensureTopics, partitionBounds, withAdmin } from '../../src/kafka/admin.ts';
import { silentLogger } from '../../src/plumbing/logger.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { claimOffsets } from '../../src/warehouse/sql/ingest-offsets.ts';
import { validSale } from '../fixtures/messages.ts';
import { type CliResult, runCli, type TestDatabase, testBrokers, testKafka, uniqueName } from './support/environment.ts';
import { consumeAll, produceValues } from './support/topics.ts';
import { migratedWarehouse } from './support/warehouse.ts';

/**
 * A topic deleted and recreated under the same name uses its offsets again: what the pipeline
 * keys by position (dead letters, read-ahead, the offsets a batch advances) must tell the two
 * topics apart by Kafka's topic id.
 */
describe("the topic's identity: dead letters, batches and offsets of a topic deleted and recreated", () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
  });
  after(() => close());

  const consumeCli = (topic: string, group: string): Promise<CliResult> =>
    runCli(['consume', '--topic', topic, '--group', group, '--until-idle', '3s'], {
      env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: process.env.LOG_LEVEL },
    });

  test('refused messages of the recreated topic at the offsets the old one refused: every one stored and published', {
    timeout: 240_000,
  }, async () => {
    const topic = uniqueName('relettered');
    const group = uniqueName('relettered');
    const oldValues = ['not json 0', 'not json 1', 'not json 2'];
    const newValues = ['{"half": ', 'still not json', '[1, 2'];
    await ensureTopics(testKafka(), [{ name: topic, partitions: 1 }]);
    await produce(
      topic,
      oldValues.map((value) => ({ partition: 0, value })),
    );
    const first = await consumeCli(topic, group);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /3 dead letters \(invalid_json 3\)/);
    const { topicId: oldId } = await partitionBounds(testKafka(), topic);

    await recreate(topic, 1);
    await produce(
      topic,
      newValues.map((value) => ({ partition: 0, value })),
    );
    const { topicId: newId } = await partitionBounds(testKafka(), topic);
    assert.notEqual(newId, oldId);
    const second = await consumeCli(topic, group);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Read 3 messages: .*3 dead letters \(invalid_json 3\)/);

    const letters = await warehouse.query<{ topic_id: string; offset: string; value: string; published: boolean }>(
      `select topic_id::text as topic_id, "offset"::text as "offset", convert_from(raw_value, 'UTF8') as value,
              published_at is not null as published
         from pos.dead_letter where topic = $1 order by id`,
      [topic],
    );
    assert.deepEqual(letters, [
      ...oldValues.map((value, offset) => ({ topic_id: oldId, offset: String(offset), value, published: true })),
      ...newValues.map((value, offset) => ({ topic_id: newId, offset: String(offset), value, published: true })),
    ]);
    const published = await consumeAll(testBrokers(), `${topic}.DLQ`, 6);
    assert.deepEqual(
      published.map((message) => [message.headers['source-offset'], message.value.toString()]),
      [...oldValues, ...newValues].map((value, index) => [String(index % 3), value]),
    );
    const { partitions: dlq } = await partitionBounds(testKafka(), `${topic}.DLQ`);
    assert.equal(
      dlq.reduce((sum, { start, end }) => sum + Number(end - start), 0),
      6,
    );
  });

  test('the offset rows a batch claims first carry the topic id, so the write step tells another topic apart', async () => {
    const group = uniqueName('claimed');
    const topic = uniqueName('claimed');
    const topicId = randomUUID();
    const claimed = await warehouse.transaction((tx) => claimOffsets(tx, group, topic, [0, 3], topicId));
    assert.deepEqual(
      [...claimed],
      [
        [0, { offset: 0n, topicId }],
        [3, { offset: 0n, topicId }],
      ],
    );
    const rows = await warehouse.query<{ partition: number; topic_id: string | null }>(
      'select partition, topic_id::text as topic_id from pos.ingest_offset where consumer_group = $1 order by partition',
      [group],
    );
    assert.deepEqual(rows, [
      { partition: 0, topic_id: topicId },
      { partition: 3, topic_id: topicId },
    ]);

    // A batch read from a topic of the same name with another id is refused, not written at these offsets.
    const sale = JSON.stringify(validSale());
    const record = {
      key: null,
      value: Buffer.from(sale),
      source: { topic, partition: 0, offset: 0n },
      verdict: decodeTransaction(Buffer.from(sale)),
    };
    await assert.rejects(
      writeBatchIsolatingRefusals(warehouse, [record], { consumerGroup: group, topic, topicId: randomUUID() }),
      StoredTopicChanged,
    );
    const [facts] = await warehouse.query<{ count: string }>(
      'select count(*)::text as count from pos.fact_transaction where source_topic = $1',
      [topic],
    );
    assert.equal(facts?.count, '0');
  });

  test('placed again after its topic was recreated, a session hands out nothing it read before, and a batch in flight cannot write under the new id', {
    timeout: 240_000,
  }, async () => {
    const topic = uniqueName('replaced');
    const group = uniqueName('replaced');
    const batchSize = 10;
    const sales = (prefix: string, perPartition: number) =>
      [0, 1].flatMap((partition) =>
        Array.from({ length: perPartition }, (_, index) => ({
          partition,
          value: JSON.stringify(saleWithId(`${prefix}-4000-8000-${String(partition * 1000 + index).padStart(12, '0')}`)),
        })),
      );
    const oldLog = sales('0a000000-0000', 30);
    const newLog = sales('0b000000-0000', 5);
    await ensureTopics(testKafka(), [{ name: topic, partitions: 2 }]);
    await produce(topic, oldLog);
    const { topicId: oldId } = await partitionBounds(testKafka(), topic);

    const logged: { msg: string; placement?: number; topicId?: string; droppedReadAhead?: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    let placements = 0;
    const options = {
      kafka: testKafka(),
      topic,
      group,
      startAt: 'earliest' as const,
      warehouse,
      batchSize,
      batchBytes: 16 * 1024 * 1024,
      lingerMs: 0,
      untilIdleMs: 1000,
    };
    const first = await openSession({ ...options, logger, onPlaced: () => placements++ });
    const sessions: Session[] = [first];
    try {
      const inFlight = await first.next(Date.now());
      assert.ok(typeof inFlight === 'object', `a batch, not ${String(inFlight)}`);
      assert.deepEqual([inFlight.topicId, inFlight.placement], [oldId, 1]);
      // The session reads on while a batch is written: the next batch is collected, full.
      await waitUntil(
        async () => {
          const lag = await first.lag();
          const fetched = oldLog.length - (lag ?? []).reduce((sum, { messages }) => sum + messages, 0);
          return lag !== undefined && fetched >= inFlight.length + batchSize;
        },
        { what: 'the session to read a batch ahead', timeoutMs: 30_000 },
      );

      await recreate(topic, 2);
      await produce(topic, newLog);
      const { topicId: newId } = await partitionBounds(testKafka(), topic);
      // A second member: the group rebalances, and the first session places its positions again.
      sessions.push(await openSession({ ...options, logger: silentLogger }));
      await waitUntil(() => placements >= 2, { what: 'the first session to place its positions again', timeoutMs: 60_000 });
      const replaced = logged.find(
        (line) => line.msg === 'Reading the assigned partitions from these offsets' && line.placement === 2,
      );
      assert.equal(replaced?.topicId, newId);
      assert.ok((replaced?.droppedReadAhead ?? 0) >= batchSize, JSON.stringify(replaced));

      // The batch handed out before is written under the id it was fetched from, which the database no longer has.
      await assert.rejects(write(warehouse, group, inFlight), StoredTopicChanged);

      const handedOut: FetchedBatch[] = [];
      await waitUntil(
        async () => {
          for (const [index, session] of sessions.entries()) {
            let batch: Awaited<ReturnType<Session['next']>>;
            try {
              batch = await session.next(Date.now());
            } catch {
              // The client may still fetch the old topic once (its fetch session remembers it), and
              // the session ends; the consumer then opens another, placed from the database, as here.
              await session.close();
              sessions[index] = await openSession({ ...options, logger: silentLogger });
              continue;
            }
            if (typeof batch !== 'object') continue;
            handedOut.push(batch);
            await write(warehouse, group, batch);
            session.recycle(batch);
          }
          return (await landedIds(warehouse, topic)).length >= newLog.length;
        },
        { what: 'the new topic to be written', timeoutMs: 90_000 },
      );
      assert.deepEqual(
        [...new Set(handedOut.map((batch) => batch.topicId))],
        [newId],
        'every batch handed out after the recreation is of the new topic',
      );
      assert.deepEqual(
        await landedIds(warehouse, topic),
        newLog.map(({ value }) => (JSON.parse(value) as TransactionMessage).transaction_id).sort(),
      );
      const offsets = await warehouse.query<{ partition: number; next: string; topic_id: string }>(
        `select partition, next_offset::text as next, topic_id::text as topic_id from pos.ingest_offset
          where consumer_group = $1 order by partition`,
        [group],
      );
      assert.deepEqual(offsets, [
        { partition: 0, next: '5', topic_id: newId },
        { partition: 1, next: '5', topic_id: newId },
      ]);
    } finally {
      await Promise.all(sessions.map((session) => session.close()));
    }
  });
});

function saleWithId(transactionId: string): TransactionMessage {
  return { ...validSale(), transaction_id: transactionId };
}

function produce(topic: string, messages: { partition: number; value: string }[]): Promise<void> {
  return produceValues(
    topic,
    messages.map(({ partition, value }) => ({ partition, value: Buffer.from(value) })),
  );
}

/** Deletes the topic, waits until it is gone, and creates it again under the same name (a new topic id). */
async function recreate(topic: string, partitions: number): Promise<void> {
  await withAdmin(testKafka(), (admin) => admin.deleteTopics({ topics: [topic] }));
  await waitUntil(async () => !(await withAdmin(testKafka(), (admin) => admin.listTopics())).includes(topic), {
    what: `topic ${topic} to be deleted`,
    timeoutMs: 30_000,
  });
  await ensureTopics(testKafka(), [{ name: topic, partitions }]);
}

/** A fetched batch through the write step, with the topic id it was fetched under. */
function write(warehouse: Warehouse, group: string, batch: FetchedBatch): Promise<BatchResult> {
  const records = fetchedRecords(batch);
  const incoming = Array.from({ length: batch.length }, (_, index) => {
    const record = records.record(index);
    return { ...record, verdict: decodeTransaction(record.value) };
  });
  return writeBatchIsolatingRefusals(warehouse, incoming, { consumerGroup: group, topic: batch.topic, topicId: batch.topicId });
}

async function landedIds(warehouse: Warehouse, topic: string): Promise<string[]> {
  const rows = await warehouse.query<{ id: string }>(
    'select transaction_id::text as id from pos.fact_transaction where source_topic = $1 order by transaction_id',
    [topic],
  );
  return rows.map((row) => row.id);
}
