import { Consumer, MessagesStreamModes, ProduceAcks, Producer } from '@platformatic/kafka';
import { testBrokers, uniqueName } from './environment.ts';

export interface ConsumedMessage {
  partition: number;
  offset: bigint;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Reads a topic from the beginning until `count` distinct messages have arrived (a consumer may
 * see a message twice after a rebalance) or the deadline passes; returned in partition, offset order.
 */
export async function consumeAll(
  brokers: string[],
  topic: string,
  count: number,
  timeoutMs = 60_000,
): Promise<ConsumedMessage[]> {
  const consumer = new Consumer({
    clientId: 'test-reader',
    groupId: uniqueName('reader'),
    bootstrapBrokers: brokers,
    maxWaitTime: 300,
  });
  const seen = new Map<string, ConsumedMessage>();
  const deadline = setTimeout(() => void stream?.close(), timeoutMs);
  let stream: Awaited<ReturnType<typeof consumer.consume>> | undefined;
  try {
    stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    if (count > 0) {
      for await (const message of stream) {
        const headers: Record<string, string> = {};
        for (const [key, value] of message.headers) headers[key.toString()] = value.toString();
        seen.set(`${message.partition}:${message.offset}`, {
          partition: message.partition,
          offset: message.offset,
          key: message.key.toString(),
          value: message.value,
          headers,
        });
        if (seen.size >= count) break;
      }
    }
  } finally {
    clearTimeout(deadline);
    await stream?.close().catch(() => {});
    await consumer.close(true).catch(() => {});
  }
  return [...seen.values()].sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

/**
 * Sends the values, key S001, to their partitions of `topic` in this order (acks=all), in sends of
 * at most 512 KB: a record batch must stay under the broker's message.max.bytes.
 */
export async function produceValues(topic: string, messages: { partition: number; value: Buffer }[]): Promise<void> {
  const producer = new Producer({ clientId: 'test-producer', bootstrapBrokers: testBrokers(), acks: ProduceAcks.ALL });
  try {
    let batch: { partition: number; value: Buffer }[] = [];
    let bytes = 0;
    const send = async () => {
      if (batch.length === 0) return;
      await producer.send({
        messages: batch.map(({ partition, value }) => ({ topic, partition, key: Buffer.from('S001'), value })),
      });
      batch = [];
      bytes = 0;
    };
    for (const message of messages) {
      if (bytes + message.value.length > 512 * 1024) await send();
      batch.push(message);
      bytes += message.value.length;
    }
    await send();
  } finally {
    await producer.close();
  }
}
