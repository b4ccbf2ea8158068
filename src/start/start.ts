import { kafkaConnection, kafkaDown, kafkaUp, localKafkaRunning, TOPIC_PARTITIONS } from '../broker/lifecycle.ts';
import { DEFAULT_SIZES } from '../catalog/catalog.ts';
import type { ChainName } from '../catalog/chains.ts';
import { INVENTORY_SCHEMA_NAME } from '../contract/inventory.ts';
import type { SchemaVersion } from '../contract/message.ts';
import type { LiveFeed } from '../dashboard/feed.ts';
import { type DashboardState, dashboardLines, type TerminalView } from '../dashboard/terminal.ts';
import { type ConsumeTotals, consume, defaultInventoryTopic, inventoryGroup } from '../ingest/consumer.ts';
import { partitionsBehind } from '../ingest/session.ts';
import type { ConsumerStatus } from '../ingest/status.ts';
import { partitionBounds } from '../kafka/admin.ts';
import type { KafkaConnection } from '../kafka/security.ts';
import type { Config } from '../plumbing/config.ts';
import { errorMessage } from '../plumbing/errors.ts';
import type { Logger } from '../plumbing/logger.ts';
import { waitUntil } from '../plumbing/wait.ts';
import { contractOf } from '../simulator/options.ts';
import { simulate } from '../simulator/run.ts';
import { KafkaSink } from '../simulator/sinks.ts';
import type { StockSummary } from '../simulator/stock.ts';
import { openWarehouse, type Warehouse } from '../warehouse/database.ts';
import { migrateWarehouse } from '../warehouse/migrate.ts';
import { anchorOffsets } from '../warehouse/sql/ingest-offsets.ts';
import { salesToday } from '../warehouse/sql/sales-today.ts';
import { checkStartOptions } from './options.ts';

/** The consumer group of `pos start` unless told otherwise: the same as `pos consume`'s. */
const DEFAULT_START_GROUP = 'pos-warehouse';

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** Ctrl-C: stops the tills, lets the warehouse catch up, and ends. */
  signal: AbortSignal;
  rate: number;
  speed: number;
  durationMs: number | undefined;
  /** The consumer group (default: pos-warehouse). One group reads one topic: members that subscribe to different topics get no partitions. */
  group?: string;
  seed: number;
  /** Which chain the tills are of (default: us). */
  chain?: ChainName;
  /** The contract version of the messages (default: the chain's: us 1, canada 2). */
  contract?: SchemaVersion;
  /**
   * Keep stock (default true): sales take what the shelves hold, and deliveries, counts and
   * write-offs go to the inventory topic (POS_INVENTORY_TOPIC, or `TOPIC.Inventory`), which the
   * consumer reads besides the sales.
   */
  stock?: boolean;
  /** On a terminal: the live view, redrawn every second. Without one, a log line every 10 s. */
  view: TerminalView | undefined;
  /** The last warning or error, for the live view. */
  lastProblem?: () => string | undefined;
  /** Kept up to date with what the consumer is doing (the metrics endpoint's `/readyz`). */
  consumerStatus?: ConsumerStatus;
  /** The web dashboard's feed, published to every second; its address for the terminal view. */
  web?: { feed: LiveFeed; url: string };
}

export interface StartSummary {
  seconds: number;
  produced: number;
  failed: number;
  /** The sales topic's totals, and the inventory topic's (`inventory`) once the consumer has stopped. */
  ingest: ConsumeTotals | undefined;
  /** With stock: the inventory messages made, and the sales lost to empty shelves. */
  stock?: StockSummary;
  salesToday: DashboardState['salesToday'];
  stoppedBroker: boolean;
}

/**
 * `pos start`: the whole pipeline in one process for a newcomer. The local broker (unless
 * KAFKA_BROKERS), the warehouse migrated, then the consumer and the simulator in real time
 * together, with a live view. The consumer group starts at the end of the topic the first time,
 * so what it shows is what this run produces; later runs resume where the warehouse left off.
 */
export async function start(options: StartOptions): Promise<StartSummary> {
  checkStartOptions(options);
  const { config, logger } = options;
  const brokerWasRunning = config.kafka.external || localKafkaRunning(config);
  await kafkaUp(config, { logger });
  let summary: Omit<StartSummary, 'stoppedBroker'>;
  let stoppedBroker = false;
  try {
    const warehouse = await openWarehouse(config.database, { logger, applicationName: 'pos-start' });
    try {
      summary = await runPipeline(options, warehouse, kafkaConnection(config));
    } finally {
      await warehouse.close();
    }
  } finally {
    // Leave the broker as it was found: one this run started is stopped again, whatever happened.
    if (!brokerWasRunning) {
      stoppedBroker = await kafkaDown(config, { logger }).then(
        (result) => result.stopped,
        (error: unknown) => {
          logger.warn({ err: errorMessage(error) }, 'Could not stop the local broker');
          return false;
        },
      );
    }
  }
  return { ...summary, stoppedBroker };
}

