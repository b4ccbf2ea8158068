import { setTimeout as sleep } from 'node:timers/promises';
import type { SchemaVersion } from '../contract/message.ts';
import { withAdmin } from '../kafka/admin.ts';
import { classifyKafkaError, explainKafkaError, isUnknownTopicError } from '../kafka/failures.ts';
import type { KafkaConnection } from '../kafka/security.ts';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import type { Logger } from '../plumbing/logger.ts';
import { backoffDelay, retryTransient } from '../plumbing/retry.ts';
import type { Warehouse } from '../warehouse/database.ts';
import { classifyDatabaseError } from '../warehouse/failures.ts';
import { type AcknowledgeOptions, Acknowledger, type BatchTiming, type IngestTotals } from './acknowledge.ts';
import { DEFAULT_BATCH_SIZE, defaultBatchBytes } from './batch-size.ts';
import { type FetchedBatch, fetchedRecords } from './fetched-batch.ts';
import { KnownMembers } from './known-members.ts';
import { consumerMetrics } from './metrics.ts';
import { checkConsumeOptions } from './options.ts';
import type { StartPolicy } from './positions.ts';
import { BatchPreparer } from './preparer.ts';
import { openSession, partitionsBehind, type Session, type SessionOptions, TopicChanged } from './session.ts';
import { ConsumerStatus } from './status.ts';
import {
  type BatchResult,
  type OffsetScope,
  type PreparedBatch,
  StoredTopicChanged,
  writeBatchIsolatingRefusals,
} from './write.ts';
import { decodeInventoryBatch, type InventoryBatch, writeInventoryIsolatingRefusals } from './write-inventory.ts';

export type { IngestTotals } from './acknowledge.ts';

/**
 * No waiting for a batch to fill: a batch is what arrived while the previous one was being
 * written. Under a backlog that is a full batch anyway (a batch is buffered during each write);
 * in real time the batches stay as small as the traffic, and a message waits for one write at
 * most instead of a linger and a write (at 1,000 messages/s a 100 ms linger cost 100–200 ms each).
 */
const DEFAULT_LINGER_MS = 0;

/** Failures in a row that are neither an outage nor a repositioning, after which the consumer stops. */
const MAX_REPEATED_FAILURES = 3;

export interface ConsumeOptions {
  kafka: KafkaConnection;
  topic: string;
  group: string;
  /** Where the group starts a partition it has no stored offset for (default: earliest). */
  startAt?: StartPolicy;
  warehouse: Warehouse;
  logger: Logger;
  /** Aborting finishes the batch in flight (or abandons it, if it is waiting out an outage), leaves the group and returns. */
  signal?: AbortSignal;
  /** Return once no message has come for this long and the group has ingested the whole topic. */
  untilIdleMs?: number;
  /** Messages per database transaction, at most. */
  batchSize?: number;
  /** Bytes (keys and values) per database transaction, at most (one message always fits). */
  batchBytes?: number;
  /** How long a batch that is not full waits for more messages (default 0: it takes what has arrived). */
  lingerMs?: number;
  /** Group members in this process, each with its own partitions and database transactions. */
  members?: number;
  /**
   * Static membership (Kafka's `group.instance.id`): a member restarted with the same id gets its
   * partitions back at once instead of after the session timeout. With several members, member i
   * is `ID-i`. One id per process, stable across its restarts.
   */
  instanceId?: string;
  /** Called after each committed batch, with the running totals. */
  onBatch?: (totals: IngestTotals) => void;
  /** Kept up to date with what the consumer is doing (for `/readyz`); the run's own when absent. */
  status?: ConsumerStatus;
  /** The preparing thread's module (preparer.ts); tests give one that crashes on purpose. */
  preparerEntry?: URL;
  /**
   * The contract versions accepted (default: every one this build reads); a message of another
   * becomes an `unknown_version` dead letter, to replay once its version is read (a rollout that
   * holds a new version back until the reports that use it are ready).
   */
  contractVersions?: readonly SchemaVersion[];
  /**
   * The inventory topic (deliveries and counts), read besides the sales topic by the group
   * `GROUP.inventory` (inventoryGroup): `TOPIC.Inventory` by default; false reads sales only.
   */
  inventoryTopic?: string | false;
}

/** The inventory topic that goes with sales topic `topic`. */
export function defaultInventoryTopic(topic: string): string {
  return `${topic}.Inventory`;
}

