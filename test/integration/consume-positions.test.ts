import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import { ensureTopics, partitionBounds, withAdmin } from '../../src/kafka/admin.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { validSale } from '../fixtures/messages.ts';
import { type CliResult, runCli, type TestDatabase, testBrokers, testKafka, uniqueName } from './support/environment.ts';
import { expectedFigures, landedCount, produceBacklog, warehouseFigures } from './support/ingest.ts';
import { consumeAll } from './support/topics.ts';
import { emptyFacts, migratedWarehouse } from './support/warehouse.ts';

/**
 * Where a consumer group reads from when the log has moved under it: a new group, a topic deleted
 * and recreated, records deleted below the stored offsets, a partition fed while the consumer was
 * down. Each story ends with exact counts: nothing skipped, nothing twice.
 */
describe('pos consume: read positions that no restart, deletion or recreation can skip', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  const env = () => ({ DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: 'debug' });
  const consumeCli = (topic: string, group: string, ...extra: string[]): Promise<CliResult> =>
    runCli(['consume', '--topic', topic, '--group', group, '--until-idle', '3s', ...extra], { env: env() });

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
  });
  after(() => close());

  test('a new group with no flags lands a backlog produced before it started', { timeout: 180_000 }, async () => {
    const topic = uniqueName('backlog');
    const messages = await produceBacklog(topic, 1500, 11);
    const result = await consumeCli(topic, 'new-group');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Read 1,500 messages: 1,500 transactions landed/);
    assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
    await emptyFacts(warehouse);
  });

  test('a topic deleted and recreated under the same name: the new messages all land, with a warning naming both ids', {
    timeout: 240_000,
  }, async () => {
    const topic = uniqueName('recreated');
    const first = await produceBacklog(topic, 600, 21);
    assert.equal((await consumeCli(topic, 'recreating')).code, 0);
    const { topicId: oldId } = await partitionBounds(testKafka(), topic);

    await withAdmin(testKafka(), (admin) => admin.deleteTopics({ topics: [topic] }));
    await waitUntil(async () => !(await withAdmin(testKafka(), (admin) => admin.listTopics())).includes(topic), {
      what: `topic ${topic} to be deleted`,
      timeoutMs: 30_000,
    });
    // Fewer messages than before: the old offsets lie beyond the new partitions' ends.
    const second = await produceBacklog(topic, 200, 22);
    const { topicId: newId } = await partitionBounds(testKafka(), topic);
    assert.notEqual(newId, oldId);

    const result = await consumeCli(topic, 'recreating');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Read 200 messages: 200 transactions landed/);
    const warning = result.stderr.split('\n').find((line) => line.includes('was deleted and recreated'));
    assert.ok(warning, result.stderr);
    assert.deepEqual(
      [JSON.parse(warning).previousTopicId, JSON.parse(warning).topicId, JSON.parse(warning).topic],
      [oldId, newId, topic],
    );
    assert.deepEqual(await warehouseFigures(warehouse), expectedFigures([...first, ...second]));
    const events = await warehouse.query<{ kind: string; detail: string }>(
      "select kind, detail from pos.ingest_event where consumer_group = 'recreating'",
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]?.kind, 'topic_recreated');
    assert.match(events[0]?.detail ?? '', new RegExp(`${oldId}.*${newId}`));
    await emptyFacts(warehouse);
  });

  test('records deleted below the stored offsets: the rest land, each gap is recorded with exact bounds, and --until-idle exits 0', {
    timeout: 240_000,
  }, async () => {
    const topic = uniqueName('deleted');
    await produceBacklog(topic, 300, 31);
    assert.equal((await consumeCli(topic, 'gapped')).code, 0);
    const stored = await storedOffsets(warehouse, 'gapped', topic);

    await produceBacklog(topic, 600, 32);
    const all = await consumeAll(testBrokers(), topic, 900);
    // Delete half of what the group has not read yet in each partition, as retention would.
    const deleteBelow = new Map<number, bigint>();
    for (const [partition, next] of stored) {
      const unread = all.filter((message) => message.partition === partition && message.offset >= next);
      deleteBelow.set(partition, next + BigInt(Math.floor(unread.length / 2)));
    }
    await withAdmin(testKafka(), (admin) =>
      admin.deleteRecords({
        topics: [{ name: topic, partitions: [...deleteBelow].map(([partition, offset]) => ({ partition, offset })) }],
      }),
    );
    const surviving = all.filter((message) => message.offset >= (deleteBelow.get(message.partition) ?? 0n));
    const before = await landedCount(warehouse);

    const result = await consumeCli(topic, 'gapped');
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await landedCount(warehouse)) - before, surviving.length);
    assert.match(result.stdout, new RegExp(`Read ${surviving.length.toLocaleString('en-US')} messages`));
    const missing = [...deleteBelow].reduce(
      (sum, [partition, offset]) => sum + Number(offset - (stored.get(partition) ?? 0n)),
      0,
    );
    assert.match(result.stdout, new RegExp(`gaps: ${missing.toLocaleString('en-US')} messages were deleted`));

    const gaps = await warehouse.query<{ partition: number; first: string; last: string; count: string }>(
      `select partition, first_missing::text as first, last_missing::text as last, missing_count::text as count
         from pos.ingest_gap where consumer_group = 'gapped' and topic = $1 order by partition`,
      [topic],
    );
    const expected = [...deleteBelow]
      .filter(([partition, offset]) => offset > (stored.get(partition) ?? 0n))
      .sort(([a], [b]) => a - b)
      .map(([partition, offset]) => {
        const first = stored.get(partition) ?? 0n;
        return { partition, first: String(first), last: String(offset - 1n), count: String(offset - first) };
      });
    assert.deepEqual(
      gaps.map((gap) => ({ ...gap })),
      expected,
    );
    // The offsets end where the partitions end.
    const { partitions } = await partitionBounds(testKafka(), topic);
    assert.deepEqual(
      [...(await storedOffsets(warehouse, 'gapped', topic))],
      partitions.map(({ partition, end }) => [partition, end]),
    );
  });

  test('a partition idle during one run and fed while the consumer is down: a restart with the same flags lands it', {
    timeout: 180_000,
  }, async () => {
    const topic = uniqueName('idle_partition');
    await ensureTopics(testKafka(), [{ name: topic, partitions: 6 }]);
    // Both runs start new partitions at their end: only a stored offset can make the second run read what came meanwhile.
    const first = await consumeCli(topic, 'idle-partition', '--from-latest');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Read 0 messages/);

    const producer = new Producer({ clientId: 'test', bootstrapBrokers: testBrokers(), acks: ProduceAcks.ALL });
    const sales = Array.from({ length: 12 }, (_, index) => ({
      ...validSale(),
      transaction_id: `0b2a7c1e-8f0d-4c3a-9b1e-${String(index).padStart(12, '0')}`,
    }));
    try {
      await producer.send({
        messages: sales.map((sale) => ({
          topic,
          partition: 5,
          key: Buffer.from(sale.store.store_id),
          value: Buffer.from(JSON.stringify(sale)),
        })),
      });
    } finally {
      await producer.close();
    }
    const before = await landedCount(warehouse);
    const second = await consumeCli(topic, 'idle-partition', '--from-latest');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Read 12 messages: 12 transactions landed/);
    assert.equal((await landedCount(warehouse)) - before, 12);
  });

  test('a batch is bounded in bytes as well as in messages', { timeout: 120_000 }, async () => {
    const topic = uniqueName('batch_bytes');
    const messages = await produceBacklog(topic, 40, 61);
    const smallest = Math.min(...messages.map((message) => Buffer.byteLength(JSON.stringify(message))));
    // Every message is larger than the cap, so each batch holds exactly one (one message always fits).
    const result = await consumeCli(topic, 'byte-bounded', '--batch-bytes', String(smallest - 1));
    assert.equal(result.code, 0, result.stderr);
    const finished = JSON.parse(result.stderr.split('\n').find((line) => line.includes('"Ingest finished"')) ?? '{}');
    assert.equal(finished.landed, 40);
    assert.equal(finished.batches, 40);
  });

  test('--until-idle on a topic that does not exist exits 1 at once, naming it', { timeout: 60_000 }, async () => {
    const topic = uniqueName('missing');
    const result = await consumeCli(topic, 'nobody');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`Topic ${topic} does not exist`));
  });

  test('the same failure again and again (not an outage, not bad input) stops the consumer with exit 1', {
    timeout: 180_000,
  }, async () => {
    const topic = uniqueName('failing');
    await produceBacklog(topic, 50, 51);
    // A trigger that fails every write with an error that is neither an outage nor a data error.
    await warehouse.query(`create function pos.refuse() returns trigger language plpgsql as $$
      begin raise exception 'refused by a test trigger' using errcode = 'P0001'; end $$`);
    await warehouse.query(
      'create trigger refuse before insert on pos.fact_transaction for each row execute function pos.refuse()',
    );
    try {
      const started = Date.now();
      const result = await consumeCli(topic, 'failing');
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /the same failure 3 times in a row: refused by a test trigger/);
      assert.ok(Date.now() - started < 60_000, 'it gave up after a few tries');
      const [row] = await warehouse.query<{ count: string }>(
        `select count(*)::text as count from pos.fact_transaction f where f.source_topic = $1`,
        [topic],
      );
      assert.equal(row?.count, '0');
    } finally {
      await warehouse.query('drop function pos.refuse() cascade');
    }
  });
});

async function storedOffsets(warehouse: Warehouse, group: string, topic: string): Promise<Map<number, bigint>> {
  const rows = await warehouse.query<{ partition: number; next: string }>(
    'select partition, next_offset::text as next from pos.ingest_offset where consumer_group = $1 and topic = $2 order by partition',
    [group, topic],
  );
  return new Map(rows.map((row) => [row.partition, BigInt(row.next)]));
}
