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

/** The prototype's five stores, as its sample data names them. */
const PROTOTYPE_STORES = ['SuperMart', 'FreshGroceries', 'MegaMart', 'Neighborhood Market', 'City Essentials'];

describe("pos start --chain canada: the prototype's own chain", () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'pos-start-canada-'));
  });
  after(() => rm(folder, { recursive: true, force: true }));

  test('its dashboard shows the five prototype stores among others, each in CAD', { timeout: 180_000 }, async () => {
    // An hour of trading a second: every store opens within the run, whatever the time of day.
    const running = startCli(
      [
        'start',
        '--chain',
        'canada',
        '--duration',
        '20s',
        '--rate',
        '30',
        '--speed',
        '3600',
        '--web-port',
        '0',
        '--group',
        uniqueName('start_ca'),
      ],
      { env: { KAFKA_BROKERS: testBrokers().join(','), POS_TOPIC: uniqueName('start_ca') }, cwd: folder },
    );
    await waitUntil(() => /Dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.test(running.output().stdout), {
      what: 'the dashboard address',
      timeoutMs: 60_000,
    });
    const address = /Dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(running.output().stdout)?.[1] as string;
    const seen = await snapshotWhere(`${address}events`, (snapshot) =>
      PROTOTYPE_STORES.every((name) => snapshot.allTime.some((row) => row.name === name)),
    );
    const storeIds = seen.allTime.map((row) => row.store_id);
    assert.ok(storeIds.length > PROTOTYPE_STORES.length, `only ${storeIds.join(', ')} traded`);
    assert.deepEqual(new Set(storeIds.map((id) => seen.currencies[id])), new Set(['CAD']));
    const result = await running.result;
    assert.equal(result.code, 0, result.stderr);
  });
});

interface StoreRow {
  store_id: string;
  name: string;
}

/** Reads the dashboard's event stream until a snapshot satisfies `done` (or 90 s pass). */
async function snapshotWhere(
  url: string,
  done: (snapshot: { allTime: StoreRow[]; currencies: Record<string, string> }) => boolean,
): Promise<{ allTime: StoreRow[]; currencies: Record<string, string> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(90_000) });
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  let last = '';
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) throw new Error(`the event stream ended; the last snapshot: ${last.slice(0, 2000)}`);
      buffered += value;
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5))
          .join('\n');
        if (!data) continue;
        last = data;
        const snapshot = JSON.parse(data);
        if (done(snapshot)) return snapshot;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
