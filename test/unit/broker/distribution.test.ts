import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSha512File, pinnedKafkaVersion } from '../../../src/broker/distribution.ts';

const digest = 'ab'.repeat(64);

test('reads a SHA-512 in sha512sum form', () => {
  assert.equal(parseSha512File(`${digest}  kafka_2.13-4.2.2.tgz\n`), digest);
});

test("reads a SHA-512 in GnuPG's grouped, upper-case form over several lines", () => {
  const groups = digest.toUpperCase().match(/.{8}/g) ?? [];
  const text = `kafka_2.13-4.2.2.tgz: ${groups.slice(0, 8).join(' ')}\n                      ${groups.slice(8).join(' ')}\n`;
  assert.equal(parseSha512File(text), digest);
});

test('refuses a file without a digest', () => {
  assert.throws(() => parseSha512File('<html>Not Found</html>'), /no SHA-512 digest/);
});

test('the pinned Kafka version comes from kafka/pom.xml and is a 4.x release', () => {
  assert.match(pinnedKafkaVersion(), /^4\.\d+\.\d+$/);
});
