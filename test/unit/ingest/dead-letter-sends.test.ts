import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  encodedRecordBytes,
  type LetterToPublish,
  planSends,
  publishRetryDelayMs,
  sendBudget,
  toDeadLetterRecord,
} from '../../../src/ingest/dead-letter-sends.ts';

function letter(id: string, valueBytes: number, topic = 'PointOfSale'): LetterToPublish {
  return {
    id,
    topic,
    partition: 3,
    offset: '1234',
    key: Buffer.from('S001'),
    value: Buffer.alloc(valueBytes, 0x61),
    errorCode: 'too_large',
    errorDetail: `${valueBytes} bytes, over the limit of 524288`,
  };
}

const budget = sendBudget(DEFAULT_MAX_MESSAGE_BYTES);

test('the send budget stays below the topic limit, with room for the batch header and framing', () => {
  assert.ok(budget < DEFAULT_MAX_MESSAGE_BYTES - 61);
  assert.ok(budget > DEFAULT_MAX_MESSAGE_BYTES - 4096);
  assert.equal(sendBudget(100), 0);
});

test('a letter that fits keeps its value whole, with the source and error headers', () => {
  const record = toDeadLetterRecord(letter('1', 900 * 1024), budget);
  assert.equal(record.topic, 'PointOfSale.DLQ');
  assert.equal(record.truncated, false);
  assert.equal(record.value.length, 900 * 1024);
  assert.deepEqual(Object.fromEntries(record.headers), {
    'error-code': 'too_large',
    'error-detail': '921600 bytes, over the limit of 524288',
    'source-topic': 'PointOfSale',
    'source-partition': '3',
    'source-offset': '1234',
  });
  assert.equal(record.bytes, encodedRecordBytes(record.key, record.value.length, record.headers));
});

test('a letter too large alone keeps the head of its value that fits, and says so in headers', () => {
  const original = letter('2', 1_500_000);
  const record = toDeadLetterRecord(original, budget);
  const headers = Object.fromEntries(record.headers);
  assert.equal(record.truncated, true);
  assert.equal(headers.truncated, 'true');
  assert.equal(headers['original-size'], '1500000');
  assert.equal(
    headers['original-sha256'],
    createHash('sha256')
      .update(original.value as Buffer)
      .digest('hex'),
  );
  assert.equal(headers['error-code'], 'too_large');
  assert.ok(record.bytes <= budget, `${record.bytes} > ${budget}`);
  assert.ok(record.bytes > budget - 16, 'uses the room it has');
  assert.deepEqual(record.value, (original.value as Buffer).subarray(0, record.value.length));
});

test('a letter whose headers alone do not fit keeps an empty value (Kafka has the last word)', () => {
  const record = toDeadLetterRecord(letter('3', 5000), 50);
  assert.equal(record.truncated, true);
  assert.equal(record.value.length, 0);
});

test('sends are packed per DLQ topic, in order, and never exceed the budget together', () => {
  const records = [
    toDeadLetterRecord(letter('1', 400_000), budget),
    toDeadLetterRecord(letter('2', 400_000, 'Other'), budget),
    toDeadLetterRecord(letter('3', 400_000), budget),
    toDeadLetterRecord(letter('4', 400_000), budget),
    toDeadLetterRecord(letter('5', 2_000_000), budget),
    toDeadLetterRecord(letter('6', 10), budget),
  ];
  const sends = planSends(records, () => budget);
  assert.deepEqual(
    sends.map((send) => [send.topic, send.records.map((record) => record.letterId)]),
    [
      ['PointOfSale.DLQ', ['1', '3']],
      ['Other.DLQ', ['2']],
      ['PointOfSale.DLQ', ['4']],
      ['PointOfSale.DLQ', ['5']],
      ['PointOfSale.DLQ', ['6']],
    ],
  );
  for (const send of sends) assert.ok(send.records.reduce((sum, record) => sum + record.bytes, 0) <= budget);
});

test('a refused letter waits 10 s, then twice as long each time, at most an hour', () => {
  assert.deepEqual([1, 2, 3, 4].map(publishRetryDelayMs), [10_000, 20_000, 40_000, 80_000]);
  assert.equal(publishRetryDelayMs(30), 3_600_000);
});
