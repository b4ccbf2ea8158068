/**
 * npm run bench:ingest [-- --count 200000 --naive 5000 --members 1 --batch-size 2000 --prefill 0 --chain us]
 *
 * A backlog of simulated transactions on a fresh topic, ingested three ways into fresh tables of
 * throwaway databases, in one run (the machine is shared: compare the ratios, which hold when the
 * absolute rates wobble):
 *   - `pos consume` (its own process): transactions/s, lines/s, the consumer's peak RSS; with
 *     `--members 1,2`, once per member count, each into a database of its own;
 *   - the raw COPY reference: the same rows, made from the same backlog by this benchmark
 *     (untimed), COPYed into the same tables in transactions of the same size (timed): what
 *     PostgreSQL takes at best. It runs before and after each `pos consume` run, each time into a
 *     database of its own, and each run is compared with the mean of the two around it: the
 *     machine's speed drifts within a minute, by more than the differences measured;
 *   - the prototype's approach (one message at a time, one commit each) over the first --naive.
 * With a chain that keeps stock (`--chain canada`), the simulation also fills `<topic>.Inventory`:
 * `pos consume` reads it beside the sales, and the reference COPYs its events and movements too.
 * --prefill N first loads N transactions of history (fast, with COPY) into the databases of pos
 * and of the COPY reference, to see how the rates hold as the warehouse grows.
 */
import { parseArgs } from 'node:util';
import { MessagesStreamModes } from '@platformatic/kafka';
import { kafkaConnection, kafkaUp } from '../src/broker/lifecycle.ts';
import { DEFAULT_BATCH_SIZE } from '../src/ingest/batch-size.ts';
import { partitionBounds, withAdmin } from '../src/kafka/admin.ts';
import { createConsumer } from '../src/kafka/clients.ts';
import { deadLetterTopic } from '../src/kafka/topics.ts';
import { databaseUrl, loadConfig, type ServerDatabaseConfig } from '../src/plumbing/config.ts';
import { createLogger } from '../src/plumbing/logger.ts';
import { openWarehouse, withServerClient } from '../src/warehouse/database.ts';
import { migrateWarehouse } from '../src/warehouse/migrate.ts';
import { acceptAll, acceptAllEvents, copyInventory, copyReference, type RawMessage } from './copy-reference.ts';
import { naiveIngest } from './naive-ingest.ts';
import { prefill } from './prefill.ts';
import { runPos } from './run-pos.ts';
import { benchServer } from './server.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200000' },
    naive: { type: 'string', default: '5000' },
    members: { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: String(DEFAULT_BATCH_SIZE) },
    prefill: { type: 'string', default: '0' },
    chain: { type: 'string', default: 'us' },
  },
});
const count = Number(values.count);
const memberCounts = values.members.split(',').map(Number);
const naiveCount = Math.min(count, Number(values.naive));
const batchSize = Number(values['batch-size']);
const prefillCount = Number(values.prefill);

const config = loadConfig();
const logger = createLogger({ level: 'warn' });
const up = await kafkaUp(config, { logger });
const kafka = kafkaConnection(config);
const { brokers } = kafka;
const topic = `bench-ingest-${Date.now()}`;
/** Where a chain with stock (canada) sends its deliveries and counts; `pos consume` reads it too. */
const inventoryTopic = `${topic}.Inventory`;
const server = benchServer(config.database);
const number = (n: number) => Math.round(n).toLocaleString('en-US');

console.log(`Producing a backlog of ${number(count)} transactions to ${topic}…`);
await runPos(
  ['simulate', '--count', String(count), '--seed', '1', '--topic', topic, '--chain', values.chain],
  { KAFKA_BROKERS: brokers.join(',') },
  'Simulation finished',
);

