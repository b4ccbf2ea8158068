import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboardLines } from '../../../src/dashboard/terminal.ts';

/** A run that has just started: nothing produced yet. */
const STARTED = {
  elapsedMs: 0,
  simulatedAt: 0,
  speed: 1,
  rate: 20,
  brokers: 'b',
  topic: 't',
  database: 'd',
  produced: 0,
  failed: 0,
  ingested: 0,
  lines: 0,
  deadLetters: 0,
  lag: 0,
  salesToday: [],
  lastProblem: undefined,
};

test('the live view shows produced, ingested, lag, dead letters and each store today', () => {
  const lines = dashboardLines({
    elapsedMs: 83_000,
    simulatedAt: Date.parse('2026-06-01T17:30:00Z'),
    speed: 60,
    rate: 20,
    brokers: '127.0.0.1:9092',
    topic: 'PointOfSale',
    database: 'embedded PostgreSQL (PGlite) in .pos/pgdata',
    produced: 1660,
    failed: 0,
    ingested: 1652,
    lines: 6601,
    deadLetters: 2,
    lag: 8,
    salesToday: [{ storeId: 'S004', name: 'Houston Fairview Supercenter', transactions: 131, total: '4512.30' }],
    lastProblem: undefined,
    webUrl: 'http://127.0.0.1:8080',
  }).join('\n');
  assert.match(lines, /running 01:23, 20 transactions\/s wanted, simulated time ×60 \(2026-06-01 17:30 UTC\)/);
  assert.match(lines, /produced\s+1,660\s+20\.0\/s/);
  assert.match(lines, /ingested\s+1,652\s+6,601 lines/);
  assert.match(lines, /consumer lag\s+8/);
  assert.match(lines, /Dashboard: http:\/\/127\.0\.0\.1:8080\//);
  assert.match(lines, /dead letters\s+2/);
  assert.match(lines, /S004 {2}Houston Fairview Supercenter\s+131\s+4512\.30/);
});

test('the live view fits the terminal width', () => {
  const lines = dashboardLines({ ...STARTED, lastProblem: 'x'.repeat(300) }, 60);
  assert.ok(lines.every((line) => line.length <= 60));
});

test('the live view counts the products out of stock when stock is tracked', () => {
  assert.match(
    dashboardLines({ ...STARTED, lowStock: { outOfStock: 1234, underTwoDays: 56 } }).join('\n'),
    /out of stock\s+1,234 {3}56 more under 2 days of cover/,
  );
  assert.doesNotMatch(dashboardLines(STARTED).join('\n'), /out of stock/);
});
