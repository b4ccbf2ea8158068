import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { MAX_MESSAGE_BYTES } from '../../src/contract/validate.ts';
import { ensureTopics, withAdmin } from '../../src/kafka/admin.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/database.ts';
import { validSale } from '../fixtures/messages.ts';
import {
  type CliResult,
  runCli,
  startCli,
  type TestDatabase,
  testBrokers,
  testKafka,
  uniqueName,
} from './support/environment.ts';
import { expectedFigures, landedCount, produceBacklog, warehouseFigures } from './support/ingest.ts';
import { consumeAll } from './support/topics.ts';
import { migratedWarehouse, snapshot } from './support/warehouse.ts';

const COUNT = 20_000;
/** The group of these stories (a later --group wins): its own, since test files run at once on one broker. */
const GROUP = uniqueName('warehouse');

function consumeCli(database: TestDatabase, topic: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['consume', '--topic', topic, '--group', GROUP, '--until-idle', '4s', ...extra], {
    env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: process.env.LOG_LEVEL },
  });
}

describe('pos consume: 20,000 simulated transactions into the star schema', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  let messages: TransactionMessage[];
  const topic = uniqueName('ingest');

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
    messages = await produceBacklog(topic, COUNT, 2026);
  });
  after(() => close());

  test('the warehouse equals what was produced: counts, lines, totals, tax and per-store totals', {
    timeout: 180_000,
  }, async () => {
    const result = await consumeCli(database, topic);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Read 20,000 messages: 20,000 transactions landed/);
    assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
    const finished = JSON.parse(result.stderr.split('\n').find((line) => line.includes('"Ingest finished"')) ?? '{}');
    assert.equal(finished.lag, 0);
    assert.equal(finished.deadLetters, 0);
  });

  test("resetting the group's Kafka offsets to the earliest and consuming again changes no row", {
    timeout: 180_000,
  }, async () => {
    const before = await snapshot(warehouse);
    await withAdmin(testKafka(), (admin) =>
      admin.alterConsumerGroupOffsets({
        groupId: GROUP,
        topics: [{ name: topic, partitionOffsets: [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, offset: 0n })) }],
      }),
    );
    const result = await consumeCli(database, topic);
    assert.equal(result.code, 0, result.stderr);
    // The database is the source of truth for offsets: nothing is read again.
    assert.match(result.stdout, /Read 0 messages/);
    assert.deepEqual(await snapshot(warehouse), before);
  });

  test('a second consumer group re-reads every message and changes no row', { timeout: 180_000 }, async () => {
    const before = await snapshot(warehouse);
    const result = await consumeCli(database, topic, '--group', uniqueName('second'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Read 20,000 messages: 0 transactions landed \(0 lines\), 20,000 duplicates, 0 dead letters/);
    assert.deepEqual(await snapshot(warehouse), before);
  });

  test('two members in one process share the partitions; what a rebalance redelivers is skipped', {
    timeout: 180_000,
  }, async () => {
    const before = await snapshot(warehouse);
    const result = await consumeCli(database, topic, '--group', uniqueName('two_members'), '--members', '2');
    assert.equal(result.code, 0, result.stderr);
    // When the second member joins, partitions move and some messages are delivered twice: each
    // is written once (here: found to be a duplicate), and the redelivered copies are skipped.
    assert.match(
      result.stdout,
      /0 transactions landed \(0 lines\), 20,000 duplicates(, [\d,]+ already ingested \(redelivered\))?, 0 dead letters/,
    );
    const members = new Set(
      result.stderr.split('\n').flatMap((line) => (line.includes('"member"') ? [JSON.parse(line).member] : [])),
    );
    assert.deepEqual(members, new Set([0, 1]));
    assert.deepEqual(await snapshot(warehouse), before);
  });

  test('replaying the whole topic into the same group (its offsets forgotten) changes no row', { timeout: 180_000 }, async () => {
    const before = await snapshot(warehouse);
    await warehouse.query('delete from pos.ingest_offset where consumer_group = $1', [GROUP]);
    const result = await consumeCli(database, topic);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Read 20,000 messages: 0 transactions landed \(0 lines\), 20,000 duplicates/);
    assert.deepEqual(await snapshot(warehouse), before);
  });
});