/**
 * `pos consume`, after Kafka Connect's sink contract: a session (session.ts: membership, read
 * positions, topic identity, gaps) hands out batches; the write step (write.ts) makes each one
 * durable in one database transaction together with the group's offsets; the acknowledge step
 * (acknowledge.ts) then commits to Kafka for lag tools, publishes dead letters and reports.
 * With several members, one that fails stops the others, and the run fails with its error.
 */
export async function consume(options: ConsumeOptions): Promise<ConsumeTotals> {
  checkConsumeOptions(options);
  // The series are created at zero before the first batch: a rate or an alert sees them from the start.
  consumerMetrics();
  if (options.untilIdleMs !== undefined) await requireTopic(options, options.topic);
  const status = options.status ?? new ConsumerStatus();
  status.useDatabase(options.warehouse);
  const stopStreams = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopStreams.signal]) : stopStreams.signal;
  const members = options.members ?? 1;
  const preparer = new BatchPreparer({
    logger: options.logger,
    ...(options.preparerEntry ? { entry: options.preparerEntry } : {}),
    ...(options.contractVersions ? { contractVersions: options.contractVersions } : {}),
  });
  const sales: BatchPath<PreparedBatch> = {
    prepare: async (fetched) => (await preparer.prepare(fetched)).prepared,
    write: (warehouse, batch, scope, known) => writeBatchIsolatingRefusals(warehouse, batch, scope, known),
  };
  const inventoryTopic = await inventoryTopicToRead(options);
  // One failing stream stops the other, and the run fails with its error.
  const stopOthers = (error: unknown) => {
    stopStreams.abort(error);
    throw error;
  };
  try {
    const [totals, inventory] = await Promise.all([
      runStream(options, { topic: options.topic, group: options.group, members, firstMember: 0 }, sales, status, signal).catch(
        stopOthers,
      ),
      inventoryTopic === undefined
        ? undefined
        : whenTopicExists(options, inventoryTopic, signal)
            .then(() =>
              signal.aborted
                ? undefined
                : runStream(
                    { ...withoutOnBatch(options), logger: options.logger.child({ topic: inventoryTopic }) },
                    // Inventory messages are few: one member per process reads them, besides the sales members.
                    { topic: inventoryTopic, group: inventoryGroup(options.group), members: 1, firstMember: members },
                    INVENTORY_PATH,
                    status,
                    signal,
                  ),
            )
            .catch(stopOthers),
    ]);
    return inventory ? { ...totals, inventory } : totals;
  } finally {
    await preparer.close();
  }
}

/** The sales topic's totals (what `onBatch` reports), and the inventory topic's when it was read. */
export type ConsumeTotals = IngestTotals & { inventory?: IngestTotals };

/** The options without the caller's `onBatch`, which counts sales. */
function withoutOnBatch(options: ConsumeOptions): ConsumeOptions {
  const { onBatch: _, ...rest } = options;
  return rest;
}

/** The consumer group that reads the inventory topic for group `group` (its own group: a member reads one topic). */
export function inventoryGroup(group: string): string {
  return `${group}.inventory`;
}

/** The inventory topic this run reads, if any: none when switched off, or when a bounded run finds it missing. */
async function inventoryTopicToRead(options: ConsumeOptions): Promise<string | undefined> {
  if (options.inventoryTopic === false) return undefined;
  const topic = options.inventoryTopic ?? defaultInventoryTopic(options.topic);
  if (options.untilIdleMs === undefined) return topic;
  const topics = await withAdmin(options.kafka, (admin) => admin.listTopics());
  if (topics.includes(topic)) return topic;
  options.logger.info({ topic }, 'No inventory topic: only the sales topic is read');
  return undefined;
}

/** How often a consumer looks for an inventory topic that does not exist yet. */
const TOPIC_LOOKUP_EVERY_MS = 10_000;

/**
 * Resolves once `topic` exists (at once in a bounded run, which found it already): a chain
 * without stock has no inventory topic, and the consumer does not complain about it; it starts
 * reading it when a simulation with stock makes it. Resolves too when the run is stopped.
 */
async function whenTopicExists(options: ConsumeOptions, topic: string, signal: AbortSignal): Promise<void> {
  if (options.untilIdleMs !== undefined) return;
  let logged = false;
  while (!signal.aborted) {
    const topics = await withAdmin(options.kafka, (admin) => admin.listTopics()).catch(() => [] as string[]);
    if (topics.includes(topic)) return;
    if (!logged) options.logger.info({ topic }, 'No inventory topic yet: it is read once it exists');
    logged = true;
    await sleep(TOPIC_LOOKUP_EVERY_MS, undefined, { signal }).catch(() => {});
  }
}

