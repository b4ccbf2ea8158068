import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { parseExposition, sampleSum } from '../../src/metrics/exposition.ts';
import { waitUntil } from '../../src/plumbing/wait.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import {
  PROJECT_ROOT,
  type RunningCli,
  serverQuery,
  startCli,
  type TestDatabase,
  testBrokers,
  uniqueName,
} from './support/environment.ts';
import { landedCount, produceBacklog } from './support/ingest.ts';
import { type PrometheusServer, promtool, startPrometheus } from './support/prometheus.ts';
import { migratedWarehouse } from './support/warehouse.ts';

const COUNT = 3000;

/** The metrics endpoint a `pos` process announced in its log (or on stdout, for `pos start`). */
async function metricsUrl(running: RunningCli, stream: 'stdout' | 'stderr' = 'stderr'): Promise<string> {
  return waitUntil(() => /(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(running.output()[stream])?.[1], {
    what: 'the metrics endpoint to be announced',
    timeoutMs: 90_000,
  });
}

async function scrape(base: string): Promise<string> {
  const response = await fetch(`${base}/metrics`);
  assert.equal(response.status, 200);
  return response.text();
}

async function readiness(base: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, body: await response.text() };
}

/** `promtool check metrics` on an exposition: passes, or fails the test with what promtool said. */
function assertPromtoolAccepts(exposition: string, what: string): void {
  const { code, output } = promtool(['check', 'metrics'], exposition);
  assert.equal(code, 0, `promtool check metrics refused ${what}:\n${output}`);
}

async function countLines(warehouse: Warehouse): Promise<number> {
  const [row] = await warehouse.query<{ count: string }>('select count(*)::text as count from pos.fact_sales_line');
  return Number(row?.count);
}

describe('a real Prometheus scrapes pos consume during an ingest', () => {
  let database: TestDatabase;
  let warehouse: Warehouse;
  let closeWarehouse: () => Promise<void>;
  let consumer: RunningCli;
  let base: string;
  let prometheus: PrometheusServer;
  const topic = uniqueName('monitored');

  before(async () => {
    ({ database, warehouse, close: closeWarehouse } = await migratedWarehouse());
    consumer = startCli(['consume', '--topic', topic, '--group', uniqueName('monitored'), '--metrics-port', '0'], {
      env: { DATABASE_URL: database.url, KAFKA_BROKERS: testBrokers().join(','), POS_TOPIC: topic },
      timeoutMs: 600_000,
    });
    base = await metricsUrl(consumer);
    prometheus = await startPrometheus([new URL(base).host]);
  });
  after(async () => {
    await serverQuery(`alter database ${database.config.database} allow_connections true`).catch(() => {});
    consumer?.child.kill('SIGTERM');
    const result = await consumer?.result.catch(() => undefined);
    await prometheus?.close();
    await closeWarehouse();
    assert.equal(result?.code, 0, result?.stderr.slice(-3000));
  });

  test('after the run, PromQL gives the landed total the database has, the lines too, and a lag of 0', {
    timeout: 240_000,
  }, async () => {
    await produceBacklog(topic, COUNT, 14);
    await waitUntil(async () => (await landedCount(warehouse)) === COUNT, {
      what: `${COUNT} transactions landed`,
      timeoutMs: 120_000,
    });
    const lines = await countLines(warehouse);
    const value = async (promql: string) => (await prometheus.query(promql))[0]?.value;
    await waitUntil(
      async () =>
        (await value('sum(pos_consumer_messages_total{outcome="landed"})')) === COUNT &&
        (await value('count(pos_consumer_lag_messages)')) === 6 &&
        (await value('sum(pos_consumer_lag_messages)')) === 0,
      { what: 'Prometheus to have scraped the landed total and a lag of 0', timeoutMs: 60_000 },
    );
    assert.equal(await value('sum(pos_consumer_messages_total{outcome="landed"})'), await landedCount(warehouse));
    assert.equal(await value('sum(pos_consumer_lines_landed_total)'), lines);
    assert.equal(await value('sum(pos_consumer_messages_total{outcome="dead_letter"})'), 0);
    assert.equal(await value('pos_consumer_ready'), 1);
    assert.equal(await value('up{job="pos"}'), 1);
    assert.ok(
      ((await value('sum(kafka_consumed_messages_total)')) ?? 0) >= COUNT,
      "the Kafka client's own metrics are scraped too",
    );
    assert.ok(((await value('pos_consumer_end_to_end_latency_seconds_count')) ?? 0) >= COUNT);
  });

  test("promtool check metrics accepts pos consume's exposition", async () => {
    assertPromtoolAccepts(await scrape(base), 'the exposition of pos consume');
  });

  test('/readyz answers 503 while PostgreSQL refuses connections, and 200 again once it is back', {
    timeout: 240_000,
  }, async () => {
    assert.deepEqual(await readiness(base), { status: 200, body: 'ready\n' });
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const name = database.config.database;
    await serverQuery(`alter database ${name} allow_connections false`);
    await serverQuery(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'pos-consumer'",
      [name],
    );
    await waitUntil(async () => (await readiness(base)).status === 503, { what: '/readyz to answer 503', timeoutMs: 30_000 });
    // Messages that arrive now cannot be written: the consumer waits for the database, and says so.
    await produceBacklog(topic, 200, 15);
    const waiting = await waitUntil(
      async () => {
        const answer = await readiness(base);
        return answer.status === 503 && /waiting for the database/.test(answer.body) ? answer : undefined;
      },
      { what: '/readyz to say the consumer waits for the database', timeoutMs: 60_000 },
    );
    assert.match(waiting.body, /^not ready: waiting for the database: /);
    assert.equal(sampleSum(parseExposition(await scrape(base)), 'pos_consumer_state', { state: 'waiting_for_database' }), 1);

    await serverQuery(`alter database ${name} allow_connections true`);
    await waitUntil(async () => (await readiness(base)).status === 200, {
      what: '/readyz to answer 200 again',
      timeoutMs: 90_000,
    });
    await waitUntil(async () => (await landedCount(warehouse)) === COUNT + 200, {
      what: 'the messages of the outage to land',
      timeoutMs: 60_000,
    });
    const samples = parseExposition(await scrape(base));
    assert.ok(sampleSum(samples, 'pos_consumer_retries_total', { dependency: 'database' }) >= 1);
    assert.equal(sampleSum(samples, 'pos_consumer_messages_total', { outcome: 'landed' }), COUNT + 200);
    assert.equal(sampleSum(samples, 'pos_consumer_state', { state: 'running' }), 1);
  });
});

