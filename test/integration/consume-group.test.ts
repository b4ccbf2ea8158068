import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SIZES } from '../../src/catalog/catalog.ts';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import { simulate } from '../../src/simulator/run.ts';
import { KafkaSink } from '../../src/simulator/sinks.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import {
  logLines,
  type RunningCli,
  runCli,
  startCli,
  type TestDatabase,
  testBrokers,
  testKafka,
  uniqueName,
} from './support/environment.ts';
import {
  expectedFigures,
  landedAndOffsets,
  landedCount,
  offsetsTotal,
  produceBacklog,
  warehouseFigures,
} from './support/ingest.ts';
import { consumeAll } from './support/topics.ts';
import { emptyFacts, migratedWarehouse } from './support/warehouse.ts';

const COUNT = 30_000;
const PARTITIONS = 12;

/** The partitions a process was given at each assignment, from its logs ('Reading the assigned partitions …'). */
function assignments(process: RunningCli): number[][] {
  return logLines(process.output().stderr)
    .filter((line) => line.msg === 'Reading the assigned partitions from these offsets')
    .map((line) => Object.keys(line.positions as Record<string, string>).map(Number));
}

/** When a process committed batches, from its debug logs. */
function commitTimes(process: RunningCli): number[] {
  return logLines(process.output().stderr)
    .filter((line) => line.msg === 'Batch committed')
    .map((line) => line.time);
}

describe('several pos consume processes in one consumer group', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: database.url,
    KAFKA_BROKERS: testBrokers().join(','),
    ...extra,
  });

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
  });
  after(() => close());

  test('three processes share 12 partitions; one is killed with SIGKILL mid-stream and a fourth joins: every transaction exactly once', {
    timeout: 400_000,
  }, async () => {
    const topic = uniqueName('group_backlog');
    const group = uniqueName('group');
    const messages = await produceBacklog(topic, COUNT, 1313, PARTITIONS);
    const member = () =>
      startCli(['consume', '--topic', topic, '--group', group, '--batch-size', '250', '--until-idle', '6s'], { env: env() });
    const [first, doomed, third] = [member(), member(), member()];
    try {
      await waitUntil(
        () => [first, doomed, third].every((process) => assignments(process).some((partitions) => partitions.length > 0)),
        {
          what: 'each of the three processes to be assigned partitions',
          timeoutMs: 120_000,
        },
      );
      await waitUntil(async () => (await landedCount(warehouse)) >= COUNT * 0.3, {
        what: `${COUNT * 0.3} transactions landed`,
        timeoutMs: 120_000,
      });
      doomed.child.kill('SIGKILL');
      assert.equal((await doomed.result).code, null, 'killed, not exited');
      // Whatever the killed process wrote is covered by the stored offsets: no batch was split (the
      // two read together: the other members go on committing).
      const atKill = await landedAndOffsets(warehouse, group);
      assert.ok(atKill.landed < COUNT, `killed mid-stream (${atKill.landed} of ${COUNT} had landed)`);
      assert.equal(atKill.offsets, atKill.landed);

      const fourth = member();
      const results = await Promise.all([first.result, third.result, fourth.result]);
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      assert.ok(
        assignments(fourth).some((partitions) => partitions.length > 0),
        'the fourth process was given partitions',
      );
      assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(messages));
      assert.equal(await offsetsTotal(warehouse, group), COUNT);
      const [letters] = await warehouse.query<{ count: string }>('select count(*)::text as count from pos.dead_letter');
      assert.equal(letters?.count, '0');
    } finally {
      for (const process of [first, doomed, third]) process.child.kill('SIGKILL');
    }
  });

  test('a static member (--instance-id) killed with SIGKILL and restarted commits again within seconds, and the other member is not disturbed', {
    timeout: 300_000,
  }, async (t) => {
    await emptyFacts(warehouse, ['pos.ingest_offset']);
    const topic = uniqueName('group_static');
    const group = uniqueName('static');
    // Tills keep selling through the test, at an hour when every store is open, on every partition.
    const sink = await KafkaSink.open({ kafka: testKafka(), external: true, topic, createPartitions: PARTITIONS });
    const stopSelling = new AbortController();
    const selling = simulate({
      seed: 77,
      sizes: DEFAULT_SIZES,
      mode: { kind: 'realtime', rate: 150, speed: 1, startAt: Date.parse('2026-06-03T18:00:00Z') },
      sink,
      signal: stopSelling.signal,
    });
    const member = (id: string) =>
      startCli(['consume', '--topic', topic, '--group', group, '--batch-size', '100', '--instance-id', id], {
        env: env({ LOG_LEVEL: 'debug' }),
      });
    const steady = member('till-a');
    let restarted: RunningCli | undefined;
    try {
      const doomed = member('till-b');
      await waitUntil(() => commitTimes(steady).length > 0 && commitTimes(doomed).length > 0, {
        what: 'both members to commit',
        timeoutMs: 120_000,
      });
      const steadyAssignments = assignments(steady).length;
      doomed.child.kill('SIGKILL');
      await doomed.result;

      const restartedAt = Date.now();
      restarted = member('till-b');
      const process = restarted;
      await waitUntil(() => commitTimes(process).length > 0, { what: 'the restarted member to commit', timeoutMs: 60_000 });
      const [firstCommit = Number.NaN] = commitTimes(process);
      const startedLogging = logLines(process.output().stderr)[0]?.time ?? Number.NaN;
      const restartToCommit = firstCommit - restartedAt;
      t.diagnostic(
        `restart to first commit: ${restartToCommit} ms (process start-up ${startedLogging - restartedAt} ms, ` +
          `then ${firstCommit - startedLogging} ms to join, place and commit)`,
      );
      // A dynamic member would wait for the killed one's session to time out (10 s) first. Measured
      // from the process's first log line: Node's own start-up is no part of rejoining, and takes
      // seconds on a loaded machine.
      const joinToCommit = firstCommit - startedLogging;
      assert.ok(joinToCommit < 6000, `the restarted member committed ${joinToCommit} ms after it started logging`);
      assert.deepEqual(
        assignments(process)
          .at(-1)
          ?.sort((a, b) => a - b),
        assignments(doomed)
          .at(-1)
          ?.sort((a, b) => a - b),
        'it got its own partitions back',
      );
      assert.equal(assignments(steady).length, steadyAssignments, 'the other member saw no rebalance');

      // Stop selling, then let the group drain: what was sold is in the warehouse exactly once.
      stopSelling.abort();
      const { sent, failed } = await selling;
      assert.equal(failed, 0);
      for (const member of [steady, process]) member.child.kill('SIGTERM');
      for (const member of [steady, process]) assert.equal((await member.result).code, 0);
      const drained = await runCli(
        ['consume', '--topic', topic, '--group', group, '--until-idle', '4s', '--instance-id', 'till-a'],
        { env: env() },
      );
      assert.equal(drained.code, 0, drained.stderr);
      const produced = (await consumeAll(testBrokers(), topic, sent)).map(
        (message) => JSON.parse(message.value.toString()) as TransactionMessage,
      );
      assert.equal(produced.length, sent);
      assert.deepEqual(await warehouseFigures(warehouse), expectedFigures(produced));
    } finally {
      stopSelling.abort();
      await selling.catch(() => {});
      steady.child.kill('SIGKILL');
      restarted?.child.kill('SIGKILL');
    }
  });
});