async function runPipeline(
  options: StartOptions,
  warehouse: Warehouse,
  kafka: KafkaConnection,
): Promise<Omit<StartSummary, 'stoppedBroker'>> {
  const { config, logger } = options;
  const topic = config.topic;
  const group = options.group ?? DEFAULT_START_GROUP;
  const chain = options.chain ?? 'us';
  const contract = contractOf(chain, options.contract);
  const stock = options.stock ?? true;
  const inventoryTopic = config.inventoryTopic ?? defaultInventoryTopic(topic);
  await migrateWarehouse(warehouse);
  const sink = await KafkaSink.open({
    kafka,
    external: config.kafka.external,
    topic,
    createPartitions: TOPIC_PARTITIONS,
    schemaVersion: contract,
    logger,
  });
  // This run's data: a first run starts the group at the topic's end, before the tills open.
  const { partitions } = await partitionBounds(kafka, topic);
  const atTheEnd = (bounds: { partition: number; end: bigint }[]) =>
    bounds.map(({ partition, end }) => ({ partition, offset: end }));
  await anchorOffsets(warehouse, group, topic, atTheEnd(partitions));
  let inventorySink: KafkaSink | undefined;
  if (stock) {
    // Created like the sales topic, and its group anchored alike: the opening stock is this run's first message.
    inventorySink = await KafkaSink.open({
      kafka,
      external: config.kafka.external,
      topic: inventoryTopic,
      createPartitions: partitions.length,
      schema: INVENTORY_SCHEMA_NAME,
      logger,
    }).catch(async (error: unknown) => {
      await sink.close().catch(() => {});
      throw error;
    });
    await anchorOffsets(
      warehouse,
      inventoryGroup(group),
      inventoryTopic,
      atTheEnd((await partitionBounds(kafka, inventoryTopic)).partitions),
    );
  }

  const started = Date.now();
  let produced = 0;
  let ingest: ConsumeTotals | undefined;
  let sales: DashboardState['salesToday'] = [];
  const stopConsumer = new AbortController();
  const stopSimulator = new AbortController();
  const consuming = consume({
    kafka,
    topic,
    group,
    startAt: 'latest',
    warehouse,
    logger,
    signal: stopConsumer.signal,
    batchSize: 1000,
    lingerMs: 250,
    inventoryTopic,
    onBatch: (totals) => {
      ingest = { ...totals };
    },
    ...(options.consumerStatus ? { status: options.consumerStatus } : {}),
  });
  // A consumer that cannot go on (a fatal database error) stops the tills too; its error is thrown below.
  consuming.catch(() => stopSimulator.abort());

  const simulatedAt = () => started + (Date.now() - started) * options.speed;
  let refreshing = false;
  let lastLog = 0;
  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      sales = await salesToday(warehouse, new Date(simulatedAt()), options.view ? 12 : 3);
      const now: DashboardState = {
        elapsedMs: Date.now() - started,
        simulatedAt: simulatedAt(),
        speed: options.speed,
        rate: options.rate,
        brokers: kafka.brokers.join(','),
        topic,
        database: warehouse.description,
        produced,
        failed: sink.stats.failed,
        ingested: ingest?.messages ?? 0,
        lines: ingest?.lines ?? 0,
        deadLetters: ingest?.deadLetters ?? 0,
        lag: Math.max(0, produced - (ingest?.messages ?? 0)),
        salesToday: sales,
        lastProblem: options.lastProblem?.(),
        webUrl: options.web?.url,
      };
      if (options.view) options.view.draw(dashboardLines(now, process.stdout.columns ?? 100));
      else if (now.elapsedMs - lastLog >= 10_000) {
        lastLog = now.elapsedMs;
        logger.info(
          { produced: now.produced, ingested: now.ingested, lag: now.lag, deadLetters: now.deadLetters, salesToday: sales },
          'Running',
        );
      }
      await options.web?.feed.publish(
        warehouse,
        { brokers: now.brokers, topic, database: now.database },
        {
          produced: now.produced,
          landed: now.ingested,
          lines: now.lines,
          deadLetters: now.deadLetters,
          lag: now.lag,
          simulated: { at: now.simulatedAt, speed: now.speed },
        },
        new Date(now.simulatedAt),
      );
    } catch (error) {
      logger.debug({ err: errorMessage(error) }, 'Live view not refreshed');
    } finally {
      refreshing = false;
    }
  };
  const timer = setInterval(() => void refresh(), 1000);

  try {
    const simulation = await simulate({
      seed: options.seed,
      sizes: DEFAULT_SIZES,
      chain,
      contract,
      mode: {
        kind: 'realtime',
        rate: options.rate,
        speed: options.speed,
        startAt: started,
        ...(options.durationMs ? { durationMs: options.durationMs } : {}),
      },
      sink,
      stock,
      ...(inventorySink ? { inventorySink } : {}),
      logger,
      signal: AbortSignal.any([options.signal, stopSimulator.signal]),
      onTransaction: (count) => {
        produced = count;
      },
    });
    // The tills have stopped: give the warehouse a moment to take in what is still on its way.
    const caughtUp = async () =>
      (await partitionsBehind(warehouse, kafka, group, topic)).length === 0 &&
      (!inventorySink || (await partitionsBehind(warehouse, kafka, inventoryGroup(group), inventoryTopic)).length === 0);
    await waitUntil(caughtUp, {
      what: 'the consumer to catch up',
      timeoutMs: 15_000,
    }).catch(() => logger.warn('The consumer did not catch up within 15 s; the rest stays in Kafka for the next run'));
    stopConsumer.abort();
    ingest = await consuming;
    await refresh();
    return {
      seconds: (Date.now() - started) / 1000,
      produced: simulation.sent,
      failed: simulation.failed,
      ingest,
      ...(simulation.stock ? { stock: simulation.stock } : {}),
      salesToday: sales,
    };
  } finally {
    clearInterval(timer);
    stopConsumer.abort();
    await Promise.allSettled([consuming]);
  }
}