const databases: string[] = [];
try {
  console.log('Reading the backlog back, for the COPY reference and the naive loop…');
  // With stock, a slot whose basket the shelves could not fill makes no transaction: read what is there.
  const backlog = acceptAll(await readAll(topic));
  const inventoryTopicExists = await withAdmin(kafka, (admin) => admin.listTopics()).then((topics) =>
    topics.includes(inventoryTopic),
  );
  const inventory = inventoryTopicExists ? acceptAllEvents(await readAll(inventoryTopic)) : [];
  if (inventory.length > 0) console.log(`  and ${number(inventory.length)} inventory messages of ${inventoryTopic}`);

  let template: string | undefined;
  if (prefillCount > 0) {
    const history = await throwawayDatabase('pos_bench_history');
    template = history.database;
    const warehouse = await openWarehouse(history);
    await migrateWarehouse(warehouse);
    const started = performance.now();
    let reported = 0;
    const { lines } = await prefill(warehouse, backlog, prefillCount, (loaded) => {
      if (loaded - reported >= 500_000 || loaded === prefillCount) {
        reported = loaded;
        console.log(`  prefilled ${number(loaded)} transactions (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
    });
    await warehouse.close();
    console.log(`Prefilled ${number(prefillCount)} transactions, ${number(lines)} lines of history.`);
  }

  // Every database made before any is measured, and a checkpoint before each run: no run pays
  // for another's copy of the history, or for the WAL of the run before it.
  const checkpoint = () => adminQuery('checkpoint').catch(() => {});
  const batched = [];
  for (const members of memberCounts) batched.push({ members, database: await throwawayDatabase('pos_bench_batched', template) });
  const copies = [];
  for (let i = 0; i <= memberCounts.length; i++) copies.push(await throwawayDatabase('pos_bench_copy', template));
  /** The raw COPY reference's rate in each of its runs: before the first `pos consume` run, and after each. */
  const copyRates: number[] = [];
  const runReference = async (database: ServerDatabaseConfig) => {
    console.log(`COPYing the same rows into ${database.database}, ${number(batchSize)} transactions per database transaction…`);
    const copyWarehouse = await openWarehouse(database);
    await migrateWarehouse(copyWarehouse);
    await checkpoint();
    const reference = await copyReference(copyWarehouse, backlog, batchSize);
    const inventorySeconds = await copyInventory(copyWarehouse, inventory);
    await copyWarehouse.close();
    copyRates.push(reference.transactions / (reference.seconds + inventorySeconds));
  };
  await runReference(copies[0] as ServerDatabaseConfig);
  const consumed = [];
  for (const [i, { members, database }] of batched.entries()) {
    await checkpoint();
    console.log(
      `Ingesting with \`pos consume\` (${members} member${members === 1 ? '' : 's'}, batches of ${number(batchSize)}) into ${database.database}…`,
    );
    const result = await runConsumer(database, members);
    // Members adding to the same aggregate rows must not deadlock (each one would cost a second).
    consumed.push({ members, ...result, deadlocks: await deadlocksIn(database.database) });
    await runReference(copies[i + 1] as ServerDatabaseConfig);
  }

  const naive = await throwawayDatabase('pos_bench_naive');
  console.log(`Ingesting the first ${number(naiveCount)} messages one at a time (the prototype's way)…`);
  const warehouse = await openWarehouse(naive);
  await migrateWarehouse(warehouse);
  const started = performance.now();
  await naiveIngest(
    warehouse,
    backlog.slice(0, naiveCount).map(({ message }) => message),
  );
  const naiveSeconds = (performance.now() - started) / 1000;
  await warehouse.close();

  const naiveRate = naiveCount / naiveSeconds;
  // One column per member count, one row per figure.
  const table: Record<string, Record<string, number | string>> = {};
  const put = (figure: string, column: string, value: number | string) => {
    table[figure] = { ...table[figure], [column]: value };
  };
  for (const [
    i,
    { members, landed, lines, activeSeconds: seconds, peakRssMB, observedPeakRssMB, deadlocks },
  ] of consumed.entries()) {
    const column = `${members} member${members === 1 ? '' : 's'}`;
    const rate = landed / seconds;
    const [before, after] = [copyRates[i] as number, copyRates[i + 1] as number];
    const copyRate = (before + after) / 2;
    put('history before the run (transactions)', column, prefillCount);
    put('transactions ingested', column, landed);
    put('lines ingested', column, lines);
    put('seconds (first message to last commit)', column, Number(seconds.toFixed(2)));
    put('pos consume transactions/s', column, Math.round(rate));
    put('pos consume lines/s', column, Math.round(lines / seconds));
    put('consumer peak RSS MB', column, observedPeakRssMB ?? peakRssMB);
    put('deadlocks between members', column, deadlocks);
    put('raw COPY transactions/s (before / after)', column, `${Math.round(before)} / ${Math.round(after)}`);
    put('raw COPY transactions/s (their mean)', column, Math.round(copyRate));
    put('naive loop transactions/s', column, Math.round(naiveRate));
    put('pos ÷ raw COPY', column, Number((rate / copyRate).toFixed(2)));
    put('pos ÷ naive', column, Number((rate / naiveRate).toFixed(1)));
  }
  console.table(table);
} finally {
  for (const name of databases.reverse()) await adminQuery(`drop database if exists ${name} with (force)`);
  await withAdmin(kafka, async (admin) => {
    const made = new Set(await admin.listTopics());
    const topics = [topic, deadLetterTopic(topic), inventoryTopic, deadLetterTopic(inventoryTopic)].filter((name) =>
      made.has(name),
    );
    await admin.deleteTopics({ topics });
  });
  if (up.started) console.log('The local broker was started for this benchmark; `npx pos kafka down` stops it.');
}

async function deadlocksIn(database: string): Promise<number> {
  return withServerClient(server, async (admin) => {
    const [row] = await admin.query<{ deadlocks: string }>('select deadlocks::text from pg_stat_database where datname = $1', [
      database,
    ]);
    return Number(row?.deadlocks ?? 0);
  });
}

async function adminQuery(text: string): Promise<void> {
  await withServerClient(server, (admin) => admin.query(text));
}

/** A database of its own, empty or a copy of `template`, dropped at the end. */
async function throwawayDatabase(prefix: string, template?: string): Promise<ServerDatabaseConfig> {
  const name = `${prefix}_${Date.now()}`;
  await adminQuery(`create database ${name}${template ? ` template ${template} strategy file_copy` : ''}`);
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
function runConsumer(database: ServerDatabaseConfig, members: number): ReturnType<typeof runPos<ConsumerResult>> {
  return runPos<ConsumerResult>(
    [
      'consume',
      '--topic',
      topic,
      '--group',
      'bench',
      '--from-beginning',
      '--until-idle',
      '5s',
      '--members',
      String(members),
      '--batch-size',
      String(batchSize),
    ],
    { DATABASE_URL: databaseUrl(database), KAFKA_BROKERS: brokers.join(',') },
    'Ingest finished',
  );
}

/** Every message of `name`, as it is now. */
async function readAll(name: string): Promise<RawMessage[]> {
  const { partitions } = await partitionBounds(kafka, name);
  const total = partitions.reduce((sum, { start, end }) => sum + Number(end - start), 0);
  return total === 0 ? [] : readMessages(name, total);
}

/** The first `n` messages of `topic`, partition by partition, with their positions. */
async function readMessages(topic: string, n: number): Promise<RawMessage[]> {
  const consumer = createConsumer(kafka, 'bench-reader', { groupId: `bench-reader-${Date.now()}`, maxWaitTime: 200 });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  const messages: RawMessage[] = [];
  for await (const message of stream) {
    messages.push({ value: message.value, source: { topic, partition: message.partition, offset: message.offset } });
    if (messages.length >= n) break;
  }
  await stream.close();
  await consumer.close(true);
  return messages;
}
