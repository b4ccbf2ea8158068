import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimeZoneClock } from '../../../src/simulator/local-time.ts';

test('formats RFC 3339 with the zone offset, which follows daylight saving time', () => {
  const newYork = new TimeZoneClock('America/New_York');
  assert.equal(newYork.format(Date.parse('2026-01-15T17:05:09.007Z')), '2026-01-15T12:05:09.007-05:00');
  assert.equal(newYork.format(Date.parse('2026-07-15T17:05:09.007Z')), '2026-07-15T13:05:09.007-04:00');
  // Phoenix keeps standard time all year; Honolulu too.
  const phoenix = new TimeZoneClock('America/Phoenix');
  assert.equal(phoenix.format(Date.parse('2026-07-15T17:05:09.007Z')), '2026-07-15T10:05:09.007-07:00');
  assert.equal(new TimeZoneClock('Pacific/Honolulu').offsetMinutes(Date.parse('2026-07-15T00:00:00Z')), -600);
});

test('the change to summer time happens at 2:00 local on the second Sunday of March', () => {
  const newYork = new TimeZoneClock('America/New_York');
  assert.equal(newYork.format(Date.parse('2026-03-08T06:59:59.999Z')), '2026-03-08T01:59:59.999-05:00');
  assert.equal(newYork.format(Date.parse('2026-03-08T07:00:00.000Z')), '2026-03-08T03:00:00.000-04:00');
});

test('gives local calendar fields: date key, minute of day, ISO day of week', () => {
  const local = new TimeZoneClock('America/Los_Angeles').local(Date.parse('2026-03-02T07:30:00Z'));
  // 23:30 on Sunday 1 March in Los Angeles
  assert.deepEqual(local, { year: 2026, month: 3, day: 1, minuteOfDay: 23 * 60 + 30, isoDayOfWeek: 7, dateKey: 20260301 });
});
