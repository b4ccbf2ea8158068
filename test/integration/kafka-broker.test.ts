import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findFreePort, isPortFree } from '../../src/broker/local-broker.ts';
import { withAdmin } from '../../src/kafka/admin.ts';
import { PLAINTEXT } from '../../src/kafka/security.ts';
import { runCli, testBrokers, testKafka } from './support/environment.ts';

describe('a developer runs a local broker with pos kafka up | status | down', () => {
  let dataDir: string;
  let port: number;
  const env = () => ({ POS_DATA_DIR: dataDir });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pos-kafka-'));
    port = await findFreePort();
  });
  after(async () => {
    await runCli(['kafka', 'down'], { env: env() });
    await rm(dataDir, { recursive: true, force: true });
  });

  test('up starts a KRaft broker and creates PointOfSale (6 partitions) and its dead-letter topic', async () => {
    const result = await runCli(['kafka', 'up', '--port', String(port)], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Kafka at 127\\.0\\.0\\.1:${port}: started`));
    assert.match(result.stdout, /Created topics: PointOfSale, PointOfSale\.DLQ/);
    const topics = await withAdmin({ brokers: [`127.0.0.1:${port}`], security: PLAINTEXT }, (admin) =>
      admin.metadata({ topics: ['PointOfSale', 'PointOfSale.DLQ'], forceUpdate: true }),
    );
    assert.equal(topics.topics.get('PointOfSale')?.partitionsCount, 6);
    assert.equal(topics.topics.get('PointOfSale.DLQ')?.partitionsCount, 1);
  });

  test('a second up reuses the running broker: nothing is downloaded or started', async () => {
    const result = await runCli(['kafka', 'up', '--port', String(port)], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /already running/);
    assert.doesNotMatch(result.stderr, /Fetching|Downloading|Formatting|Starting/);
  });

  test('status shows the address, the version, the state and each topic with its partitions', async () => {
    const result = await runCli(['kafka', 'status'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`127\\.0\\.0\\.1:${port} \\(local broker, Apache Kafka 4\\.\\d+\\.\\d+, pid \\d+\\)`));
    assert.match(result.stdout, /State: +running/);
    assert.match(result.stdout, /PointOfSale +6 partitions/);
    assert.match(result.stdout, /PointOfSale\.DLQ +1 partition\b/);
  });

  test('up on another port while the broker runs says how to move it', async () => {
    const result = await runCli(['kafka', 'up', '--port', String(await findFreePort())], { env: env() });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`already runs on port ${port}`));
    assert.match(result.stderr, /pos kafka down/);
  });

  test('down stops the broker and frees its port; status then exits 3', async () => {
    const result = await runCli(['kafka', 'down'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Local Kafka broker stopped/);
    assert.equal(await isPortFree(port), true);
    const status = await runCli(['kafka', 'status'], { env: env() });
    assert.equal(status.code, 3);
    assert.match(status.stdout, /State: +not running/);
  });
});

describe('pos kafka up explains what it cannot do', () => {
  test('without Java on PATH it exits non-zero, says what to install and mentions KAFKA_BROKERS', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pos-kafka-'));
    try {
      const result = await runCli(['kafka', 'up', '--port', String(await findFreePort())], {
        env: { POS_DATA_DIR: dataDir, PATH: '/nonexistent' },
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /needs Java 17 or newer, and no java was found/);
      assert.match(result.stderr, /apt-get install openjdk-17/);
      assert.match(result.stderr, /KAFKA_BROKERS/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('with KAFKA_BROKERS it only checks that the cluster answers, and down leaves it alone', async () => {
    const brokers = testBrokers().join(',');
    const up = await runCli(['kafka', 'up'], { env: { KAFKA_BROKERS: brokers } });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /answers \(KAFKA_BROKERS\)/);
    assert.doesNotMatch(up.stderr, /Starting/);
    const down = await runCli(['kafka', 'down'], { env: { KAFKA_BROKERS: brokers } });
    assert.match(down.stdout, /nothing to stop/);
    await withAdmin(testKafka(), (admin) => admin.metadata({ topics: [], forceUpdate: true }));
  });

  test('with KAFKA_BROKERS naming nothing that answers it fails and names the addresses', async () => {
    const nowhere = `127.0.0.1:${await findFreePort()}`;
    const result = await runCli(['kafka', 'up'], { env: { KAFKA_BROKERS: nowhere } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`KAFKA_BROKERS \\(${nowhere}\\) does not answer`));
  });
});