/** The metric names a PromQL expression reads (functions, aggregations, keywords and labels left out). */
function metricNames(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'offset', 'bool']);
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice((match.index ?? 0) + match[0].length).trimStart();
    if (!rest.startsWith('(') && !keywords.has(match[0])) names.push(match[0]);
  }
  return names;
}

describe('the expositions of pos simulate and pos start, the alert rules and the dashboard', () => {
  let startExposition: string;

  test("promtool check metrics accepts pos simulate's exposition", { timeout: 120_000 }, async () => {
    const running = startCli(
      ['simulate', '--rate', '50', '--duration', '60s', '--topic', uniqueName('scraped'), '--metrics-port', '0'],
      {
        env: { KAFKA_BROKERS: testBrokers().join(',') },
      },
    );
    try {
      const url = await metricsUrl(running);
      const exposition = await waitUntil(
        async () => {
          const text = await scrape(url);
          return sampleSum(parseExposition(text), 'pos_producer_transactions_total') > 0 ? text : undefined;
        },
        { what: 'the simulator to have produced', timeoutMs: 60_000 },
      );
      assert.equal((await readiness(url)).status, 200);
      assertPromtoolAccepts(exposition, 'the exposition of pos simulate');
      assert.ok(sampleSum(parseExposition(exposition), 'pos_simulator_clock_seconds') * 1000 > Date.now() - 120_000);
    } finally {
      running.child.kill('SIGINT');
    }
    assert.equal((await running.result).code, 0);
  });

  test('pos start serves metrics on a free port, says where, and promtool accepts them', { timeout: 240_000 }, async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const folder = await mkdtemp(join(tmpdir(), 'pos-start-metrics-'));
    const running = startCli(['start', '--rate', '20', '--duration', '120s', '--no-web', '--group', uniqueName('start')], {
      env: { KAFKA_BROKERS: testBrokers().join(','), POS_TOPIC: uniqueName('start_metrics') },
      cwd: folder,
      timeoutMs: 240_000,
    });
    try {
      const url = await metricsUrl(running, 'stdout');
      await waitUntil(async () => (await readiness(url)).status === 200, { what: 'pos start to be ready', timeoutMs: 120_000 });
      startExposition = await waitUntil(
        async () => {
          const text = await scrape(url);
          const samples = parseExposition(text);
          return sampleSum(samples, 'pos_producer_transactions_total') > 0 &&
            sampleSum(samples, 'pos_consumer_messages_total', { outcome: 'landed' }) > 0 &&
            samples.some((sample) => sample.name === 'pos_consumer_lag_messages')
            ? text
            : undefined;
        },
        { what: 'pos start to produce and land transactions', timeoutMs: 120_000 },
      );
      assertPromtoolAccepts(startExposition, 'the exposition of pos start');
    } finally {
      running.child.kill('SIGINT');
      const result = await running.result;
      await rm(folder, { recursive: true, force: true });
      assert.equal(result.code, 0, result.stderr.slice(-3000));
    }
  });

  test('promtool check rules accepts the alert rules, and their unit tests pass (not ready, gap)', () => {
    const rules = `${PROJECT_ROOT}deploy/prometheus/alerts.yml`;
    const check = promtool(['check', 'rules', rules]);
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, /SUCCESS: 7 rules found/);
    const unit = promtool(['test', 'rules', `${PROJECT_ROOT}deploy/prometheus/alerts.test.yml`]);
    assert.equal(unit.code, 0, unit.output);
    assert.match(unit.output, /SUCCESS/);
  });

  test("the Grafana dashboard parses, and each panel's queries name metrics that pos start exposes", async () => {
    assert.ok(startExposition, 'the pos start test ran first and kept its exposition');
    const exposed = new Set(parseExposition(startExposition).map((sample) => sample.name));
    const dashboard = JSON.parse(await readFile(`${PROJECT_ROOT}deploy/grafana/pos-pipeline.json`, 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    assert.ok(dashboard.panels.length >= 6);
    for (const panel of dashboard.panels) {
      const names = panel.targets.flatMap((target) => metricNames(target.expr));
      assert.ok(
        names.some((name) => name.startsWith('pos_')),
        `panel "${panel.title}" reads a pos metric`,
      );
      for (const name of names)
        assert.ok(exposed.has(name), `panel "${panel.title}" reads ${name}, which pos start does not expose`);
    }
  });
});
