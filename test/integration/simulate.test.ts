import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findFreePort } from '../../src/broker/local-broker.ts';
import { decodeTransaction } from '../../src/contract/validate.ts';
import { partitionCount, withAdmin } from '../../src/kafka/admin.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import { runCli, startCli, testBrokers, testKafka, uniqueName } from './support/environment.ts';
import { consumeAll } from './support/topics.ts';

const kafkaEnv = () => ({ KAFKA_BROKERS: testBrokers().join(',') });

describe('pos simulate --count: a seeded backfill into Kafka', () => {
  test('creates the missing topic, and every message is valid, keyed by store, with the contract headers', {
    timeout: 120_000,
  }, async () => {
    const topic = uniqueName('sales');
    const result = await runCli(['simulate', '--count', '3000', '--seed', '11', '--topic', topic, '--partitions', '3'], {
      env: kafkaEnv(),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Sent 3,000 transactions to ${topic} .*; 0 failed\\. Seed 11\\.`));
    assert.equal(await partitionCount(testKafka(), topic), 3);

    const messages = await consumeAll(testBrokers(), topic, 3000);
    assert.equal(messages.length, 3000);
    const partitionOfStore = new Map<string, number>();
    for (const message of messages) {
      const verdict = decodeTransaction(message.value);
      assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
      assert.equal(message.key, verdict.message.store.store_id);
      assert.deepEqual(message.headers, { 'content-type': 'application/json', schema: 'pos.transaction.v1' });
      assert.equal(partitionOfStore.get(message.key) ?? message.partition, message.partition, 'a store stays on one partition');
      partitionOfStore.set(message.key, message.partition);
    }
  });

  test('the same seed produces the same keys and values, partition by partition, byte for byte', {
    timeout: 120_000,
  }, async () => {
    const topics = [uniqueName('first'), uniqueName('second')];
    for (const topic of topics) {
      const result = await runCli(
        ['simulate', '--count', '2000', '--seed', '99', '--topic', topic, '--start', '2026-06-01', '--days', '7'],
        {
          env: kafkaEnv(),
        },
      );
      assert.equal(result.code, 0, result.stderr);
    }
    const [first, second] = await Promise.all(topics.map((topic) => consumeAll(testBrokers(), topic, 2000)));
    const bytes = (messages: typeof first) =>
      messages?.map((message) => `${message.partition}|${message.key}|${message.value.toString('base64')}`);
    assert.equal(first?.length, 2000);
    assert.deepEqual(bytes(first), bytes(second));
  });
});

describe('pos simulate in real time', () => {
  test('--rate and --duration: about rate × duration transactions, stamped with the current time', {
    timeout: 60_000,
  }, async () => {
    const topic = uniqueName('live');
    const started = Date.now();
    const result = await runCli(['simulate', '--rate', '100', '--duration', '3s', '--topic', topic], { env: kafkaEnv() });
    const ended = Date.now();
    assert.equal(result.code, 0, result.stderr);
    const sent = Number(/Sent ([\d,]+) transactions/.exec(result.stdout)?.[1]?.replaceAll(',', ''));
    assert.ok(sent >= 200 && sent <= 330, `sent ${sent} in 3 s at 100/s`);
    const messages = await consumeAll(testBrokers(), topic, sent);
    assert.equal(messages.length, sent);
    for (const message of messages) {
      const verdict = decodeTransaction(message.value);
      assert.ok(verdict.ok);
      const at = Date.parse(verdict.message.occurred_at);
      assert.ok(at >= started - 1000 && at <= ended + 1000, verdict.message.occurred_at);
    }
  });

  test('Ctrl-C flushes what was made, reports it and exits 0', { timeout: 60_000 }, async () => {
    const topic = uniqueName('interrupted');
    const { child, result } = startCli(['simulate', '--rate', '200', '--topic', topic], { env: kafkaEnv() });
    await waitUntil(
      () =>
        withAdmin(testKafka(), async (admin) => {
          const offsets = await admin.listOffsets({
            topics: [
              { name: topic, partitions: [0, 1, 2, 3, 4, 5].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) },
            ],
          });
          return offsets.some((entry) => entry.partitions.some((partition) => partition.offset > 0n));
        }),
      { what: `messages in ${topic}`, timeoutMs: 30_000 },
    );
    child.kill('SIGINT');
    const { code, stdout, stderr } = await result;
    assert.equal(code, 0, stderr);
    const sent = Number(/Sent ([\d,]+) transactions/.exec(stdout)?.[1]?.replaceAll(',', ''));
    assert.ok(sent > 0);
    assert.equal((await consumeAll(testBrokers(), topic, sent)).length, sent);
  });
});

describe('pos simulate explains what is wrong', () => {
  const cases: [string, string[], RegExp][] = [
    ['a negative rate', ['--rate', '-5'], /--rate.*expected a number above 0/],
    ['an impossible date', ['--count', '10', '--start', '2026-13-01'], /expected a date as YYYY-MM-DD/],
    ['--start without --count', ['--start', '2026-01-01'], /--start is for a backfill/],
    ['--rate with --count', ['--count', '10', '--rate', '5'], /--rate is for real time/],
    ['too few products', ['--count', '10', '--products', '5'], /--products.*from 18/],
    ['an unknown compression', ['--count', '10', '--compression', 'brotli'], /expected one of lz4, zstd, gzip, snappy, none/],
  ];
  for (const [what, args, message] of cases) {
    test(`${what}: exit 2 and a message`, async () => {
      const result = await runCli(['simulate', ...args, '--dry-run']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    });
  }

  test('no broker: exit 1, naming the address and what to do', async () => {
    const result = await runCli(['simulate', '--count', '10'], { env: { KAFKA_BROKERS: `127.0.0.1:${await findFreePort()}` } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /KAFKA_BROKERS \(127\.0\.0\.1:\d+\) does not answer/);
  });
});
