import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random, ZipfSampler } from '../../../src/plumbing/random.ts';

test('the same seed and key give the same sequence; another key another one', () => {
  const draw = (random: Random) => Array.from({ length: 5 }, () => random.uint32());
  assert.deepEqual(draw(new Random(42, 1)), draw(new Random(42, 1)));
  assert.notDeepEqual(draw(new Random(42, 1)), draw(new Random(42, 2)));
  assert.notDeepEqual(draw(new Random(42)), draw(new Random(43)));
  assert.notDeepEqual(draw(new Random(2 ** 40)), draw(new Random(2 ** 40 + 2 ** 32)));
});

test('UUIDs are well-formed version 4, variant 1', () => {
  const random = new Random(1);
  for (let i = 0; i < 1000; i++)
    assert.match(random.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('Zipf ranks stay in range and fall off as k^-s', () => {
  const random = new Random(3);
  const zipf = new ZipfSampler(1000, 1);
  const counts = new Array(1001).fill(0);
  for (let i = 0; i < 200_000; i++) counts[zipf.sample(random)]++;
  assert.equal(counts[0], 0);
  // P(1) / P(2) = 2 and P(1) / P(10) = 10 for s = 1; allow sampling noise.
  assert.ok(Math.abs(counts[1] / counts[2] - 2) < 0.15, `${counts[1]} / ${counts[2]}`);
  assert.ok(Math.abs(counts[1] / counts[10] - 10) < 1.5, `${counts[1]} / ${counts[10]}`);
  assert.ok(counts[1000] > 0 || counts[999] > 0 || counts[998] > 0);
});
