import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '../../src/plumbing/wait.ts';
import { openWarehouse } from '../../src/warehouse/database.ts';
import { type RunningCli, runCli, startCli, testBrokers, uniqueName } from './support/environment.ts';

/** The log line fields of the latest "Running" line that `pos start` wrote (it logs one every 10 s without a terminal). */
function lastRunning(stderr: string): { ingested: number } | undefined {
  const line = stderr.split('\n').findLast((entry) => entry.includes('"msg":"Running"'));
  return line ? JSON.parse(line) : undefined;
}

/** Waits up to 60 s for `pos start` to report ingested transactions; on failure, shows what it logged. */
async function waitForIngestion(running: RunningCli): Promise<void> {
  const ingested = waitUntil(() => (lastRunning(running.output().stderr)?.ingested ?? 0) > 0, {
    what: 'ingested transactions',
    timeoutMs: 60_000,
  });
  const exited = running.result.then(({ code }) => {
    throw new Error(`pos start exited with code ${code} before it ingested anything`);
  });
  try {
    await Promise.race([ingested, exited]);
  } catch (error) {
    throw new Error(`${(error as Error).message}\npos start wrote:\n${running.output().stderr.slice(-4000)}`);
  }
}

describe('a newcomer runs pos start with no database configured', () => {
  let folder: string;
  const env = () => ({ KAFKA_BROKERS: testBrokers().join(','), POS_TOPIC: uniqueName('start') });

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'pos-start-'));
  });
  after(() => rm(folder, { recursive: true, force: true }));

  test('transactions are being ingested within 60 s; then sales-by-store equals a direct sum over the facts', {
    timeout: 180_000,
  }, async () => {
    const started = Date.now();
    const running = startCli(
      ['start', '--duration', '25s', '--rate', '20', '--speed', '30', '--web-port', '0', '--group', uniqueName('start')],
      {
        env: env(),
        cwd: folder,
      },
    );
    await waitForIngestion(running);
    assert.ok(Date.now() - started < 60_000);
    const result = await running.result;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Ran \d+ s: [\d,]+ transactions produced, [\d,]+ landed in the warehouse/);
    assert.match(result.stderr, /embedded PostgreSQL \(PGlite\)/);
    // The web dashboard, on the free port asked for, is printed and logged.
    assert.match(result.stdout, /Dashboard at http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(result.stderr, /Serving the dashboard at http:\/\/127\.0\.0\.1:\d+\//);

    const report = await runCli(['report', 'sales-by-store', '--format', 'json'], { cwd: folder });
    assert.equal(report.code, 0, report.stderr);
    const rows = JSON.parse(report.stdout) as { store_id: string; transactions: number; total: string }[];
    assert.ok(rows.length > 0);
    const warehouse = await openWarehouse({ kind: 'embedded', dataDir: join(folder, '.pos', 'pgdata') });
    try {
      const direct = await warehouse.query<{ store_id: string; transactions: number; total: string }>(
        `select s.store_id, count(*)::int as transactions, sum(f.total)::text as total
           from pos.fact_transaction f join pos.dim_store s on s.store_key = f.store_key
          group by s.store_id order by s.store_id`,
      );
      assert.deepEqual(
        rows.map(({ store_id, transactions, total }) => ({ store_id, transactions, total })),
        direct,
      );
    } finally {
      await warehouse.close();
    }
  });

  test('Ctrl-C stops everything cleanly and prints a summary', { timeout: 120_000 }, async () => {
    const running = startCli(['start', '--rate', '20', '--no-web', '--group', uniqueName('start')], { env: env(), cwd: folder });
    await waitForIngestion(running);
    running.child.kill('SIGINT');
    const result = await running.result;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Ran \d+ s: .* landed in the warehouse/);
    assert.match(result.stdout, /pos report/);
    assert.doesNotMatch(result.stdout, /Dashboard at/);
  });
});
