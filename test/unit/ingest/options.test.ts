import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, type ConsumeOptions, consume, type Warehouse, writeTransactions } from '../../../src/index.ts';
import { silentLogger } from '../../../src/plumbing/logger.ts';

/** A warehouse that counts what is asked of it: a refused option must be refused before any of it. */
function countingWarehouse(): { warehouse: Warehouse; calls: () => number } {
  let calls = 0;
  const warehouse = {
    query: async () => {
      calls++;
      return [];
    },
    transaction: async () => {
      calls++;
      throw new Error('not reached');
    },
  } as unknown as Warehouse;
  return { warehouse, calls: () => calls };
}

/** Rejects with a ConfigError whose message matches. */
async function refused(work: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

const CONSUME_CASES: [Record<string, unknown>, RegExp][] = [
  [{ batchSize: 0 }, /^consume\(\): batchSize must be a whole number from 1 to 20,000, not 0\.$/],
  [{ batchSize: 20_001 }, /^consume\(\): batchSize must be a whole number from 1 to 20,000, not 20001\.$/],
  [{ batchSize: 1.5 }, /batchSize must be a whole number from 1 to 20,000, not 1\.5\./],
  [{ batchSize: '100' }, /batchSize must be a whole number from 1 to 20,000, not "100"\./],
  [{ batchBytes: 0 }, /batchBytes must be a whole number from 1 to 1,073,741,824, not 0\./],
  [{ members: 0 }, /^consume\(\): members must be a whole number from 1 to 64, not 0\.$/],
  [{ members: 65 }, /members must be a whole number from 1 to 64, not 65\./],
  [{ untilIdleMs: -1 }, /^consume\(\): untilIdleMs must be a number of milliseconds from 0 up, not -1\.$/],
  [{ lingerMs: Number.NaN }, /lingerMs must be a number of milliseconds from 0 up, not NaN\./],
  [
    { topic: 'no spaces' },
    /^consume\(\): topic must be a Kafka topic name: 1 to 249 characters from a-z, .*, not "no spaces"\.$/,
  ],
  [{ topic: undefined }, /^consume\(\): topic is missing; it must be a Kafka topic name/],
  [{ group: '' }, /^consume\(\): group must be a non-empty string, not ""\.$/],
  [{ startAt: 'beginning' }, /^consume\(\): startAt must be one of earliest, latest, not "beginning"\.$/],
  [{ warehouse: undefined }, /^consume\(\): warehouse is missing; it must be a Warehouse \(from openWarehouse\(\)\)\.$/],
  [{ kafka: { brokers: [], security: { protocol: 'PLAINTEXT' } } }, /^consume\(\): kafka must be a KafkaConnection: /],
  [
    { kafka: { brokers: ['localhost:9092'], security: { protocol: 'TLS' } } },
    /kafka must be a KafkaConnection: .*PLAINTEXT, SSL/,
  ],
  [{ logger: console }, /^consume\(\): logger must be a Logger/],
  [{ signal: true }, /^consume\(\): signal must be an AbortSignal, not true\.$/],
  [{ instanceId: 'host/1' }, /^consume\(\): instanceId must be 1 to 249 characters from a-z, .*, not "host\/1"\.$/],
  [{ onBatch: 'log' }, /^consume\(\): onBatch must be a function, not "log"\.$/],
  [{ status: {} }, /^consume\(\): status must be a ConsumerStatus, not an object\.$/],
  // Across options: with several members, member i is ID-i, and that must still be an id Kafka takes.
  [{ instanceId: 'h'.repeat(249), members: 2 }, /^consume\(\): instanceId is 249 characters; with members 2, member 1's id/],
];

test('consume() refuses a wrong option up front, naming it and what it may be, before it touches anything', async () => {
  for (const [overrides, message] of CONSUME_CASES) {
    const { warehouse, calls } = countingWarehouse();
    const options = {
      kafka: { brokers: ['127.0.0.1:1'], security: { protocol: 'PLAINTEXT' } },
      topic: 'PointOfSale',
      group: 'pos-warehouse',
      warehouse,
      logger: silentLogger,
      ...overrides,
    } as ConsumeOptions;
    await refused(consume(options), message);
    assert.equal(calls(), 0, `the warehouse was used despite ${JSON.stringify(overrides)}`);
  }
  await refused(
    consume(undefined as unknown as ConsumeOptions),
    /^consume\(\): options is missing; it must be an object of options\.$/,
  );
});

test('writeTransactions() refuses a missing warehouse and messages that are not an array', async () => {
  const { warehouse, calls } = countingWarehouse();
  await refused(
    writeTransactions(undefined as unknown as Warehouse, []),
    /^writeTransactions\(\): warehouse is missing; it must be a Warehouse \(from openWarehouse\(\)\)\.$/,
  );
  await refused(
    writeTransactions(warehouse, { transaction_id: 'x' } as unknown as unknown[]),
    /^writeTransactions\(\): messages must be an array, not an object\.$/,
  );
  await refused(writeTransactions(warehouse, 'messages' as unknown as unknown[]), /messages must be an array, not "messages"\./);
  assert.equal(calls(), 0);
});
