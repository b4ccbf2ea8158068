import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitUntil } from '../../src/plumbing/wait.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { logLines, type RunningCli, startCli, type TestDatabase, testBrokers, uniqueName } from './support/environment.ts';
import { expectedFigures, landedCount, produceBacklog, warehouseFigures } from './support/ingest.ts';
import { migratedWarehouse } from './support/warehouse.ts';

let database: TestDatabase;
let warehouse: Warehouse;
let close: () => Promise<void>;
let running: RunningCli | undefined;

before(async () => {
  ({ database, warehouse, close } = await migratedWarehouse());
});
after(async () => {
  running?.child.kill('SIGKILL');
  await close();
});

test('pos consume on a topic that does not exist yet says so, waits for it, and lands what is produced once it exists', {
  timeout: 180_000,
}, async () => {
  const topic = uniqueName('late');
  running = startCli(['consume', '--topic', topic, '--group', uniqueName('late')], {
    env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(',') },
  });
  const { child, output, result } = running;
  const waiting = `Topic ${topic} does not exist at ${testBrokers().join(',')}; waiting for it`;
  const exited = result.then(({ code }) => {
    throw new Error(`pos consume exited with code ${code} while the topic was missing:\n${output().stderr}`);
  });
  await Promise.race([
    waitUntil(() => logLines(output().stderr).some((line) => line.msg === waiting), {
      what: `"${waiting}" in the log`,
      timeoutMs: 60_000,
    }),
    exited,
  ]);
  assert.doesNotMatch(output().stderr, /Cannot reach Kafka or PostgreSQL/);

  // `pos simulate`'s sink creates the topic, then produces to it.
  const messages = await produceBacklog(topic, 300, 5);
  await Promise.race([
    waitUntil(async () => (await landedCount(warehouse)) === messages.length, {
      what: `${messages.length} transactions landed`,
      timeoutMs: 120_000,
    }),
    exited,
  ]);
  exited.catch(() => {}); // it exits below, on purpose
  child.kill('SIGTERM');
  const { code, stdout, stderr } = await result;
  assert.equal(code, 0, stderr);
  assert.match(stdout, /300 transactions landed/);
  assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
});
