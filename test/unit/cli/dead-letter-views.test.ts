import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadLetterRows, describeDeadLetter } from '../../../src/cli/dead-letter-views.ts';
import type { DeadLetterDetail } from '../../../src/warehouse/sql/list-dead-letters.ts';

function letter(rawValue: Uint8Array | null): DeadLetterDetail {
  return {
    id: '42',
    created_at: new Date('2026-03-06T12:00:00Z'),
    error_code: 'invalid_utf8',
    error_detail: 'the value is not valid UTF-8',
    topic: 'PointOfSale',
    partition: 2,
    offset: '17',
    topic_id: 'b7c2a3f4-5d6e-4f70-8a9b-0c1d2e3f4a5b',
    bytes: rawValue?.length ?? 0,
    published_at: null,
    publish_attempts: 2,
    publish_error: 'MESSAGE_TOO_LARGE: too big',
    replayed_at: null,
    replay_outcome: null,
    key: Buffer.from('S001'),
    raw_value: rawValue,
  };
}

test('show: a UTF-8 value is printed as text, with the error, the source and the publishing state', () => {
  const text = describeDeadLetter(letter(Buffer.from('{"a": "é"}')));
  assert.match(text, /^dead letter 42\n/);
  assert.match(text, /error {7}invalid_utf8: the value is not valid UTF-8/);
  assert.match(text, /source {6}topic PointOfSale, partition 2, offset 17 \(topic id b7c2a3f4-5d6e-4f70-8a9b-0c1d2e3f4a5b\)\n/);
  assert.match(text, /published {3}not yet \(2 attempts, last error: MESSAGE_TOO_LARGE: too big\)/);
  assert.match(text, /replayed {4}never/);
  assert.match(text, /value {7}11 bytes, UTF-8 text:\n\{"a": "é"\}\n$/);
});

test('show: a value that is not UTF-8 is printed in hex', () => {
  const text = describeDeadLetter(letter(new Uint8Array([0xff, 0xfe, 0x41])));
  assert.match(text, /value {7}3 bytes, not UTF-8, in hex:\nfffe41\n$/);
});

test('list: the table has short cells, JSON every field', () => {
  const summary = { ...letter(Buffer.from('x')), error_detail: 'x'.repeat(100) };
  const table = deadLetterRows([summary], 'table');
  assert.deepEqual(table.rows[0], {
    id: '42',
    created: '2026-03-06 12:00:00',
    code: 'invalid_utf8',
    source: 'PointOfSale/2@17',
    bytes: 1,
    published: 'failed ×2',
    replay: '',
    detail: `${'x'.repeat(59)}…`,
  });
  const json = deadLetterRows([summary], 'json');
  assert.equal(json.rows[0]?.error_detail, 'x'.repeat(100));
  assert.equal(json.rows[0]?.created_at, '2026-03-06T12:00:00.000Z');
});