/** What a stream's members do with their batches: the sales path (a worker thread, the star) or the inventory one. */
interface BatchPath<P> {
  prepare(fetched: FetchedBatch): Promise<P>;
  write(warehouse: Warehouse, batch: P, scope: OffsetScope, known: KnownMembers): Promise<BatchResult>;
}

const INVENTORY_PATH: BatchPath<InventoryBatch> = {
  prepare: async (fetched) => decodeInventoryBatch(fetchedRecords(fetched)),
  write: (warehouse, batch, scope) => writeInventoryIsolatingRefusals(warehouse, batch, scope),
};

/** One topic read by one consumer group: its members (status indexes from `firstMember`). */
interface StreamScope {
  topic: string;
  group: string;
  members: number;
  firstMember: number;
}

/** A topic's members, with their acknowledge step (Kafka commits, the dead-letter outbox); returns its totals. */
async function runStream<P>(
  options: ConsumeOptions,
  stream: StreamScope,
  path: BatchPath<P>,
  status: ConsumerStatus,
  signal: AbortSignal,
): Promise<IngestTotals> {
  const streamOptions = { ...options, topic: stream.topic, group: stream.group };
  const acknowledger = await Acknowledger.start(acknowledgeOptions(streamOptions));
  const stopMembers = new AbortController();
  const membersSignal = AbortSignal.any([signal, stopMembers.signal]);
  try {
    await Promise.all(
      Array.from({ length: stream.members }, (_, member) =>
        runMember(
          memberOptions(streamOptions, member, stream.members, membersSignal),
          acknowledger,
          new MemberStatus(status, stream.firstMember + member),
          path,
        ).catch((error: unknown) => {
          stopMembers.abort(error);
          throw error;
        }),
      ),
    );
    return acknowledger.totals;
  } finally {
    for (let member = 0; member < stream.members; member++) status.set(stream.firstMember + member, 'stopped');
    await acknowledger.close();
  }
}

/** What the acknowledge step reads, and its dead-letter outbox: the consumed topic's letters. */
function acknowledgeOptions(options: ConsumeOptions): AcknowledgeOptions {
  const { kafka, topic, warehouse, logger, onBatch } = options;
  return {
    kafka,
    topic,
    warehouse,
    logger,
    ...(onBatch ? { onBatch } : {}),
    outbox: { warehouse, kafka, logger, topics: [topic] },
  };
}

/** What one member of the group reads: its sessions' settings (session.ts), and the signal that stops it. */
type MemberOptions = Omit<SessionOptions, 'onPlaced' | 'signal'> & { signal: AbortSignal };

/** Member `member`'s options: the defaults applied, its own logger (with several) and static id. */
function memberOptions(options: ConsumeOptions, member: number, members: number, signal: AbortSignal): MemberOptions {
  const { kafka, topic, group, warehouse, instanceId, untilIdleMs } = options;
  return {
    kafka,
    topic,
    group,
    warehouse,
    startAt: options.startAt ?? 'earliest',
    logger: members > 1 ? options.logger.child({ member }) : options.logger,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    batchBytes: options.batchBytes ?? defaultBatchBytes(),
    lingerMs: options.lingerMs ?? DEFAULT_LINGER_MS,
    // Each member of a process needs its own static id: `ID` alone, or `ID-0`, `ID-1`, … with several.
    ...(instanceId === undefined ? {} : { instanceId: members > 1 ? `${instanceId}-${member}` : instanceId }),
    ...(untilIdleMs === undefined ? {} : { untilIdleMs }),
    signal,
  };
}

/** One member's part of the consumer's status, and the retries it counts. */
class MemberStatus {
  readonly #status: ConsumerStatus;
  readonly #member: number;

  constructor(status: ConsumerStatus, member: number) {
    this.#status = status;
    this.#member = member;
    status.set(member, 'starting');
  }

  set(state: 'running'): void {
    this.#status.set(this.#member, state);
  }

  /** About to wait before trying again. */
  waiting(dependency: 'database' | 'kafka' | 'other', error: unknown): void {
    consumerMetrics().retries.inc({ dependency });
    if (dependency === 'database') this.#status.set(this.#member, 'waiting_for_database', error);
    if (dependency === 'kafka') this.#status.set(this.#member, 'waiting_for_kafka', error);
  }
}

/** A topic that does not exist would leave a bounded run waiting for it forever: say so instead. */
async function requireTopic(options: ConsumeOptions, topic: string): Promise<void> {
  const topics = await withAdmin(options.kafka, (admin) => admin.listTopics());
  if (!topics.includes(topic)) {
    throw new UserError(`Topic ${topic} does not exist at ${options.kafka.brokers.join(',')}`, {
      hint: 'Check --topic or POS_TOPIC; `pos simulate` creates the topic it produces to.',
    });
  }
}

