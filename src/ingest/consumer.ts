import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Consumer,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import { deadLetterTopic } from '../broker/lifecycle.ts';
import { type DeadLetterCode, decodeTransaction } from '../contract/validate.ts';
import { errorMessage, UserError } from '../errors.ts';
import { ensureTopics, partitionBounds } from '../kafka/admin.ts';
import type { Logger } from '../logger.ts';
import { backoffDelay, retryTransient } from '../retry.ts';
import type { Warehouse } from '../warehouse/database.ts';
import { classifyDatabaseError } from '../warehouse/failures.ts';
import { storedOffsets } from '../warehouse/sql/ingest-offsets.ts';
import { DEFAULT_BATCH_SIZE } from './batch-size.ts';
import { DeadLetterTopic } from './dead-letter-topic.ts';
import { type BatchResult, type IncomingRecord, type OffsetScope, writeBatchIsolatingRefusals } from './write.ts';

/** How often a one-line progress log (rate, lag, dead letters) is written. */
const PROGRESS_EVERY_MS = 5000;

export interface ConsumeOptions {
  brokers: string[];
  topic: string;
  group: string;
  /** For a group with no offsets yet: read the topic from its start rather than from now on. */
  fromBeginning: boolean;
  warehouse: Warehouse;
  logger: Logger;
  /** Aborting finishes the batch in flight (or abandons it, if it is waiting out an outage), leaves the group and returns. */
  signal?: AbortSignal;
  /** Return after this long without a new message. */
  untilIdleMs?: number;
  /** Messages per database transaction, at most. */
  batchSize?: number;
  /** How long a batch that is not full waits for more messages. */
  lingerMs?: number;
  /** Called after each committed batch, with the running totals. */
  onBatch?: (totals: IngestTotals) => void;
}

export interface IngestTotals {
  batches: number;
  messages: number;
  landed: number;
  lines: number;
  duplicates: number;
  alreadyIngested: number;
  deadLetters: number;
  deadLettersByCode: Partial<Record<DeadLetterCode, number>>;
  /** Messages in the topic not yet read by this consumer, at the last progress log. */
  lag: number | undefined;
  /** Time spent ingesting: from the first message to the last commit (idle time excluded). */
  activeMs: number;
}

/**
 * `pos consume`: a consumer-group member that writes every message to the warehouse with an
 * exactly-once effect. Per batch: decode and validate, then one database transaction that writes
 * the rows, the dead letters and the group's offsets together (write.ts). The database is the
 * source of truth for offsets: each partition is fetched from where the database says, and the
 * offsets are committed to Kafka after each batch only so that lag tools see progress.
 */
export async function consume(options: ConsumeOptions): Promise<IngestTotals> {
  const { logger, signal } = options;
  const scope: OffsetScope = { consumerGroup: options.group, topic: options.topic };
  const totals: IngestTotals = {
    batches: 0,
    messages: 0,
    landed: 0,
    lines: 0,
    duplicates: 0,
    alreadyIngested: 0,
    deadLetters: 0,
    deadLettersByCode: {},
    lag: undefined,
    activeMs: 0,
  };
  let firstBatchAt: number | undefined;
  await ensureTopics(options.brokers, [{ name: deadLetterTopic(options.topic), partitions: 1 }]);
  const deadLetters = new DeadLetterTopic(options.warehouse, options.brokers);
  const progress = new ProgressLog(options, totals);
  let idleSince = Date.now();

  let failures = 0;
  try {
    while (!signal?.aborted) {
      let session: Session;
      try {
        session = await openSession(options);
      } catch (error) {
        if (signal?.aborted) break;
        throwIfFatal(error, options);
        await pause(options, ++failures, `Cannot join consumer group ${options.group} yet`, error);
        continue;
      }
      progress.session = session;
      try {
        for (;;) {
          const messages = await session.next(options, idleSince);
          if (messages === 'idle' && !(await groupCaughtUp(options))) {
            // Another member (or one that died and still holds its partitions until its session
            // times out) has not ingested everything yet: the group is not done.
            idleSince = Date.now();
            continue;
          }
          if (messages === 'idle' || messages === 'stopped') {
            totals.lag = (await session.lag()) ?? totals.lag;
            return totals;
          }
          firstBatchAt ??= performance.now();
          logger.debug({ batch: describeBatch(messages) }, 'Writing a batch');
          const result = await writeWithRetries(options, messages.map(decode), scope);
          failures = 0;
          account(totals, messages.length, result);
          session.processed(messages);
          totals.activeMs = performance.now() - firstBatchAt;
          commitToKafka(messages, logger);
          if (result.rejected.length > 0) await publishDeadLetters(deadLetters, logger);
          options.onBatch?.(totals);
          await progress.maybeLog();
          idleSince = Date.now();
        }
      } catch (error) {
        if (error instanceof UserError || signal?.aborted) throw error;
        await pause(options, ++failures, 'The Kafka consumer failed; reconnecting', error);
      } finally {
        progress.session = undefined;
        await session.close();
      }
    }
    return totals;
  } catch (error) {
    if (signal?.aborted && !(error instanceof UserError)) {
      logger.info(
        { err: errorMessage(error) },
        'Stopped while waiting: the batch in flight was abandoned, nothing of it is written',
      );
      return totals;
    }
    throw error;
  } finally {
    await progress.maybeLog(true);
    await publishDeadLetters(deadLetters, logger);
    await deadLetters.close().catch(() => {});
  }
}

