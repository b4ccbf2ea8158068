import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { ConfigError, loadConfig, type StartOptions, start } from '../../../src/index.ts';
import { silentLogger } from '../../../src/plumbing/logger.ts';

const CASES: [Record<string, unknown>, RegExp][] = [
  [{ rate: 0 }, /^start\(\): rate must be a number above 0, not 0\.$/],
  [{ rate: '20' }, /^start\(\): rate must be a number above 0, not "20"\.$/],
  [{ speed: -1 }, /^start\(\): speed must be a number above 0, not -1\.$/],
  [{ durationMs: 0 }, /^start\(\): durationMs must be a number of milliseconds above 0, not 0\.$/],
  [{ seed: 1.5 }, /^start\(\): seed must be a whole number from 0 to .*, not 1\.5\.$/],
  [{ group: ' ' }, /^start\(\): group must be a non-empty string, not " "\.$/],
  [{ config: undefined }, /^start\(\): config is missing; it must be a Config \(from loadConfig\(\)\)\.$/],
  [
    { config: { ...loadConfig({ env: {}, cwd: tmpdir() }), topic: 'a topic' } },
    /^start\(\): config\.topic must be a Kafka topic name: .*, not "a topic"\.$/,
  ],
  [{ logger: undefined }, /^start\(\): logger is missing; it must be a Logger/],
  [{ signal: undefined }, /^start\(\): signal is missing; it must be an AbortSignal\.$/],
  [{ view: {} }, /^start\(\): view must be a TerminalView, not an object\.$/],
  [{ web: { url: 'http://127.0.0.1:8080' } }, /^start\(\): web\.feed is missing; it must be a LiveFeed\.$/],
];

test('start() refuses a wrong option up front, naming it and what it may be, before it starts a broker', async () => {
  for (const [overrides, message] of CASES) {
    const options = {
      // No KAFKA_BROKERS: a start() that got past its checks would start a local broker.
      config: loadConfig({ env: {}, cwd: tmpdir() }),
      logger: silentLogger,
      signal: AbortSignal.abort(),
      rate: 20,
      speed: 1,
      durationMs: undefined,
      seed: 1,
      view: undefined,
      ...overrides,
    } as StartOptions;
    await assert.rejects(start(options), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, message);
      return true;
    });
  }
});