describe('pos consume never stops on bad input', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  const topic = uniqueName('bad-input');
  const sale = (n: number): TransactionMessage => ({
    ...validSale(),
    transaction_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  });
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const with_ = (n: number, change: (message: TransactionMessage) => void) => {
    const message = sale(n);
    change(message);
    return json(message);
  };
  // Each bad message, with the code it must be dead-lettered under.
  const bad: [string, Buffer | undefined, string][] = [
    ['text that is not JSON', Buffer.from('{"transaction_id": "x", '), 'invalid_json'],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'invalid_utf8'],
    ['no value at all', undefined, 'invalid_json'],
    ['a value over the size limit', Buffer.alloc(MAX_MESSAGE_BYTES + 100, 0x20), 'too_large'],
    ['a newer schema version', with_(101, (m) => Object.assign(m, { schema_version: 3 })), 'unknown_version'],
    ['a missing field', with_(102, (m) => Reflect.deleteProperty(m, 'payment')), 'schema'],
    ['money as a JSON number', with_(103, (m) => Object.assign(m, { total: 22.87 })), 'schema'],
    ['an unknown field', with_(104, (m) => Object.assign(m, { loyalty_points: 12 })), 'schema'],
    ['a transaction id that is no UUID', with_(105, (m) => Object.assign(m, { transaction_id: 'TX-105' })), 'schema'],
    ['a JSON array', Buffer.from('[1, 2, 3]'), 'schema'],
    ['a wrong line total', with_(106, (m) => Object.assign(m.items[1] as object, { line_total: '19.48' })), 'arithmetic'],
    ['a wrong total', with_(107, (m) => Object.assign(m, { total: '22.88' })), 'arithmetic'],
    ['wrong change', with_(108, (m) => Object.assign(m.payment, { change: '7.00' })), 'arithmetic'],
    ['a known id with other content', with_(1, (m) => Object.assign(m, { register_id: 'S001-R99' })), 'conflict'],
  ];
  const good = Array.from({ length: 30 }, (_, i) => sale(i + 1));

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
    await ensureTopics(testKafka(), [{ name: topic, partitions: 1 }]);
    const producer = new Producer({ clientId: 'test-bad-input', bootstrapBrokers: testBrokers(), acks: ProduceAcks.ALL });
    // Good and bad interleaved, in one partition so that the conflict comes after its original.
    const values: (Buffer | undefined)[] = [];
    good.forEach((message, i) => {
      values.push(json(message));
      if (bad[i]) values.push(bad[i][1]);
    });
    values.push(json(good[0])); // an exact replay: not a dead letter, a silent no-op
    for (const value of values) {
      await producer.send({ messages: [{ topic, key: Buffer.from('S001'), ...(value ? { value } : {}) }] });
    }
    await producer.close();
  });
  after(() => close());

  test('every valid message lands, every bad one is a dead letter with its code and raw bytes, and the consumer exits 0', {
    timeout: 120_000,
  }, async () => {
    const result = await consumeCli(database, topic);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(
        `Read ${good.length + bad.length + 1} messages: ${good.length} transactions landed .* 1 duplicates, ${bad.length} dead letters`,
      ),
    );
    assert.equal(await landedCount(warehouse), good.length);

    const letters = await warehouse.query<{ error_code: string; raw_value: Buffer | null; error_detail: string }>(
      'select error_code, raw_value, error_detail from pos.dead_letter order by "offset"',
    );
    assert.deepEqual(
      letters.map((letter) => letter.error_code),
      bad.map(([, , code]) => code),
    );
    letters.forEach((letter, i) => {
      const sent = bad[i]?.[1];
      assert.deepEqual(letter.raw_value ?? undefined, sent?.length ? sent : undefined, bad[i]?.[0]);
      assert.ok(letter.error_detail.length > 0);
    });
  });

  test('the dead letters are on the DLQ topic too, with the code and where they came from in headers', {
    timeout: 60_000,
  }, async () => {
    const dlq = await consumeAll(testBrokers(), `${topic}.DLQ`, bad.length);
    assert.deepEqual(
      dlq.map((message) => message.headers['error-code']),
      bad.map(([, , code]) => code),
    );
    assert.ok(dlq.every((message) => message.headers['source-topic'] === topic && message.headers['error-detail']));
    const [pending] = await warehouse.query<{ count: string }>(
      'select count(*)::text as count from pos.dead_letter where published_at is null',
    );
    assert.equal(pending?.count, '0');
  });
});

describe('pos consume stops cleanly', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  const topic = uniqueName('stop');

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
    await produceBacklog(topic, 5000, 7);
  });
  after(() => close());

  test('SIGTERM: the batch in flight is finished, the group is left, exit 0', { timeout: 120_000 }, async () => {
    const group = uniqueName('stopping');
    const { child, result } = startCli(['consume', '--topic', topic, '--batch-size', '500', '--group', group], {
      env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(',') },
    });
    await waitUntil(async () => (await landedCount(warehouse)) > 0, { what: 'the first batch to land', timeoutMs: 60_000 });
    child.kill('SIGTERM');
    const { code, stdout, stderr } = await result;
    assert.equal(code, 0, stderr);
    const landed = Number(/(\d[\d,]*) transactions landed/.exec(stdout)?.[1]?.replaceAll(',', ''));
    assert.equal(await landedCount(warehouse), landed, 'what it says landed is what is in the database');
    const [offsets] = await warehouse.query<{ next: string }>(
      'select coalesce(sum(next_offset), 0)::text as next from pos.ingest_offset where consumer_group = $1',
      [group],
    );
    assert.equal(Number(offsets?.next), landed, 'the offsets cover exactly what landed');
    const verified = await runCli(['db', 'verify'], { env: { DATABASE_URL: database.url } });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const [described] = await withAdmin(testKafka(), (admin) =>
      admin.describeGroups({ groups: [group] }).then((groups) => [...groups.values()]),
    );
    assert.equal(described?.members.size ?? 0, 0);
  });

  test('a database that does not exist: exit 1, naming it, before reading anything', async () => {
    const result = await runCli(['consume', '--topic', topic], {
      env: { DATABASE_URL: `${database.url}_missing`, KAFKA_BROKERS: testBrokers().join(',') },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /database "pos_test_\w+_missing".*does not exist/);
  });
});

describe('pos consume with no database configured: the embedded PostgreSQL', () => {
  test('lands a seeded backlog exactly, in .pos/pgdata of the working directory', { timeout: 180_000 }, async () => {
    const folder = await mkdtemp(join(tmpdir(), 'pos-consume-embedded-'));
    try {
      const topic = uniqueName('embedded');
      const messages = await produceBacklog(topic, 3000, 31);
      const result = await runCli(['consume', '--topic', topic, '--group', uniqueName('embedded'), '--until-idle', '4s'], {
        env: { KAFKA_BROKERS: testBrokers().join(',') },
        cwd: folder,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /embedded PostgreSQL \(PGlite\) in .*\.pos\/pgdata/);
      const warehouse = await openWarehouse({ kind: 'embedded', dataDir: join(folder, '.pos', 'pgdata') });
      try {
        assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
      } finally {
        await warehouse.close();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