/** Logs a failure to join or to go on, and waits before the next try (longer each time, until the signal). */
async function pause(options: ConsumeOptions, attempt: number, what: string, error: unknown): Promise<void> {
  const delay = backoffDelay(attempt);
  options.logger.warn({ err: errorMessage(error), attempt, retryInMs: delay }, what);
  await sleep(delay, undefined, { signal: options.signal }).catch(() => {});
}

/** A database that cannot work as configured (missing, no schema, no permission) ends the run with a clear message. */
function throwIfFatal(error: unknown, options: ConsumeOptions): void {
  if (classifyDatabaseError(error) !== 'fatal') return;
  throw new UserError(`PostgreSQL at ${options.warehouse.description} cannot take the data: ${errorMessage(error)}`, {
    hint: 'Run `pos db migrate`, and check that the database and user are the ones you meant.',
    cause: error,
  });
}

/** partition: first–last offset, for debug logs. */
function describeBatch(messages: Message[]): Record<number, string> {
  const ranges: Record<number, string> = {};
  for (const message of messages) {
    const [first] = (ranges[message.partition] ?? `${message.offset}`).split('–');
    ranges[message.partition] = `${first}–${message.offset}`;
  }
  return ranges;
}

/** A message as it arrived, with the verdict on its bytes. */
function decode(message: Message): IncomingRecord {
  return {
    key: message.key ?? null,
    value: message.value ?? null,
    source: { topic: message.topic, partition: message.partition, offset: message.offset },
    verdict: decodeTransaction(message.value),
  };
}

