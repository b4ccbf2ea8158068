/**
 * npm run bench:simulate [-- --count 1000000 --compression lz4 --chain us]
 *
 * Runs `pos simulate` (its own process) to produce a backlog of simulated transactions into the
 * local broker (started if needed, or the cluster in KAFKA_BROKERS) on a fresh topic, and prints
 * transactions/s, MB/s and peak RSS. The topic is deleted afterwards unless --keep.
 */
import { parseArgs } from 'node:util';
import { kafkaConnection, kafkaUp } from '../src/broker/lifecycle.ts';
import { withAdmin } from '../src/kafka/admin.ts';
import { loadConfig } from '../src/plumbing/config.ts';
import { createLogger } from '../src/plumbing/logger.ts';
import { runPos } from './run-pos.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    compression: { type: 'string', default: 'lz4' },
    keep: { type: 'boolean', default: false },
    chain: { type: 'string', default: 'us' },
  },
});

const config = loadConfig();
const up = await kafkaUp(config, { logger: createLogger({ level: 'warn' }) });
const kafka = kafkaConnection(config);
const { brokers } = kafka;
const topic = `bench-simulate-${Date.now()}`;

console.log(
  `Producing ${Number(values.count).toLocaleString('en-US')} transactions to ${topic} at ${brokers.join(',')} (${values.compression})…`,
);
const summary = await runPos<Record<string, number>>(
  [
    'simulate',
    '--count',
    values.count,
    '--seed',
    '1',
    '--topic',
    topic,
    '--compression',
    values.compression,
    '--chain',
    values.chain,
  ],
  { KAFKA_BROKERS: brokers.join(',') },
  'Simulation finished',
);
console.table({
  transactions: summary.sent,
  failed: summary.failed,
  seconds: summary.seconds,
  'transactions/s': summary.transactionsPerSecond,
  'MB/s': summary.megabytesPerSecond,
  'average message bytes': summary.averageMessageBytes,
  'peak RSS MB': summary.peakRssMB,
});

if (!values.keep) await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] }));
if (up.started) console.log('The local broker was started for this benchmark; `npx pos kafka down` stops it.');