/** One member of the group: sessions one after another until stopped, idle, or failing for good. */
async function runMember<P>(
  options: MemberOptions,
  acknowledger: Acknowledger,
  status: MemberStatus,
  path: BatchPath<P>,
): Promise<void> {
  const { logger, signal } = options;
  const failures = new FailureCount(options, status);
  let idleSince = Date.now();
  while (!signal.aborted) {
    let session: Session | undefined;
    try {
      // A member waiting out an outage stays 'waiting' until its next session has joined.
      session = await openSession({ ...options, onPlaced: (plan) => acknowledger.placed(plan) });
      const removeLagSource = acknowledger.addLagSource(session.lag);
      status.set('running');
      // The batch being written while the next one is read and prepared (on the preparer's thread):
      // Kafka, the preparer and PostgreSQL work on batches N+1 and N at the same time.
      let writing: Promise<void> | undefined;
      const written = async () => {
        const batch = writing;
        writing = undefined;
        await batch;
      };
      try {
        const known = new KnownMembers();
        for (;;) {
          const fetched = await nextOrFailure(session.next(idleSince), writing);
          if (fetched === 'stopped') {
            await written();
            return;
          }
          if (fetched === 'idle') {
            await written();
            const behind = await partitionsBehind(options.warehouse, options.kafka, options.group, options.topic);
            if (behind.length === 0) {
              acknowledger.totals.lag = 0;
              return;
            }
            // Another member (or one that died and still holds its partitions until its session
            // times out) has not ingested everything yet: the group is not done.
            logger.debug({ partitions: behind }, 'Idle, but the group has not ingested these partitions yet');
            idleSince = Date.now();
            continue;
          }
          const batch = fetched;
          const prepared = await path.prepare(fetched);
          await written();
          if (logger.isLevelEnabled('debug')) logger.debug({ batch: describeBatch(batch) }, 'Writing a batch');
          // The topic id the batch was fetched under, not the session's by now: a batch of a topic
          // since recreated must not advance (or pass for) the new topic's offsets.
          const scope: OffsetScope = { consumerGroup: options.group, topic: options.topic, topicId: fetched.topicId };
          const current = session;
          writing = writeWithRetries(options, () => path.write(options.warehouse, prepared, scope, known), status).then(
            async ({ result, timing }) => {
              status.set('running');
              logger.debug({ messages: batch.length, landed: result.landed }, 'Batch committed');
              failures.reset();
              current.processed(batch);
              await acknowledger.batchWritten(batch, result, timing);
              current.recycle(batch);
              idleSince = Date.now();
            },
          );
          // Observed by written(); this only keeps a failure from counting as unhandled meanwhile.
          writing.catch(() => {});
        }
      } catch (error) {
        // A batch in flight is finished (or fails) before the session closes; the failure that
        // ended the loop is the news.
        await written().catch(() => {});
        throw error;
      } finally {
        removeLagSource();
      }
    } catch (error) {
      if (signal.aborted && !(error instanceof UserError)) {
        logger.info(
          { err: errorMessage(error) },
          'Stopped while waiting: the batch in flight was abandoned, nothing of it is written',
        );
        return;
      }
      await failures.react(error);
    } finally {
      await session?.close();
    }
  }
}

/** What the reaction to a failure reads: whom to name in messages, where to log, what stops the waiting. */
type FailureOptions = Pick<MemberOptions, 'kafka' | 'topic' | 'group' | 'warehouse' | 'logger' | 'signal'>;

/**
 * What the consumer does after a failure: an outage (the broker or the database away) is waited
 * out for as long as it lasts; a moved read position (a gap, a recreated topic) is placed again at
 * once; a misconfiguration stops the run with a hint; anything else is retried a few times and
 * then stops the run with its error, rather than looping on it forever.
 */
class FailureCount {
  readonly #options: FailureOptions;
  readonly #status: MemberStatus;
  #outages = 0;
  #repositionings = 0;
  #others = 0;

  constructor(options: FailureOptions, status: MemberStatus) {
    this.#options = options;
    this.#status = status;
  }

  reset(): void {
    this.#outages = 0;
    this.#repositionings = 0;
    this.#others = 0;
  }

