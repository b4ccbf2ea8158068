import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { runCli, serverQuery, startCli, type TestDatabase, testBrokers, uniqueName } from './support/environment.ts';
import { expectedFigures, landedCount, offsetsTotal, produceBacklog, warehouseFigures } from './support/ingest.ts';
import { emptyFacts, migratedWarehouse } from './support/warehouse.ts';

const COUNT = 20_000;

describe('pos consume survives crashes and outages, and the result stays exact', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  let messages: TransactionMessage[];
  const topic = uniqueName('failures');
  // Groups of their own: a group is broker-wide, and other test runs use the same broker at once.
  const crashing = uniqueName('crashing');
  const outage = uniqueName('outage');
  const env = () => ({ DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(',') });

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
    messages = await produceBacklog(topic, COUNT, 99);
  });
  after(async () => {
    await serverQuery(`alter database ${database.config.database} allow_connections true`).catch(() => {});
    await close();
  });

  test('kill -9 at two random moments of the ingest, then a restart: every transaction exactly once', {
    timeout: 300_000,
  }, async () => {
    const moments = [0.1 + Math.random() * 0.25, 0.5 + Math.random() * 0.25].map((share) => Math.round(share * COUNT));
    for (const moment of moments) {
      const running = startCli(['consume', '--topic', topic, '--from-beginning', '--group', crashing, '--batch-size', '1000'], {
        env: env(),
      });
      await waitUntil(async () => (await landedCount(warehouse)) >= moment, {
        what: `${moment} transactions landed`,
        timeoutMs: 120_000,
      });
      running.child.kill('SIGKILL');
      const { code } = await running.result;
      assert.equal(code, null, 'killed, not exited');
      // Whatever landed is covered by the stored offsets, and nothing beyond them: the crash split no batch.
      assert.equal(await offsetsTotal(warehouse, crashing), await landedCount(warehouse));
    }
    const result = await runCli(['consume', '--topic', topic, '--group', crashing, '--until-idle', '5s'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
    assert.equal(await offsetsTotal(warehouse, crashing), COUNT);
    const verified = await runCli(['db', 'verify'], { env: env() });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  test('PostgreSQL refusing connections mid-stream: the consumer waits, recovers by itself, and every transaction lands once', {
    timeout: 300_000,
  }, async () => {
    await emptyFacts(warehouse, ['pos.ingest_offset']);
    const name = database.config.database;
    const running = startCli(
      ['consume', '--topic', topic, '--from-beginning', '--group', outage, '--batch-size', '1000', '--until-idle', '5s'],
      {
        env: env(),
      },
    );
    await waitUntil(async () => (await landedCount(warehouse)) >= 3000, { what: '3000 transactions landed', timeoutMs: 120_000 });

    await serverQuery(`alter database ${name} allow_connections false`);
    await serverQuery(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'pos-consumer'",
      [name],
    );
    const retries = () => running.output().stderr.match(/Waiting for PostgreSQL/g)?.length ?? 0;
    await waitUntil(() => retries() >= 3, { what: 'the consumer to retry three times', timeoutMs: 60_000 });
    await serverQuery(`alter database ${name} allow_connections true`);

    const result = await running.result;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /PostgreSQL at .* is back/);
    assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
    assert.equal(await offsetsTotal(warehouse, outage), COUNT);
    const verified = await runCli(['db', 'verify'], { env: env() });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });
});
