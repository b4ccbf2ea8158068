import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatOffset, timeZone } from '../../../src/domain/time-zone.ts';

test('knows the zones of the IANA database and their links, and nothing else', () => {
  assert.equal(timeZone('America/New_York')?.timezone, 'America/New_York');
  assert.ok(timeZone('US/Eastern'));
  assert.ok(timeZone('Etc/UTC'));
  assert.equal(timeZone('America/Springfield'), undefined);
  assert.equal(timeZone(''), undefined);
  // Intl takes bare offsets as zones; a store's zone is a name.
  assert.equal(timeZone('+05:00'), undefined);
  assert.equal(timeZone('America/New_York'), timeZone('America/New_York'), 'one cached instance per zone');
});

test('offsets are exact to the millisecond, also when a change falls in the middle of a UTC hour', () => {
  const stJohns = timeZone('America/St_Johns');
  assert.ok(stJohns);
  // Newfoundland moves to summer time at 02:00 local, 05:30 UTC.
  assert.equal(stJohns.minutesAt(Date.parse('2026-03-08T05:00:00.000Z')), -210);
  assert.equal(stJohns.minutesAt(Date.parse('2026-03-08T05:29:59.999Z')), -210);
  assert.equal(stJohns.minutesAt(Date.parse('2026-03-08T05:30:00.000Z')), -150);
  assert.equal(stJohns.minutesAt(Date.parse('2026-03-08T05:59:59.999Z')), -150);
  const newYork = timeZone('America/New_York');
  assert.equal(newYork?.minutesAt(Date.parse('2026-03-08T06:59:59.999Z')), -300);
  assert.equal(newYork?.minutesAt(Date.parse('2026-03-08T07:00:00.000Z')), -240);
  assert.equal(timeZone('Asia/Kathmandu')?.minutesAt(0), 330);
});

test('formats offsets as RFC 3339 writes them', () => {
  assert.equal(formatOffset(-300), '-05:00');
  assert.equal(formatOffset(345), '+05:45');
  assert.equal(formatOffset(0), '+00:00');
});
