import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { ensureTopics } from '../../src/kafka/admin.ts';
import { testBrokers, testKafka, uniqueName } from './support/environment.ts';

test('messages produced to the broker are consumed back, keys, values and headers intact', { timeout: 60_000 }, async () => {
  const brokers = testBrokers();
  const topic = uniqueName('roundtrip');
  await ensureTopics(testKafka(), [{ name: topic, partitions: 3 }]);

  const producer = new Producer({ clientId: 'test-producer', bootstrapBrokers: brokers, serializers: stringSerializers });
  const sent = Array.from({ length: 20 }, (_, i) => ({
    topic,
    key: `store-${i % 4}`,
    value: `sale ${i}`,
    headers: { n: String(i) },
  }));
  try {
    await producer.send({ messages: sent });
  } finally {
    await producer.close();
  }

  const consumer = new Consumer({
    clientId: 'test-consumer',
    groupId: uniqueName('group'),
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
    maxWaitTime: 500,
  });
  // Delivery is at least once (a rebalance may replay a partition), so duplicates are folded by `n`.
  const received = new Map<string, { key: string; value: string; n: string | undefined }>();
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    for await (const message of stream) {
      const n = message.headers.get('n');
      received.set(String(n), { key: message.key, value: message.value, n });
      if (received.size === sent.length) break;
    }
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  const byNumber = (a: { n?: string }, b: { n?: string }) => Number(a.n) - Number(b.n);
  assert.deepEqual(
    [...received.values()].sort(byNumber),
    sent.map((message) => ({ key: message.key, value: message.value, n: message.headers.n })),
  );
});
