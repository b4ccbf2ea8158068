import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { partitionsNotCaughtUp, planPositions } from '../../../src/ingest/positions.ts';

const TOPIC = 'a1b2c3d4-0000-4000-8000-000000000001';
const OLD_TOPIC = 'a1b2c3d4-0000-4000-8000-000000000000';

describe('read positions', () => {
  test('a partition without a stored offset starts at the log start by default, at the end when asked, and is stored', () => {
    const assigned = [{ partition: 0, start: 5n, end: 40n }];
    const earliest = planPositions({ topicId: TOPIC, assigned, stored: [], policy: 'earliest' });
    assert.deepEqual([...earliest.starts], [[0, 5n]]);
    assert.deepEqual(earliest.writes, [{ partition: 0, offset: 5n }]);
    assert.deepEqual(earliest.gaps, []);
    const latest = planPositions({ topicId: TOPIC, assigned, stored: [], policy: 'latest' });
    assert.deepEqual([...latest.starts], [[0, 40n]]);
    assert.deepEqual(latest.writes, [{ partition: 0, offset: 40n }]);
  });

  test('a stored offset inside the log is where reading goes on, whatever the policy, and nothing is written', () => {
    const plan = planPositions({
      topicId: TOPIC,
      assigned: [{ partition: 2, start: 0n, end: 90n }],
      stored: [{ partition: 2, offset: 60n, topicId: TOPIC }],
      policy: 'latest',
    });
    assert.deepEqual([...plan.starts], [[2, 60n]]);
    assert.deepEqual(plan.writes, []);
  });

  test('an offset stored before topic ids were kept is adopted for the topic', () => {
    const plan = planPositions({
      topicId: TOPIC,
      assigned: [{ partition: 0, start: 0n, end: 9n }],
      stored: [{ partition: 0, offset: 7n, topicId: null }],
      policy: 'earliest',
    });
    assert.deepEqual([...plan.starts], [[0, 7n]]);
    assert.deepEqual(plan.writes, [{ partition: 0, offset: 7n }]);
    assert.equal(plan.recreated, undefined);
  });

  test('a stored offset below the log start is a gap with exact bounds; reading resumes at the log start', () => {
    const plan = planPositions({
      topicId: TOPIC,
      assigned: [{ partition: 1, start: 30n, end: 50n }],
      stored: [{ partition: 1, offset: 12n, topicId: TOPIC }],
      policy: 'earliest',
    });
    assert.deepEqual(plan.gaps, [{ partition: 1, firstMissing: 12n, lastMissing: 29n, count: 18n }]);
    assert.deepEqual([...plan.starts], [[1, 30n]]);
    assert.deepEqual(plan.writes, [{ partition: 1, offset: 30n }]);
  });

  test('a stored offset above the high watermark is a truncation; reading resumes at the end', () => {
    const plan = planPositions({
      topicId: TOPIC,
      assigned: [{ partition: 0, start: 0n, end: 10n }],
      stored: [{ partition: 0, offset: 25n, topicId: TOPIC }],
      policy: 'earliest',
    });
    assert.deepEqual(plan.truncations, [{ partition: 0, stored: 25n, end: 10n }]);
    assert.deepEqual([...plan.starts], [[0, 10n]]);
    assert.deepEqual(plan.writes, [{ partition: 0, offset: 10n }]);
  });

  test('offsets of a deleted topic are void: the new one is read from its beginning, even with --from-latest, and every stored partition restarts', () => {
    const plan = planPositions({
      topicId: TOPIC,
      assigned: [
        { partition: 0, start: 0n, end: 3n },
        { partition: 1, start: 2n, end: 4n },
      ],
      stored: [0, 1, 2].map((partition) => ({ partition, offset: 20n, topicId: OLD_TOPIC })),
      policy: 'latest',
    });
    assert.deepEqual(plan.recreated, { previousTopicId: OLD_TOPIC, topicId: TOPIC });
    assert.deepEqual(
      [...plan.starts],
      [
        [0, 0n],
        [1, 2n],
      ],
    );
    // Partition 1's first two records were deleted before the group got there; partition 2 is another member's.
    assert.deepEqual(plan.gaps, [{ partition: 1, firstMissing: 0n, lastMissing: 1n, count: 2n }]);
    assert.deepEqual(plan.writes, [
      { partition: 0, offset: 0n },
      { partition: 1, offset: 2n },
      { partition: 2, offset: 0n },
    ]);
  });

  test('the group is caught up only when every partition with records has a stored offset at its end', () => {
    const bounds = [
      { partition: 0, start: 0n, end: 10n },
      { partition: 1, start: 0n, end: 0n },
      { partition: 2, start: 4n, end: 4n },
      { partition: 3, start: 0n, end: 7n },
    ];
    const stored = [
      { partition: 0, offset: 10n, topicId: TOPIC },
      { partition: 3, offset: 6n, topicId: TOPIC },
    ];
    assert.deepEqual(partitionsNotCaughtUp(TOPIC, bounds, stored), [3]);
    // Offsets of another topic of the same name count as none.
    assert.deepEqual(partitionsNotCaughtUp(TOPIC, bounds, [{ partition: 0, offset: 10n, topicId: OLD_TOPIC }]), [0, 3]);
  });
});
