import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@platformatic/kafka';
import { BatchCollector, fetchedRecords, postable, ValueBuffers, valueAt } from '../../../src/ingest/fetched-batch.ts';

/** The fields of a Kafka message that the collector reads. */
function message(partition: number, offset: bigint, value: string | null, key: string | null = `key-${offset}`): Message {
  return {
    partition,
    offset,
    timestamp: 1_700_000_000_000n + offset,
    key: key === null ? undefined : Buffer.from(key),
    value: value === null ? undefined : Buffer.from(value),
  } as unknown as Message;
}

test('a collected batch gives back every message as it came: bytes, key, position, timestamp', () => {
  // A small first buffer, so that the values have to move to larger ones on the way.
  const collector = new BatchCollector('orders', 10, 1024 * 1024, new Uint8Array(new SharedArrayBuffer(4)));
  const values = ['{"a":1}', 'ünïcödé ✓', '', 'x'.repeat(5000)];
  for (const [i, value] of values.entries()) collector.add(message(i % 2, BigInt(100 + i), value));
  collector.add(message(1, 104n, null, null));
  const batch = collector.finish();

  assert.equal(batch.length, 5);
  assert.equal(batch.topic, 'orders');
  const records = fetchedRecords(batch);
  for (const [i, value] of values.entries()) {
    const record = records.record(i);
    assert.equal(record.value?.toString(), value);
    assert.equal(record.key?.toString(), `key-${100 + i}`);
    assert.deepEqual(records.source(i), { topic: 'orders', partition: i % 2, offset: BigInt(100 + i) });
    assert.equal(batch.timestamps[i], 1_700_000_000_100 + i);
  }
  // No value and no key are told apart from empty ones.
  assert.equal(valueAt(batch, 2)?.length, 0);
  assert.deepEqual(records.record(4), { key: null, value: null, source: { topic: 'orders', partition: 1, offset: 104n } });
  // The last message of each partition, whose commit() commits up to it.
  assert.deepEqual(
    [...batch.lastOfPartition].map(([partition, last]) => [partition, last.offset]),
    [
      [0, 102n],
      [1, 104n],
    ],
  );
  // Posted to another thread, the messages come without the client's objects, their values in the
  // same memory (the thread reads them where they are) and the rest as copies.
  const posted = structuredClone(postable(batch));
  assert.equal('lastOfPartition' in posted, false);
  assert.deepEqual(fetchedRecords(posted).record(1), records.record(1));
  posted.values[0] = '['.charCodeAt(0);
  assert.equal(valueAt(batch, 0)?.toString(), '["a":1}');
});

test('a batch is full at its message count, or once its bytes reach the limit (one message always fits)', () => {
  const byCount = new BatchCollector('t', 2, 1024 * 1024);
  byCount.add(message(0, 0n, 'a'));
  assert.equal(byCount.full, false);
  byCount.add(message(0, 1n, 'b'));
  assert.equal(byCount.full, true);

  const byBytes = new BatchCollector('t', 100, 10);
  byBytes.add(message(0, 0n, 'x'.repeat(50), null));
  assert.equal(byBytes.full, true, 'one message larger than the limit fills the batch alone');
  assert.equal(byBytes.bytes, 50);

  const keysCount = new BatchCollector('t', 100, 10);
  keysCount.add(message(0, 0n, 'abc', 'defg'));
  assert.equal(keysCount.bytes, 7);
  assert.equal(keysCount.full, false);
  keysCount.add(message(0, 1n, 'abc', null));
  assert.equal(keysCount.full, true);
});

test('the values of a written batch hold a later one: its buffer is reused when large enough, and the later values are its own', () => {
  const buffers = new ValueBuffers();
  const collect = (values: string[]) => {
    const collector = new BatchCollector('t', 10, 1024 * 1024, buffers.take(64));
    for (const [i, value] of values.entries()) collector.add(message(0, BigInt(i), value));
    return collector.finish();
  };
  const first = collect(['first', 'batch']);
  const buffer = first.values.buffer;
  buffers.give(first);
  const second = collect(['later']);
  assert.equal(second.values.buffer, buffer, 'the written batch’s buffer');
  assert.equal(valueAt(second, 0)?.toString(), 'later');
  assert.equal(second.values.length, 5);

  buffers.give(second);
  assert.notEqual(buffers.take(buffer.byteLength + 1).buffer, buffer, 'too small for what is expected: a new one');
  assert.notEqual(buffers.take(1).buffer, buffer, 'and a spare too small is let go, not kept');
});

test('a batch carries where it was fetched: the topic id and the placement, and its records name the topic id', () => {
  const topicId = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
  const collector = new BatchCollector('orders', 10, 1024 * 1024, undefined, { topicId, placement: 3 });
  collector.add(message(1, 7n, 'a'));
  const batch = collector.finish();
  assert.deepEqual([batch.topicId, batch.placement], [topicId, 3]);
  assert.deepEqual(fetchedRecords(batch).source(0), { topic: 'orders', partition: 1, offset: 7n, topicId });
  assert.deepEqual(fetchedRecords(batch).record(0).source, { topic: 'orders', partition: 1, offset: 7n, topicId });

  const unplaced = new BatchCollector('orders', 10, 1024 * 1024).finish();
  assert.deepEqual([unplaced.topicId, unplaced.placement], [undefined, 0]);
});
