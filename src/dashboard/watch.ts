import { setTimeout as sleep } from 'node:timers/promises';
import { partitionBounds } from '../kafka/admin.ts';
import type { KafkaConnection } from '../kafka/security.ts';
import { errorMessage } from '../plumbing/errors.ts';
import type { Logger } from '../plumbing/logger.ts';
import { latestTransactionAt, warehouseTotals } from '../reports/today.ts';
import type { Warehouse } from '../warehouse/database.ts';
import { storedPositions } from '../warehouse/sql/read-positions.ts';
import type { LiveFeed } from './feed.ts';

export interface WatchOptions {
  warehouse: Warehouse;
  kafka: KafkaConnection;
  topic: string;
  /** The consumer group whose lag is shown. */
  group: string;
  feed: LiveFeed;
  logger: Logger;
  signal: AbortSignal;
}

interface KafkaFigures {
  /** Messages in the topic, and how many of them the group has not stored yet. */
  messages: number;
  lag: number;
}

/** The topic's messages and the group's lag from the broker's offsets and the warehouse's stored positions. */
async function kafkaFigures(options: WatchOptions): Promise<KafkaFigures> {
  const [{ partitions }, stored] = await Promise.all([
    partitionBounds(options.kafka, options.topic),
    storedPositions(options.warehouse, options.group, options.topic),
  ]);
  const next = new Map(stored.map((position) => [position.partition, position.offset]));
  let messages = 0n;
  let lag = 0n;
  for (const { partition, start, end } of partitions) {
    messages += end - start;
    const position = next.get(partition) ?? start;
    if (end > position) lag += end - (position > start ? position : start);
  }
  return { messages: Number(messages), lag: Number(lag) };
}

/**
 * `pos dashboard`: publishes the warehouse's figures every second until the signal, with the
 * topic's figures while a broker answers. "Today" is the day of the newest transaction, so a
 * warehouse filled earlier (a backfill) shows its last day.
 */
export async function watchWarehouse(options: WatchOptions): Promise<void> {
  const { warehouse, logger, signal } = options;
  let kafka: KafkaFigures | undefined;
  let kafkaProblem: string | undefined;
  // The broker is asked apart from the warehouse, so a broker that does not answer never holds up the page.
  const askKafka = async () => {
    while (!signal.aborted) {
      try {
        kafka = await kafkaFigures(options);
        if (kafkaProblem) logger.info('The broker answers again');
        kafkaProblem = undefined;
      } catch (error) {
        kafka = undefined;
        if (kafkaProblem === undefined) logger.warn({ err: errorMessage(error) }, 'No Kafka figures: the broker does not answer');
        kafkaProblem = errorMessage(error);
      }
      await sleep(1000, undefined, { signal }).catch(() => {});
    }
  };
  const asking = askKafka();
  while (!signal.aborted) {
    try {
      const [totals, latest] = await Promise.all([warehouseTotals(warehouse), latestTransactionAt(warehouse)]);
      await options.feed.publish(
        warehouse,
        { brokers: kafka ? options.kafka.brokers.join(',') : '', topic: options.topic, database: warehouse.description },
        {
          produced: kafka?.messages ?? null,
          landed: totals.transactions,
          lines: totals.lines,
          deadLetters: totals.dead_letters,
          lag: kafka?.lag ?? null,
        },
        latest ?? new Date(),
      );
    } catch (error) {
      logger.warn({ err: errorMessage(error) }, 'Dashboard not refreshed');
    }
    await sleep(1000, undefined, { signal }).catch(() => {});
  }
  await asking;
}
