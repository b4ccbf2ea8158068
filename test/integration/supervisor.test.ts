import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { withAdmin } from '../../src/kafka/admin.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { logLines, startCli, type TestDatabase, testBrokers, testKafka, uniqueName } from './support/environment.ts';
import { landedCount, produceBacklog } from './support/ingest.ts';
import { migratedWarehouse } from './support/warehouse.ts';

/** The pids of the processes whose command line mentions `text` (from /proc). */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // A process may end while the table is read.
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(text)) pids.push(Number(entry));
  }
  return pids;
}

/** The members of a consumer group, as the broker knows them. */
async function groupMembers(group: string): Promise<number> {
  const groups = await withAdmin(testKafka(), (admin) => admin.describeGroups({ groups: [group] }));
  return [...groups.values()][0]?.members.size ?? 0;
}

/** See docs/operations.md, "Running under a supervisor". */
describe('pos under a supervisor', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let close: () => Promise<void>;
  const topic = uniqueName('supervised');

  before(async () => {
    ({ database, warehouse, close } = await migratedWarehouse());
    await produceBacklog(topic, 3000, 41);
  });
  after(() => close());

  test('SIGTERM to `node bin/pos.js consume`, the only process there is, stops it within 10 s: exit 0, its summary, offsets committed, group left', {
    timeout: 120_000,
    skip: !existsSync('/proc/self/cmdline') && 'reads the process table from /proc',
  }, async (t) => {
    const group = uniqueName('supervised');
    // As a unit file or a container's exec form starts it: the Node binary on bin/pos.js, no npx between.
    const running = startCli(['consume', '--topic', topic, '--group', group, '--batch-size', '500', '--metrics-port', '0'], {
      env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(',') },
    });
    const pid = running.child.pid;
    assert.ok(pid);
    try {
      const metrics = await waitUntil(
        () => logLines(running.output().stderr).find((line) => typeof line.metrics === 'string')?.metrics as string | undefined,
        { what: 'the metrics endpoint to be served', timeoutMs: 60_000 },
      );
      const readyz = metrics.replace(/\/metrics$/, '/readyz');
      await waitUntil(async () => (await fetch(readyz)).ok && (await landedCount(warehouse)) > 0, {
        what: 'the consumer to be ready and its first batch to land',
        timeoutMs: 60_000,
      });
      assert.equal(await groupMembers(group), 1);

      // bin/pos.js replaced itself with the heap flags (execve: same pid) rather than starting a
      // child: the signal reaches the process that consumes, with nothing to forward.
      assert.match(await readFile(`/proc/${pid}/cmdline`, 'utf8'), /--max-semi-space-size/);
      assert.deepEqual(await processesMentioning(group), [pid]);

      const signalled = performance.now();
      process.kill(pid, 'SIGTERM');
      let deadline: NodeJS.Timeout | undefined;
      const { code, stdout, stderr } = await Promise.race([
        running.result,
        new Promise<never>((_, reject) => {
          deadline = setTimeout(() => reject(new Error('pos consume still runs 10 s after SIGTERM')), 10_000);
        }),
      ]).finally(() => clearTimeout(deadline));
      const stoppedMs = performance.now() - signalled;
      assert.equal(code, 0, stderr);
      assert.ok(stoppedMs < 10_000, `stopped in ${Math.round(stoppedMs)} ms`);
      t.diagnostic(`stopped ${Math.round(stoppedMs)} ms after SIGTERM`);

      const lines = logLines(stderr);
      assert.ok(
        lines.some((line) => line.signal === 'SIGTERM' && /^Stopping/.test(line.msg)),
        'it says why it stops',
      );
      const finished = lines.find((line) => line.msg === 'Ingest finished');
      assert.ok(finished, 'its final log line');
      const landed = Number(/Read [\d,]+ messages: ([\d,]+) transactions landed/.exec(stdout)?.[1]?.replaceAll(',', ''));
      assert.equal(finished.landed, landed);
      assert.equal(await landedCount(warehouse), landed, 'its summary is what the warehouse holds');
      const [offsets] = await warehouse.query<{ next: string }>(
        'select coalesce(sum(next_offset), 0)::text as next from pos.ingest_offset where consumer_group = $1',
        [group],
      );
      assert.equal(Number(offsets?.next), landed, 'the offsets are committed up to what landed');
      assert.equal(await groupMembers(group), 0, 'it left the group rather than waiting to time out');
      assert.deepEqual(await processesMentioning(group), [], 'nothing is left running');
    } finally {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    }
  });
});
