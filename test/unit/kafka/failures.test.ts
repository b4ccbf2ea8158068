import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MultipleErrors, NetworkError, ProtocolError, ResponseError, TimeoutError, UserError } from '@platformatic/kafka';
import { classifySendFailure, describeRefusal, isUnknownTopicError } from '../../../src/kafka/failures.ts';

test("a missing topic: the client's own error, the broker's code (also inside several), and nothing else", () => {
  assert.equal(isUnknownTopicError(new UserError('Unknown topic PointOfSale.')), true);
  assert.equal(isUnknownTopicError(new ProtocolError('UNKNOWN_TOPIC_OR_PARTITION')), true);
  const several = new MultipleErrors('Fetch failed', [new ProtocolError('UNKNOWN_TOPIC_OR_PARTITION')]);
  assert.equal(isUnknownTopicError(several), true);

  assert.equal(isUnknownTopicError(new NetworkError('Connection closed')), false);
  assert.equal(isUnknownTopicError(new ProtocolError('TOPIC_AUTHORIZATION_FAILED')), false);
  assert.equal(isUnknownTopicError(new UserError('Unknown partition 7.')), false);
  // Not the Kafka client's: a database error that happens to say the words.
  assert.equal(isUnknownTopicError(new Error('Unknown topic PointOfSale.')), false);
});

/** A produce response refusing partitions, as the client reports it (ProtocolErrors inside a ResponseError). */
function produceRefusal(...codes: [number, string | null][]): ResponseError {
  const errors = Object.fromEntries(codes.map((code, index) => [`/topics/0/partitions/${index}`, code]));
  return new ResponseError(0, 9, errors as Record<string, [number, string | null]>, {});
}

test('a send no broker answered is unreachable: the records are not at fault (the outbox stops and releases its claim on them)', () => {
  assert.equal(classifySendFailure(new NetworkError('Connection to 127.0.0.1:9092 refused')), 'unreachable');
  assert.equal(classifySendFailure(new TimeoutError('Connection to 127.0.0.1:9092 timed out')), 'unreachable');
  const retried = new MultipleErrors('Producing messages failed 4 times.', [
    new NetworkError('Connection closed'),
    new TimeoutError('Request timed out'),
  ]);
  assert.equal(classifySendFailure(retried), 'unreachable');
  // Wrapped as a cause, too.
  assert.equal(classifySendFailure(new Error('send failed', { cause: new NetworkError('Connection closed') })), 'unreachable');
});

test('a refusal for the topic: each record alone would be refused the same (the outbox refuses the rest at once)', () => {
  for (const code of [3, 17, 29, 5, 6, 19, 20]) {
    // UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION, TOPIC_AUTHORIZATION_FAILED, LEADER_NOT_AVAILABLE,
    // NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND
    assert.equal(classifySendFailure(produceRefusal([code, null])), 'topic', `error code ${code}`);
  }
  // Among other errors of the same send, and after a connection lost on an earlier try.
  const mixed = new MultipleErrors('Producing messages failed 2 times.', [
    new NetworkError('Connection closed'),
    produceRefusal([10, null], [3, null]),
  ]);
  assert.equal(classifySendFailure(mixed), 'topic');
});

test("any other refusal is the records': the outbox tries them one by one", () => {
  assert.equal(classifySendFailure(produceRefusal([10, 'larger than max.message.bytes'])), 'records'); // MESSAGE_TOO_LARGE
  assert.equal(classifySendFailure(produceRefusal([2, null])), 'records'); // CORRUPT_MESSAGE
  // A broker answered with a code: it was reached, whatever else failed beside.
  const answered = new MultipleErrors('Producing messages failed 2 times.', [
    new NetworkError('Connection closed'),
    produceRefusal([10, null]),
  ]);
  assert.equal(classifySendFailure(answered), 'records');
  assert.equal(classifySendFailure(new UserError('Cannot serialize the value.')), 'records');
  assert.equal(classifySendFailure(new Error('boom')), 'records');
  assert.equal(classifySendFailure(undefined), 'records');
});

test("a refusal is described by the broker's codes and messages, once each, at most 1,000 characters", () => {
  const refusal = produceRefusal([10, 'The request included a message larger than the max message size the server will accept.']);
  assert.equal(
    describeRefusal(refusal),
    'MESSAGE_TOO_LARGE: The request included a message larger than the max message size the server will accept.',
  );
  // Without the server's message, the client's; the same reason twice is named once.
  const twice = new MultipleErrors('Producing messages failed 2 times.', [produceRefusal([2, null]), produceRefusal([2, null])]);
  assert.equal(describeRefusal(twice), `CORRUPT_MESSAGE: ${new ProtocolError('CORRUPT_MESSAGE').message}`);
  assert.equal(
    describeRefusal(produceRefusal([10, null], [3, 'gone'])),
    `MESSAGE_TOO_LARGE: ${new ProtocolError('MESSAGE_TOO_LARGE').message}; UNKNOWN_TOPIC_OR_PARTITION: gone`,
  );
  // No code from a broker: the error's own message.
  assert.equal(describeRefusal(new Error('boom')), 'boom');
  assert.equal(describeRefusal(produceRefusal([10, 'x'.repeat(5000)])).length, 1000);
});
