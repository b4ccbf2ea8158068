/**
 * npm run bench:latency [-- --rate 1000 --duration 60s --members 1 --reference-records 10000]
 *
 * End-to-end latency in real time: `pos consume` (its own process, metrics on a free port) reads
 * a fresh topic while `pos simulate` (another process) produces to it at --rate transactions/s
 * for --duration. Once everything has landed, prints p50, p95, p99 and the maximum of the time from
 * each message's Kafka record timestamp (stamped when the simulator made it) to the commit of
 * the batch that wrote it, read from the consumer's histogram
 * (`pos_consumer_end_to_end_latency_seconds`), and the highest lag seen. Beside them, the
 * same run's reference: Kafka's own EndToEndLatency tool on the same broker (acks=all, records
 * of the simulator's mean size), and our p99 as a multiple of its p99. Needs a PostgreSQL server
 * (DATABASE_URL, PG_*, else 127.0.0.1:5432); the local broker is started if needed.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kafkaConnection, kafkaUp, TOPIC_PARTITIONS } from '../src/broker/lifecycle.ts';
import { ensureTopics, withAdmin } from '../src/kafka/admin.ts';
import {
  histogramBuckets,
  histogramMaxBound,
  histogramQuantile,
  parseExposition,
  type Sample,
  sampleSum,
} from '../src/metrics/exposition.ts';
import { databaseUrl, loadConfig } from '../src/plumbing/config.ts';
import { createLogger } from '../src/plumbing/logger.ts';
import { runProgram } from '../src/plumbing/programs.ts';
import { waitUntil } from '../src/plumbing/wait.ts';
import { withServerClient } from '../src/warehouse/database.ts';
import { kafkaEndToEndLatency } from './kafka-end-to-end.ts';
import { runPos, startPos } from './run-pos.ts';
import { benchServer } from './server.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '60s' },
    members: { type: 'string', default: '1' },
    'reference-records': { type: 'string', default: '10000' },
  },
});

const config = loadConfig();
const up = await kafkaUp(config, { logger: createLogger({ level: 'warn' }) });
const kafka = kafkaConnection(config);
const { brokers } = kafka;
const topic = `bench-latency-${Date.now()}`;
const server = benchServer(config.database);
const database = `pos_bench_latency_${Date.now()}`;
const adminQuery = (text: string) => withServerClient(server, (admin) => admin.query(text));
const HISTOGRAM = 'pos_consumer_end_to_end_latency_seconds';

const recordSize = await meanMessageBytes();
console.log(
  `Kafka's own EndToEndLatency: ${values['reference-records']} records of ${recordSize} bytes, acks=all, one at a time…`,
);
const referenceTopic = `${topic}-kafka-e2e`;
await ensureTopics(kafka, [{ name: referenceTopic, partitions: 1 }]);
const reference = await kafkaEndToEndLatency(brokers.join(','), referenceTopic, Number(values['reference-records']), recordSize);
await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [referenceTopic] }));

await ensureTopics(kafka, [{ name: topic, partitions: TOPIC_PARTITIONS }]);
await adminQuery(`create database ${database}`);
const consumer = startPos(
  ['consume', '--topic', topic, '--group', 'bench-latency', '--metrics-port', '0', '--members', values.members],
  {
    DATABASE_URL: databaseUrl({ ...server, database, connectionString: undefined }),
    KAFKA_BROKERS: brokers.join(','),
  },
);
try {
  const metricsUrl = await waitUntil(() => /Serving metrics at (http:\/\/\S+?\/metrics)/.exec(consumer.log())?.[1], {
    what: 'pos consume to serve its metrics',
    timeoutMs: 60_000,
  });
  const base = metricsUrl.replace(/\/metrics$/, '');
  await waitUntil(async () => (await fetch(`${base}/readyz`)).ok, { what: 'pos consume to be ready', timeoutMs: 60_000 });
  const scrape = async (): Promise<Sample[]> => parseExposition(await (await fetch(metricsUrl)).text());

  console.log(
    `Producing ${values.rate} transactions/s for ${values.duration} to ${topic}; pos consume lands them in ${database}…`,
  );
  let maxLag = 0;
  const lagWatch = setInterval(() => {
    scrape().then(
      (samples) => {
        maxLag = Math.max(maxLag, sampleSum(samples, 'pos_consumer_lag_messages'));
      },
      () => {},
    );
  }, 1000);
  const simulation = await runPos<{ sent: number; failed: number }>(
    ['simulate', '--rate', values.rate, '--duration', values.duration, '--topic', topic],
    { KAFKA_BROKERS: brokers.join(',') },
    'Simulation finished',
  );
  const samples = await waitUntil(
    async () => {
      const current = await scrape();
      return sampleSum(current, `${HISTOGRAM}_count`) >= simulation.sent ? current : undefined;
    },
    { what: `pos consume to land ${simulation.sent} transactions`, timeoutMs: 600_000 },
  );
  clearInterval(lagWatch);

  const buckets = histogramBuckets(samples, HISTOGRAM);
  const ms = (seconds: number | undefined) => (seconds === undefined ? 'n/a' : Math.round(seconds * 1000));
  const p99 = histogramQuantile(buckets, 0.99);
  const batches = sampleSum(samples, 'pos_consumer_batches_total');
  console.table({
    'transactions produced': simulation.sent,
    'transactions landed': sampleSum(samples, 'pos_consumer_messages_total', { outcome: 'landed' }),
    batches,
    'messages per batch (mean)': Math.round(simulation.sent / Math.max(1, batches)),
    'batch write ms (mean)': ms(sampleSum(samples, 'pos_consumer_batch_write_duration_seconds_sum') / Math.max(1, batches)),
    'p50 ms': ms(histogramQuantile(buckets, 0.5)),
    'p95 ms': ms(histogramQuantile(buckets, 0.95)),
    'p99 ms': ms(p99),
    'max ms (at most: its bucket bound)': ms(histogramMaxBound(buckets)),
    'highest lag seen (messages)': maxLag,
    'Kafka EndToEndLatency p50 / p99 / p99.9 ms': `${reference.p50} / ${reference.p99} / ${reference.p999}`,
    'pos p99 ÷ Kafka p99': p99 === undefined ? 'n/a' : ((p99 * 1000) / Math.max(reference.p99, 1)).toFixed(1),
  });
} finally {
  consumer.child.kill('SIGTERM');
  await consumer.exited;
  await adminQuery(`drop database if exists ${database} with (force)`);
  await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic, `${topic}.DLQ`] }));
  if (up.started) console.log('The local broker was started for this benchmark; `npx pos kafka down` stops it.');
}

/** The mean size of the simulator's messages, in bytes: the reference's records are as large. */
async function meanMessageBytes(): Promise<number> {
  const { stdout } = await runProgram(
    process.execPath,
    [fileURLToPath(new URL('../bin/pos.js', import.meta.url)), 'simulate', '--count', '2000', '--seed', '1', '--dry-run'],
    { env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  const messages = stdout.trim().split('\n');
  return Math.round(Buffer.byteLength(stdout) / messages.length);
}
