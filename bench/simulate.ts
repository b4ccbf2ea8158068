/**
 * npm run bench:simulate [-- --count 1000000 --threads N --compression lz4 --keep]
 *
 * Produces a backlog of simulated transactions into the local broker (started if needed, or the
 * cluster in KAFKA_BROKERS) on a fresh topic, and prints transactions/s, MB/s and peak RSS.
 * The topic is deleted afterwards unless --keep.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { brokersFor, kafkaUp } from '../src/broker/lifecycle.ts';
import { DEFAULT_SIZES } from '../src/catalog/catalog.ts';
import { loadConfig } from '../src/config.ts';
import { withAdmin } from '../src/kafka/admin.ts';
import { createLogger } from '../src/logger.ts';
import { simulate } from '../src/simulator/run.ts';
import { type Compression, KafkaSink } from '../src/simulator/sinks.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    threads: { type: 'string', default: String(Math.max(1, availableParallelism() - 1)) },
    compression: { type: 'string', default: 'lz4' },
    keep: { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
const threads = Number(values.threads);

const config = loadConfig();
const logger = createLogger({ level: 'warn' });
const up = await kafkaUp(config, { logger });
const brokers = brokersFor(config);
const topic = `bench-simulate-${Date.now()}`;
const sink = await KafkaSink.open({
  brokers,
  external: config.kafka.external,
  topic,
  createPartitions: 6,
  compression: values.compression as Compression,
  logger,
});

console.log(
  `Producing ${count.toLocaleString('en-US')} transactions to ${topic} at ${brokers.join(',')} (${threads} generator threads, ${values.compression})…`,
);
const result = await simulate({
  seed: 1,
  sizes: DEFAULT_SIZES,
  mode: { kind: 'backfill', count, startDate: '2026-01-01', days: 30 },
  sink,
  threads,
  logger,
  progressStream: process.stderr,
});
const seconds = result.elapsedMs / 1000;
console.table({
  transactions: result.sent,
  failed: result.failed,
  seconds: Number(seconds.toFixed(2)),
  'transactions/s': Math.round(result.sent / seconds),
  'MB/s': Number((result.bytes / 1e6 / seconds).toFixed(1)),
  'average message bytes': Math.round(result.bytes / result.sent),
  'peak RSS MB': Math.round(process.resourceUsage().maxRSS / 1024),
});

if (!values.keep) await withAdmin(brokers, (admin) => admin.deleteTopics({ topics: [topic] }));
if (up.started) console.log('The local broker was started for this benchmark; `npx pos kafka down` stops it.');
