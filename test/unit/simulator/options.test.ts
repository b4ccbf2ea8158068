import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, type MessageSink, type SimulationOptions, simulate } from '../../../src/index.ts';

/** A sink that counts what it is given: a refused option must be refused before anything is made. */
function countingSink(): MessageSink & { written: number } {
  const stats = { sent: 0, failed: 0, retried: 0, bytes: 0 };
  return {
    written: 0,
    stats,
    write() {
      this.written++;
      return undefined;
    },
    close: async () => stats,
  };
}

const SIZES = { stores: 2, products: 18, customers: 4 };
const BACKFILL = { kind: 'backfill', count: 10, startDate: '2026-01-01', days: 1 };
const REALTIME = { kind: 'realtime', rate: 10, speed: 1, durationMs: 100 };

const CASES: [Record<string, unknown>, RegExp][] = [
  [{ seed: -1 }, /^simulate\(\): seed must be a whole number from 0 to 9,007,199,254,740,991, not -1\.$/],
  [{ seed: undefined }, /^simulate\(\): seed is missing; it must be a whole number from 0/],
  [{ catalogSeed: 0.5 }, /^simulate\(\): catalogSeed must be a whole number from 0 to .*, not 0\.5\.$/],
  [{ sizes: undefined }, /^simulate\(\): sizes is missing; it must be an object of options\.$/],
  [{ sizes: { ...SIZES, stores: 0 } }, /^simulate\(\): sizes\.stores must be a whole number from 1 to 100,000, not 0\.$/],
  [
    { sizes: { ...SIZES, products: 17 } },
    /^simulate\(\): sizes\.products must be a whole number from 18 to 10,000,000, not 17\.$/,
  ],
  [{ sizes: { ...SIZES, customers: 100_000_001 } }, /sizes\.customers must be a whole number from 1 to 100,000,000/],
  // Across options: every store has at least one customer.
  [{ sizes: { stores: 5, products: 18, customers: 4 } }, /^simulate\(\): sizes\.customers 4 is fewer than sizes\.stores 5\.$/],
  [{ mode: { ...BACKFILL, kind: 'live' } }, /^simulate\(\): mode\.kind must be one of backfill, realtime, not "live"\.$/],
  [{ mode: { ...BACKFILL, count: 0 } }, /^simulate\(\): mode\.count must be a whole number from 1 to .*, not 0\.$/],
  [
    { mode: { ...BACKFILL, startDate: '2026-02-30' } },
    /^simulate\(\): mode\.startDate must be a date as YYYY-MM-DD, e\.g\. 2026-01-31, not "2026-02-30"\.$/,
  ],
  [{ mode: { ...BACKFILL, days: 3661 } }, /^simulate\(\): mode\.days must be a whole number from 1 to 3,660, not 3661\.$/],
  [{ mode: { ...REALTIME, rate: 0 } }, /^simulate\(\): mode\.rate must be a number above 0, not 0\.$/],
  [
    { mode: { ...REALTIME, speed: Number.POSITIVE_INFINITY } },
    /^simulate\(\): mode\.speed must be a number above 0, not Infinity\.$/,
  ],
  [
    { mode: { ...REALTIME, durationMs: 0 } },
    /^simulate\(\): mode\.durationMs must be a number of milliseconds above 0, not 0\.$/,
  ],
  // Across options: one mode's options in the other are refused, not ignored.
  [{ mode: { ...BACKFILL, rate: 10 } }, /^simulate\(\): mode\.rate is for a realtime mode, and mode\.kind is "backfill"\.$/],
  [{ mode: { ...REALTIME, count: 10 } }, /^simulate\(\): mode\.count is for a backfill mode, and mode\.kind is "realtime"\.$/],
  [{ sink: undefined }, /^simulate\(\): sink is missing; it must be a MessageSink \(with write\(\) and close\(\)\)\.$/],
  [{ threads: 65 }, /^simulate\(\): threads must be a whole number from 0 to 64, not 65\.$/],
  [{ signal: {} }, /^simulate\(\): signal must be an AbortSignal, not an object\.$/],
  [{ onTransaction: 1 }, /^simulate\(\): onTransaction must be a function, not 1\.$/],
];

test('simulate() refuses a wrong option up front, naming it and what it may be, before it makes anything', async () => {
  for (const [overrides, message] of CASES) {
    const sink = countingSink();
    const options = { seed: 1, sizes: SIZES, mode: BACKFILL, sink, ...overrides } as SimulationOptions;
    await assert.rejects(simulate(options), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, message);
      return true;
    });
    assert.equal(sink.written, 0);
  }
});

test('simulate() with right options runs: the checks let a valid backfill through', async () => {
  const sink = countingSink();
  const result = await simulate({ seed: 1, sizes: SIZES, mode: BACKFILL as SimulationOptions['mode'], sink });
  assert.equal(result.made, 10);
  assert.equal(sink.written, 10);
});
