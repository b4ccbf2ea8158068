import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Backoff, backoffDelay, OUTAGE_BACKOFF } from '../../../src/plumbing/retry.ts';

/** The delays of attempts 1…n with Math.random() at `random` (its bounds: 0, and just under 1). */
function delays(t: { mock: { method: typeof test.mock.method } }, random: number, attempts: number, backoff?: Backoff): number[] {
  t.mock.method(Math, 'random', () => random);
  return Array.from({ length: attempts }, (_, index) => backoffDelay(index + 1, backoff));
}

test('an outage is waited out 0.4 s at first, twice as long each time, at most 30 s, with full jitter', (t) => {
  assert.deepEqual(OUTAGE_BACKOFF, { firstMs: 400, maxMs: 30_000, jitter: 1 });
  assert.deepEqual(delays(t, 1, 9), [400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
  // Full jitter: anywhere from nothing to the whole wait.
  assert.deepEqual(delays(t, 0, 3), [0, 0, 0]);
  assert.deepEqual(delays(t, 0.5, 3), [200, 400, 800]);
});

test("each caller's bounds: half jitter waits from half the wait to all of it", (t) => {
  const backoff: Backoff = { firstMs: 1000, maxMs: 8000, jitter: 0.5 };
  assert.deepEqual(delays(t, 1, 5, backoff), [1000, 2000, 4000, 8000, 8000]);
  assert.deepEqual(delays(t, 0, 5, backoff), [500, 1000, 2000, 4000, 4000]);
});

test('without jitter the wait is exact, whatever Math.random says', (t) => {
  const backoff: Backoff = { firstMs: 10_000, maxMs: 3_600_000, jitter: 0 };
  assert.deepEqual(delays(t, 0.123, 4, backoff), [10_000, 20_000, 40_000, 80_000]);
  assert.equal(backoffDelay(30, backoff), 3_600_000);
});

test('attempt 0 counts as the first; a huge attempt stays at the cap; delays are whole milliseconds', (t) => {
  t.mock.method(Math, 'random', () => 0.3333);
  const backoff: Backoff = { firstMs: 200, maxMs: 5000, jitter: 0.5 };
  assert.equal(backoffDelay(0, backoff), backoffDelay(1, backoff));
  assert.equal(backoffDelay(100_000, OUTAGE_BACKOFF), Math.round(30_000 * 0.3333));
  for (let attempt = 1; attempt < 20; attempt++) assert.ok(Number.isInteger(backoffDelay(attempt, backoff)));
});
