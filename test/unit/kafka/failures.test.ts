import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MultipleErrors, NetworkError, ProtocolError, UserError } from '@platformatic/kafka';
import { isUnknownTopicError } from '../../../src/kafka/failures.ts';

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
