import type { DeadLetterCode } from '../contract/validate.ts';
import { ensureTopics } from '../kafka/admin.ts';
import type { KafkaConnection } from '../kafka/security.ts';
import { deadLetterTopic } from '../kafka/topics.ts';
import { errorMessage } from '../plumbing/errors.ts';
import type { Logger } from '../plumbing/logger.ts';
import type { Warehouse } from '../warehouse/database.ts';
import { countUnpublishedDeadLetters } from '../warehouse/sql/count-unpublished-dead-letters.ts';
import { DeadLetterOutbox, type DeadLetterOutboxOptions } from './dead-letter-outbox.ts';
import type { FetchedBatch } from './fetched-batch.ts';
import { consumerMetrics, type LagSource } from './metrics.ts';
import type { PositionPlan } from './positions.ts';
import type { BatchResult } from './write.ts';

/** How often a one-line progress log (rate, lag, dead letters, gaps) is written. */
const PROGRESS_EVERY_MS = 5000;
/** How often pending dead letters are copied to the DLQ topic, besides at start-up and after a batch that made some. */
const OUTBOX_EVERY_MS = 10_000;

export interface IngestTotals {
  batches: number;
  messages: number;
  landed: number;
  lines: number;
  duplicates: number;
  alreadyIngested: number;
  deadLetters: number;
  deadLettersByCode: Partial<Record<DeadLetterCode, number>>;
  /** Gaps found (offsets deleted before the group read them), and the messages in them. */
  gaps: number;
  missing: number;
  /** Times the topic was found deleted and recreated. */
  topicRecreations: number;
  /** Messages in the topic not yet read by this consumer, at the last progress log. */
  lag: number | undefined;
  /** Time spent ingesting: from the first message to the last commit (idle time excluded). */
  activeMs: number;
}

export function emptyTotals(): IngestTotals {
  return {
    batches: 0,
    messages: 0,
    landed: 0,
    lines: 0,
    duplicates: 0,
    alreadyIngested: 0,
    deadLetters: 0,
    deadLettersByCode: {},
    gaps: 0,
    missing: 0,
    topicRecreations: 0,
    lag: undefined,
    activeMs: 0,
  };
}

/** When a batch became durable, and how long its database transaction took. */
export interface BatchTiming {
  /** Date.now() right after the commit. */
  committedAt: number;
  writeSeconds: number;
}

/** What the acknowledge step reads. */
export interface AcknowledgeOptions {
  /** Where the DLQ topic is made. */
  kafka: KafkaConnection;
  /** The topic consumed: its DLQ topic, and its dead letters not yet published. */
  topic: string;
  warehouse: Warehouse;
  logger: Logger;
  /** Called after each committed batch, with the running totals. */
  onBatch?: (totals: IngestTotals) => void;
  /** The dead-letter outbox the step runs. */
  outbox: DeadLetterOutboxOptions;
}

/**
 * The acknowledge step of the sink, after a batch is durable in the database: Kafka's committed
 * offsets (for lag tools only: the database has the real ones), the dead-letter outbox to
 * `<topic>.DLQ` (at start-up, after a batch that made dead letters, and on a timer), the running
 * totals and the progress log.
 */
export class Acknowledger {
  readonly totals = emptyTotals();
  readonly #lagSources = new Set<LagSource>();
  readonly #options: AcknowledgeOptions;
  readonly #outbox: DeadLetterOutbox;
  #outboxTimer: NodeJS.Timeout | undefined;
  #logging = false;
  #firstBatchAt: number | undefined;
  #lastLog = { at: performance.now(), messages: 0 };

  private constructor(options: AcknowledgeOptions) {
    this.#options = options;
    this.#outbox = new DeadLetterOutbox(options.outbox);
  }

  static async start(options: AcknowledgeOptions): Promise<Acknowledger> {
    await ensureTopics(options.kafka, [{ name: deadLetterTopic(options.topic), partitions: 1 }]);
    const acknowledger = new Acknowledger(options);
    // The outbox is published now and on a timer; each pass also counts what is left, for the metrics.
    void acknowledger.publishDeadLetters();
    acknowledger.#outboxTimer = setInterval(() => void acknowledger.publishDeadLetters(), OUTBOX_EVERY_MS).unref();
    return acknowledger;
  }

  /** A member's session reports its lag (for the progress log and the metrics) until the returned function is called. */
  addLagSource(source: LagSource): () => void {
    this.#lagSources.add(source);
    const removeMetric = consumerMetrics().addLagSource(source);
    return () => {
      this.#lagSources.delete(source);
      removeMetric();
    };
  }

  /** A member placed its read positions (it joined, or the group rebalanced): count what it found. */
  placed(plan: PositionPlan): void {
    const missing = Number(plan.gaps.reduce((sum, gap) => sum + gap.count, 0n));
    this.totals.gaps += plan.gaps.length;
    this.totals.missing += missing;
    if (plan.recreated) this.totals.topicRecreations++;
    const metrics = consumerMetrics();
    metrics.rebalances.inc();
    metrics.gaps.inc(plan.gaps.length);
    metrics.gapMessages.inc(missing);
    if (plan.gaps.length > 0) metrics.lastGap.setToCurrentTime();
    if (plan.recreated) metrics.recreations.inc();
  }