/** Writes a batch, retrying while PostgreSQL is unavailable; a configuration problem ends the run with a clear message. */
async function writeWithRetries(options: ConsumeOptions, records: IncomingRecord[], scope: OffsetScope): Promise<BatchResult> {
  try {
    return await retryTransient(() => writeBatchIsolatingRefusals(options.warehouse, records, scope), {
      what: `PostgreSQL at ${options.warehouse.description}`,
      isTransient: (error) => classifyDatabaseError(error) === 'transient',
      logger: options.logger,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throwIfFatal(error, options);
    throw error;
  }
}

function account(totals: IngestTotals, messages: number, result: BatchResult): void {
  totals.batches++;
  totals.messages += messages;
  totals.landed += result.landed;
  totals.lines += result.lines;
  totals.duplicates += result.duplicates;
  totals.alreadyIngested += result.alreadyIngested;
  totals.deadLetters += result.rejected.length;
  for (const { code } of result.rejected) totals.deadLettersByCode[code] = (totals.deadLettersByCode[code] ?? 0) + 1;
}

/** Commits the batch's last offset per partition to Kafka, for lag tools only: failures are logged, not fatal. */
function commitToKafka(batch: Message[], logger: Logger): void {
  const last = new Map<number, Message>();
  for (const message of batch) last.set(message.partition, message);
  for (const message of last.values()) {
    Promise.resolve(message.commit()).catch((error: unknown) =>
      logger.debug(
        { err: errorMessage(error), partition: message.partition },
        'Kafka did not take a commit (the database has the offsets)',
      ),
    );
  }
}

async function publishDeadLetters(deadLetters: DeadLetterTopic, logger: Logger): Promise<void> {
  try {
    const published = await deadLetters.publishPending();
    if (published > 0) logger.debug({ published }, 'Dead letters copied to the DLQ topic');
  } catch (error) {
    logger.warn(
      { err: errorMessage(error) },
      'Could not copy dead letters to the DLQ topic yet; they stay in the table and are retried',
    );
  }
}

/**
 * The partitions the group has not ingested to their end yet, by the offsets in the database. A
 * partition the group has no offset for counts as done when it is empty, or when the group starts
 * new partitions at their end (no --from-beginning).
 */
export async function partitionsBehind(
  warehouse: Warehouse,
  brokers: string[],
  scope: OffsetScope,
  fromBeginning: boolean,
): Promise<number[]> {
  const stored = new Map(
    (await storedOffsets(warehouse, scope.consumerGroup, scope.topic)).map((entry) => [entry.partition, entry.offset]),
  );
  return (await partitionBounds(brokers, scope.topic))
    .filter(({ partition, start, end }) => {
      const next = stored.get(partition);
      return next === undefined ? fromBeginning && end > start : next < end;
    })
    .map(({ partition }) => partition);
}

/** Whether the whole group is done: what `--until-idle` waits for besides idleness. */
async function groupCaughtUp(options: ConsumeOptions): Promise<boolean> {
  try {
    const scope = { consumerGroup: options.group, topic: options.topic };
    const behind = await partitionsBehind(options.warehouse, options.brokers, scope, options.fromBeginning);
    if (behind.length > 0)
      options.logger.debug({ partitions: behind }, 'Idle, but the group has not ingested these partitions yet');
    return behind.length === 0;
  } catch (error) {
    options.logger.debug({ err: errorMessage(error) }, 'Could not tell whether the group has caught up; assuming it has');
    return true;
  }
}

/** One membership of the group: a consumer and its message stream, read in batches. */
interface Session {
  /** The next batch; 'idle' after --until-idle without messages, 'stopped' when the signal aborts. */
  next(options: ConsumeOptions, idleSince: number): Promise<Message[] | 'idle' | 'stopped'>;
  /** Notes how far the batch got, for the lag. */
  processed(batch: Message[]): void;
  /** Messages in the assigned partitions after what was processed. */
  lag(): Promise<number | undefined>;
  close(): Promise<void>;
}

async function openSession(options: ConsumeOptions): Promise<Session> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const consumer = new Consumer({
    clientId: 'pos-consumer',
    groupId: options.group,
    bootstrapBrokers: options.brokers,
    sessionTimeout: 10_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: 1000,
    maxWaitTime: 500,
    // Bounded read-ahead (memory stays flat): under a batch buffered, fetched 2 MB at a time with
    // at most 512 KB per partition, so that a partition with a large backlog does not starve the others.
    highWaterMark: Math.ceil(batchSize / 2),
    maxBytes: 2 * 1024 * 1024,
    maxBytesPerPartition: 512 * 1024,
  });
  // Where to start each partition: the offsets in the database, not Kafka's commits (Kafka's may
  // lag by a batch, or be missing when a member died before its first commit). A partition the
  // group never ingested starts at the beginning or the end, as --from-beginning says.
  const databaseOffsets = async () =>
    (await storedOffsets(options.warehouse, options.group, options.topic)).map(({ partition, offset }) => ({
      topic: options.topic,
      partition,
      offset,
    }));
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  try {
    stream = await consumer.consume({
      topics: [options.topic],
      mode: MessagesStreamModes.MANUAL,
      offsets: await databaseOffsets(),
      fallbackMode: options.fromBeginning ? MessagesStreamFallbackModes.EARLIEST : MessagesStreamFallbackModes.LATEST,
      autocommit: false,
    });
  } catch (error) {
    await consumer.close(true).catch(() => {});
    throw error;
  }
  // After a rebalance, partitions that other members have ingested meanwhile start from where
  // the database now says, instead of re-reading what the write path would skip anyway.
  consumer.on('consumer:group:join', () => {
    databaseOffsets()
      .then((offsets) => {
        for (const { partition, offset } of offsets) {
          const key = `${options.topic}:${partition}`;
          if (offset > (stream.offsetsToFetch.get(key) ?? -1n)) stream.offsetsToFetch.set(key, offset);
        }
      })
      .catch((error: unknown) => options.logger.debug({ err: errorMessage(error) }, 'Offsets not refreshed after a rebalance'));
  });
  const processedUpTo = new Map<number, bigint>();
  // The stream fetches only while someone listens: batches are pulled with read(), so a
  // 'readable' listener stays attached for the whole session (without it, fetching stops).
  stream.on('readable', () => {});
  let failure: unknown;
  stream.on('error', (error) => {
    failure = error;
  });

  return {
    async next(opts, since) {
      // Idle time counts only while a member of the group: joining, or waiting out a rebalance
      // (a killed member holds its partitions until its session times out), is not idleness.
      let idleSince = since;
      const batch: Message[] = [];
      const lingerUntil = () => Date.now() + (opts.lingerMs ?? 100);
      let deadline: number | undefined;
      for (;;) {
        if (failure) throw failure;
        if (opts.signal?.aborted) return 'stopped';
        for (let message = stream.read(); message !== null; message = batch.length < batchSize ? stream.read() : null) {
          batch.push(message as Message);
        }
        if (batch.length >= batchSize) return batch;
        if (batch.length > 0) deadline ??= lingerUntil();
        const now = Date.now();
        if (!consumer.isActive()) idleSince = now;
        if (deadline !== undefined && now >= deadline) return batch;
        if (batch.length === 0 && opts.untilIdleMs !== undefined && now - idleSince >= opts.untilIdleMs) return 'idle';
        const waitMs =
          deadline !== undefined ? deadline - now : opts.untilIdleMs !== undefined ? idleSince + opts.untilIdleMs - now : 1000;
        await waitForData(stream, Math.max(1, Math.min(waitMs, 1000)), opts.signal);
      }
    },
    processed(batch) {
      for (const message of batch) processedUpTo.set(message.partition, message.offset + 1n);
    },
    async lag() {
      try {
        const latest = (await consumer.listOffsets({ topics: [options.topic] })).get(options.topic) ?? [];
        const assigned = consumer.assignments?.find((assignment) => assignment.topic === options.topic)?.partitions ?? [];
        let lag = 0n;
        for (const partition of assigned) {
          const position = processedUpTo.get(partition) ?? stream.offsetsToFetch.get(`${options.topic}:${partition}`);
          const end = latest[partition];
          if (position !== undefined && end !== undefined && end > position) lag += end - position;
        }
        return Number(lag);
      } catch {
        return undefined;
      }
    },
    async close() {
      await stream.close().catch(() => {});
      // Leaving the group hands the partitions to the other members at once.
      await consumer.close(true).catch(() => {});
    },
  };
}

/** Resolves when the stream has something to read, fails, or `ms` pass, or the signal aborts. */
async function waitForData(
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const done = new AbortController();
  const stop = AbortSignal.any([done.signal, AbortSignal.timeout(ms), ...(signal ? [signal] : [])]);
  try {
    await Promise.race([once(stream, 'readable', { signal: stop }), once(stream, 'error', { signal: stop })]);
  } catch {
    // timed out or aborted: the caller looks again
  } finally {
    done.abort(); // removes the listener that did not fire
  }
}

/** The periodic one-line progress log. */
class ProgressLog {
  session: Session | undefined;
  readonly #options: ConsumeOptions;
  readonly #totals: IngestTotals;
  #last = { at: performance.now(), messages: 0 };

  constructor(options: ConsumeOptions, totals: IngestTotals) {
    this.#options = options;
    this.#totals = totals;
  }

  async maybeLog(final = false): Promise<void> {
    const now = performance.now();
    if (!final && now - this.#last.at < PROGRESS_EVERY_MS) return;
    const rate = ((this.#totals.messages - this.#last.messages) * 1000) / Math.max(1, now - this.#last.at);
    this.#last = { at: now, messages: this.#totals.messages };
    this.#totals.lag = (await this.session?.lag()) ?? this.#totals.lag;
    const { messages, landed, lines, duplicates, alreadyIngested, deadLetters, lag, activeMs } = this.#totals;
    const fields = { messagesPerSecond: Math.round(rate), messages, landed, duplicates, alreadyIngested, deadLetters, lag };
    if (!final) {
      this.#options.logger.info(fields, 'Ingesting');
      return;
    }
    const seconds = activeMs / 1000;
    this.#options.logger.info(
      {
        ...fields,
        lines,
        activeSeconds: Number(seconds.toFixed(2)),
        transactionsPerSecond: seconds > 0 ? Math.round(landed / seconds) : 0,
        linesPerSecond: seconds > 0 ? Math.round(lines / seconds) : 0,
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      'Ingest finished',
    );
  }
}
