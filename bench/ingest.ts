/**
 * npm run bench:ingest [-- --count 200000 --naive 5000 --members 1]
 *
 * A backlog of simulated transactions on a fresh topic, ingested by `pos consume` (its own
 * process) into fresh tables in a throwaway database; prints transactions/s, lines/s and the
 * consumer's peak RSS. Then, on the same data, the rate of the prototype's approach (a naive
 * loop: one message at a time, one commit each) over the first --naive messages, and the ratio.
 */
import { parseArgs } from 'node:util';
import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { kafkaConnection, kafkaUp } from '../src/broker/lifecycle.ts';
import { databaseUrl, loadConfig, type ServerDatabaseConfig, serverOrLocal } from '../src/config.ts';
import type { TransactionMessage } from '../src/contract/message.ts';
import { withAdmin } from '../src/kafka/admin.ts';
import { createLogger } from '../src/logger.ts';
import { openWarehouse, withServerClient } from '../src/warehouse/database.ts';
import { migrateWarehouse } from '../src/warehouse/migrate.ts';
import { naiveIngest } from './naive-ingest.ts';
import { runPos } from './run-pos.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200000' },
    naive: { type: 'string', default: '5000' },
    members: { type: 'string', default: '1' },
  },
});
const count = Number(values.count);
const naiveCount = Math.min(count, Number(values.naive));

const config = loadConfig();
const logger = createLogger({ level: 'warn' });
const up = await kafkaUp(config, { logger });
const kafka = kafkaConnection(config);
const { brokers } = kafka;
const topic = `bench-ingest-${Date.now()}`;
const server = serverOrLocal(config.database);

console.log(`Producing a backlog of ${count.toLocaleString('en-US')} transactions to ${topic}…`);
await runPos(
  ['simulate', '--count', String(count), '--seed', '1', '--topic', topic],
  { KAFKA_BROKERS: brokers.join(',') },
  'Simulation finished',
);

const databases: string[] = [];
try {
  const batched = await throwawayDatabase('pos_bench_batched');
  console.log(
    `Ingesting with \`pos consume\` (${values.members} member${values.members === '1' ? '' : 's'}) into ${batched.database}…`,
  );
  const { landed, lines, activeSeconds: seconds, peakRssMB } = await runConsumer(batched);

  const naive = await throwawayDatabase('pos_bench_naive');
  console.log(`Ingesting the first ${naiveCount.toLocaleString('en-US')} messages one at a time (the prototype's way)…`);
  const sample = await readMessages(naiveCount);
  const warehouse = await openWarehouse(naive);
  await migrateWarehouse(warehouse);
  const started = performance.now();
  await naiveIngest(warehouse, sample);
  const naiveSeconds = (performance.now() - started) / 1000;
  await warehouse.close();

  const rate = landed / seconds;
  const naiveRate = sample.length / naiveSeconds;
  console.table({
    'transactions ingested': landed,
    'lines ingested': lines,
    'seconds (first message to last commit)': Number(seconds.toFixed(2)),
    'transactions/s': Math.round(rate),
    'lines/s': Math.round(lines / seconds),
    'consumer peak RSS MB': peakRssMB,
    'naive loop transactions/s': Math.round(naiveRate),
    'batched ÷ naive': Number((rate / naiveRate).toFixed(1)),
  });
} finally {
  for (const name of databases) await adminQuery(`drop database if exists ${name} with (force)`);
  await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] }));
  if (up.started) console.log('The local broker was started for this benchmark; `npx pos kafka down` stops it.');
}

async function adminQuery(text: string): Promise<void> {
  await withServerClient(server, (admin) => admin.query(text));
}

async function throwawayDatabase(prefix: string): Promise<ServerDatabaseConfig> {
  const name = `${prefix}_${Date.now()}`;
  await adminQuery(`create database ${name}`);
  databases.push(name);
  return { ...server, database: name, connectionString: undefined };
}

interface ConsumerResult {
  landed: number;
  lines: number;
  activeSeconds: number;
  peakRssMB: number;
}

/** `pos consume` in its own process, until the topic is drained; its final log line has the figures. */
function runConsumer(database: ServerDatabaseConfig): Promise<ConsumerResult> {
  return runPos<ConsumerResult>(
    ['consume', '--topic', topic, '--group', 'bench', '--from-beginning', '--until-idle', '5s', '--members', values.members],
    { DATABASE_URL: databaseUrl(database), KAFKA_BROKERS: brokers.join(',') },
    'Ingest finished',
  );
}

/** The first `n` messages of the topic, partition by partition, as the naive loop's input. */
async function readMessages(n: number): Promise<TransactionMessage[]> {
  const consumer = new Consumer({
    clientId: 'bench-reader',
    groupId: `bench-reader-${Date.now()}`,
    bootstrapBrokers: brokers,
    maxWaitTime: 200,
  });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  const messages: TransactionMessage[] = [];
  for await (const message of stream) {
    messages.push(JSON.parse(message.value.toString()) as TransactionMessage);
    if (messages.length >= n) break;
  }
  await stream.close();
  await consumer.close(true);
  return messages;
}