  /** A batch is committed to the database. */
  async batchWritten(batch: FetchedBatch, result: BatchResult, timing: BatchTiming): Promise<void> {
    const { totals } = this;
    countBatch(batch, result, timing);
    this.#firstBatchAt ??= performance.now();
    totals.batches++;
    totals.messages += batch.length;
    totals.landed += result.landed;
    totals.lines += result.lines;
    totals.duplicates += result.duplicates;
    totals.alreadyIngested += result.alreadyIngested;
    totals.deadLetters += result.rejected.length;
    for (const { code } of result.rejected) totals.deadLettersByCode[code] = (totals.deadLettersByCode[code] ?? 0) + 1;
    totals.activeMs = performance.now() - this.#firstBatchAt;
    commitToKafka(batch, this.#options.logger);
    if (result.rejected.length > 0) void this.publishDeadLetters();
    this.#options.onBatch?.(totals);
    // Not awaited: asking Kafka for the lag must not hold up the next batch.
    if (!this.#logging) {
      this.#logging = true;
      void this.#maybeLogProgress()
        .catch((error: unknown) => this.#options.logger.debug({ err: errorMessage(error) }, 'No progress log'))
        .finally(() => {
          this.#logging = false;
        });
    }
  }

  /** Copies pending dead letters to the DLQ topic; failures are logged, and the letters retried later. */
  async publishDeadLetters(): Promise<void> {
    try {
      const { published, failed } = await this.#outbox.publishPending();
      if (published > 0 || failed > 0) this.#options.logger.debug({ published, failed }, 'Dead letters copied to the DLQ topic');
    } catch (error) {
      this.#options.logger.warn(
        { err: errorMessage(error) },
        'Could not copy dead letters to the DLQ topic yet; they stay in the table and are retried',
      );
    }
    await this.#countUnpublished();
  }

  /** The outbox's backlog, for `pos_consumer_dead_letters_unpublished`; unknown while the database is away. */
  async #countUnpublished(): Promise<void> {
    try {
      consumerMetrics().deadLettersUnpublished.set(
        await countUnpublishedDeadLetters(this.#options.warehouse, [this.#options.topic]),
      );
    } catch (error) {
      this.#options.logger.debug({ err: errorMessage(error) }, 'Could not count the unpublished dead letters');
    }
  }

  /** Publishes what is pending, writes the summary, and lets go of the outbox's producer. */
  async close(): Promise<void> {
    clearInterval(this.#outboxTimer);
    await this.publishDeadLetters();
    await this.#maybeLogProgress(true);
    await this.#outbox.close();
  }

  async #lag(): Promise<number | undefined> {
    if (this.#lagSources.size === 0) return this.totals.lag;
    const lags = await Promise.all([...this.#lagSources].map((lag) => lag()));
    if (lags.some((lag) => lag === undefined)) return this.totals.lag;
    return lags.flatMap((partitions) => partitions ?? []).reduce((sum, partition) => sum + partition.messages, 0);
  }

  async #maybeLogProgress(final = false): Promise<void> {
    const now = performance.now();
    if (!final && now - this.#lastLog.at < PROGRESS_EVERY_MS) return;
    const { totals } = this;
    const rate = ((totals.messages - this.#lastLog.messages) * 1000) / Math.max(1, now - this.#lastLog.at);
    this.#lastLog = { at: now, messages: totals.messages };
    totals.lag = await this.#lag();
    const { messages, landed, lines, duplicates, alreadyIngested, deadLetters, gaps, missing, lag, activeMs } = totals;
    const fields = {
      messagesPerSecond: Math.round(rate),
      messages,
      landed,
      duplicates,
      alreadyIngested,
      deadLetters,
      lag,
      ...(gaps > 0 ? { gaps, missing } : {}),
      ...(totals.topicRecreations > 0 ? { topicRecreations: totals.topicRecreations } : {}),
    };
    const { logger } = this.#options;
    if (!final) {
      logger.info(fields, 'Ingesting');
      return;
    }
    const seconds = activeMs / 1000;
    logger.info(
      {
        ...fields,
        lines,
        batches: totals.batches,
        activeSeconds: Number(seconds.toFixed(2)),
        transactionsPerSecond: seconds > 0 ? Math.round(landed / seconds) : 0,
        linesPerSecond: seconds > 0 ? Math.round(lines / seconds) : 0,
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      'Ingest finished',
    );
  }
}

/** The batch in the metrics: outcomes, dead letters by code, lines, write time, and each message's end-to-end latency. */
function countBatch(batch: FetchedBatch, result: BatchResult, timing: BatchTiming): void {
  const metrics = consumerMetrics();
  const { messages: outcomes } = metrics;
  outcomes.inc({ outcome: 'landed' }, result.landed);
  outcomes.inc({ outcome: 'duplicate' }, result.duplicates);
  outcomes.inc({ outcome: 'already_ingested' }, result.alreadyIngested);
  outcomes.inc({ outcome: 'dead_letter' }, result.rejected.length);
  for (const { code } of result.rejected) metrics.deadLetters.inc({ code });
  metrics.lines.inc(result.lines);
  metrics.batches.inc();
  metrics.batchWrite.observe(timing.writeSeconds);
  for (const timestamp of batch.timestamps) {
    metrics.endToEnd.observe(Math.max(0, timing.committedAt - timestamp) / 1000);
  }
}

/** Commits the batch's last offset per partition to Kafka, for lag tools only: failures are logged, not fatal. */
function commitToKafka(batch: FetchedBatch, logger: Logger): void {
  for (const message of batch.lastOfPartition.values()) {
    Promise.resolve(message.commit()).catch((error: unknown) =>
      logger.debug(
        { err: errorMessage(error), partition: message.partition },
        'Kafka did not take a commit (the database has the offsets)',
      ),
    );
  }
}