  async react(error: unknown): Promise<void> {
    if (error instanceof UserError) throw error;
    throwIfFatal(error, this.#options.warehouse);
    const { logger } = this.#options;
    const kafka = classifyKafkaError(error);
    if (kafka === 'fatal') {
      const { kafka: connection, group, topic } = this.#options;
      throw explainKafkaError(error, connection, { group, topic, topicOperation: 'READ' });
    }
    if (kafka === 'offset_out_of_range' || error instanceof TopicChanged || error instanceof StoredTopicChanged) {
      // The log moved under the session (records deleted, a topic recreated): place again, at
      // once the first times; with a pause if it keeps happening.
      logger.info({ err: errorMessage(error) }, 'The read positions no longer fit the topic; placing them again');
      if (++this.#repositionings > 3) await this.#pause(this.#repositionings, 'Placing the read positions again');
      return;
    }
    if (isUnknownTopicError(error)) {
      // Not an outage: the topic is yet to be made (`pos simulate`, `pos kafka up`); wait for it the same way.
      const { topic, kafka: connection } = this.#options;
      this.#status.waiting('kafka', error);
      await this.#pause(++this.#outages, `Topic ${topic} does not exist at ${connection.brokers.join(',')}; waiting for it`);
      return;
    }
    if (kafka === 'transient' || classifyDatabaseError(error) === 'transient') {
      this.#status.waiting(kafka === 'transient' ? 'kafka' : 'database', error);
      await this.#pause(++this.#outages, `Cannot reach Kafka or PostgreSQL for group ${this.#options.group}; retrying`, error);
      return;
    }
    if (++this.#others >= MAX_REPEATED_FAILURES) {
      throw new UserError(`pos consume stopped: the same failure ${this.#others} times in a row: ${errorMessage(error)}`, {
        hint: 'This is neither an outage nor bad input: the log above has the details. Nothing of the failed batches was written.',
        cause: error,
      });
    }
    this.#status.waiting('other', error);
    await this.#pause(this.#others, 'The consumer failed; trying again', error);
  }

  /** Logs what failed, and waits before the next try (longer each time, until the signal). */
  async #pause(attempt: number, what: string, error?: unknown): Promise<void> {
    const delay = backoffDelay(attempt);
    this.#options.logger.warn({ ...(error === undefined ? {} : { err: errorMessage(error) }), attempt, retryInMs: delay }, what);
    await sleep(delay, undefined, { signal: this.#options.signal }).catch(() => {});
  }
}

/** A database that cannot work as configured (missing, no schema, no permission) ends the run with a clear message. */
function throwIfFatal(error: unknown, warehouse: Warehouse): void {
  if (classifyDatabaseError(error) !== 'fatal') return;
  throw new UserError(`PostgreSQL at ${warehouse.description} cannot take the data: ${errorMessage(error)}`, {
    hint: 'Run `pos db migrate`, and check that the database and user are the ones you meant.',
    cause: error,
  });
}

/** partition: first–last offset, for debug logs. */
function describeBatch(batch: FetchedBatch): Record<number, string> {
  const ranges: Record<number, string> = {};
  for (let index = 0; index < batch.length; index++) {
    const [partition, offset] = [batch.partitions[index] as number, batch.offsets[index] as bigint];
    const [first] = (ranges[partition] ?? `${offset}`).split('–');
    ranges[partition] = `${first}–${offset}`;
  }
  return ranges;
}

/** The next batch, unless the batch being written fails first: then its failure, at once. */
function nextOrFailure<T>(next: Promise<T>, writing: Promise<void> | undefined): Promise<T> {
  if (!writing) return next;
  next.catch(() => {}); // if the write's failure wins, the session is closed and this ends unobserved
  return new Promise<T>((resolve, reject) => {
    next.then(resolve, reject);
    writing.catch(reject);
  });
}

/**
 * Writes a batch, retrying while PostgreSQL is unavailable (an outage lasts as long as it lasts);
 * says when it committed, and how long the successful attempt took.
 */
async function writeWithRetries(
  options: Pick<MemberOptions, 'warehouse' | 'logger' | 'signal'>,
  write: () => Promise<BatchResult>,
  status: MemberStatus,
): Promise<{ result: BatchResult; timing: BatchTiming }> {
  return retryTransient(
    async () => {
      const started = performance.now();
      const result = await write();
      return { result, timing: { committedAt: Date.now(), writeSeconds: (performance.now() - started) / 1000 } };
    },
    {
      what: `PostgreSQL at ${options.warehouse.description}`,
      isTransient: (error) => classifyDatabaseError(error) === 'transient',
      logger: options.logger,
      onRetry: (error) => status.waiting('database', error),
      signal: options.signal,
    },
  );
}
