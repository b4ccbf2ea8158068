import type { TracingChannelSubscribers } from 'node:diagnostics_channel';
import { once } from 'node:events';
import {
  type ClientDiagnosticEvent,
  Consumer,
  consumerFetchesChannel,
  ListOffsetTimestamps,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import { partitionBounds } from '../kafka/admin.ts';
import { kafkaClientOptions } from '../kafka/clients.ts';
import type { KafkaConnection } from '../kafka/security.ts';
import { kafkaClientMetrics } from '../metrics/registry.ts';
import type { Logger } from '../plumbing/logger.ts';
import type { Warehouse } from '../warehouse/database.ts';
import { recordGaps, recordPositionEvent, storedPositions, storePositions } from '../warehouse/sql/read-positions.ts';
import { BatchCollector, type FetchedBatch, ValueBuffers } from './fetched-batch.ts';
import type { PartitionLag } from './metrics.ts';
import { type PartitionBounds, type PositionPlan, partitionsNotCaughtUp, planPositions, type StartPolicy } from './positions.ts';

/**
 * The session step of the sink: one membership of the consumer group, from joining to leaving.
 * It owns the read positions: on every assignment it places each partition where the database
 * says (positions.ts: topic identity, gaps, truncation, new partitions), stores what it decided
 * before the first fetch, and then hands out batches bounded in messages, bytes and time.
 */
export interface SessionOptions {
  kafka: KafkaConnection;
  topic: string;
  group: string;
  startAt: StartPolicy;
  warehouse: Warehouse;
  logger: Logger;
  batchSize: number;
  batchBytes: number;
  /** How long a batch that is not full waits for more messages (0: a batch is what is buffered). */
  lingerMs: number;
  /** Return 'idle' after this long without a new message. */
  untilIdleMs?: number;
  /** Kafka's `group.instance.id` (static membership), when set. */
  instanceId?: string;
  signal?: AbortSignal;
  /** Told what the placement found: gaps and truncations, for the run's totals. */
  onPlaced?: (plan: PositionPlan) => void;
}

/** The topic's id changed under a running session (deleted and recreated): its positions must be placed again. */
export class TopicChanged extends Error {
  constructor(topic: string, previous: string, current: string | undefined) {
    super(`topic ${topic} changed identity (id ${previous} → ${current ?? 'none'}): it was deleted and perhaps recreated`);
    this.name = 'TopicChanged';
  }
}

export interface Session {
  /** The topic's id in Kafka when the positions were placed. */
  readonly topicId: string;
  /** The next batch; 'idle' after `untilIdleMs` without messages, 'stopped' when the signal aborts. */
  next(idleSince: number): Promise<FetchedBatch | 'idle' | 'stopped'>;
  /** The batch is written and acknowledged, and not read again: its buffer takes a batch to come. */
  recycle(batch: FetchedBatch): void;
  /** Notes how far a written batch got, for the lag. */
  processed(batch: FetchedBatch): void;
  /** Messages in each assigned partition after what was processed; undefined when Kafka does not answer. */
  lag(): Promise<PartitionLag[] | undefined>;
  close(): Promise<void>;
}

type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/**
 * Full batches collected ahead of the one being written when fetching stops: the next one. (Two
 * measured no faster within the noise, for some 6 MB a member more at the peak.)
 */
const READ_AHEAD_BATCHES = 1;

export async function openSession(options: SessionOptions): Promise<Session> {
  const { topic, logger } = options;
  const consumer = new Consumer({
    ...kafkaClientOptions(options.kafka, 'pos-consumer'),
    groupId: options.group,
    // The classic protocol with its default (eager) assignor: every assignment ends in
    // 'consumer:group:join', where the positions are placed below before anything is fetched.
    // (Its cooperative assignor resumes the stream itself mid-rebalance, and the consumer protocol
    // of KIP-848 announces only the first assignment: either could fetch unplaced partitions.)
    ...(options.instanceId === undefined ? {} : { groupInstanceId: options.instanceId }),
    sessionTimeout: 10_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: 1000,
    maxWaitTime: 500,
    // Bounded read-ahead (memory stays flat): messages are copied out of the client as they
    // arrive (see `collect` below), and fetching stops once the next batch is full, while the
    // previous one is written, so that a backlog still makes full batches without waiting (see
    // lingerMs). Small fetches, 128 KB: the client makes a fetch's messages all at once, and at
    // 512 KB (some 1,500 messages, decompressed) they outgrew the young generation and were
    // promoted, a third of what the main thread's collector had to mark.
    highWaterMark: 256,
    maxBytes: 128 * 1024,
    maxBytesPerPartition: 128 * 1024,
    metrics: kafkaClientMetrics('pos-consumer'),
  });
  let stream: Stream;
  try {
    // FAIL: an offset the log does not have is never replaced by the client's guess (its earliest
    // or latest); the session ends with the error and the next one places the positions again.
    stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.MANUAL,
      fallbackMode: MessagesStreamFallbackModes.FAIL,
      offsets: [], // placed below, from the database, once the assignment is known
      autocommit: false,
    });
  } catch (error) {
    await consumer.close(true).catch(() => {});
    throw error;
  }
  const fetching = new FetchGate(stream);
  // Nothing is fetched until the positions are placed: paused before the first fetch can start.
  fetching.hold('placing');
  const inFlight = new FetchesInFlight(consumer);
  let failure: unknown;
  stream.on('error', (error) => {
    failure = error;
  });
  // Messages are copied out of the client as soon as it hands them over, into the next batch and,
  // once that is full, into the ones after it: left in the client's buffer while a batch is
  // written, its objects (several a message) outlived the young generation, and collecting them
  // cost the main thread more than anything else it does. Fetching stops while the next batch is
  // full; what a fetch under way brings is still copied. The stream fetches only while someone
  // reads, so this listener stays attached for the whole session.
  const buffers = new ValueBuffers();
  // The topic's id and the placement of the read positions (1, 2, … in this session) that the
  // messages are fetched under, stamped on each batch: a batch of an earlier placement is dropped.
  let topicId = '';
  let placement = 0;
  const collector = (values?: Uint8Array<ArrayBuffer>) =>
    new BatchCollector(topic, options.batchSize, options.batchBytes, values, { topicId, placement });
  const collected = [collector()];
  const fullBatches = () => collected.length - ((collected.at(-1) as BatchCollector).full ? 0 : 1);
  const collect = () => {
    for (let message = stream.read() as Message | null; message !== null; message = stream.read() as Message | null) {
      let last = collected.at(-1) as BatchCollector;
      if (last.full) {
        last = collector(buffers.take(last.bytes));
        collected.push(last);
      }
      last.add(message);
    }
    if (fullBatches() >= READ_AHEAD_BATCHES) fetching.hold('ahead');
  };
  stream.on('readable', collect);
  /** Drops what was fetched under the previous positions: the batches collected, and what the stream holds. */
  const dropFetched = () => {
    let dropped = 0;
    for (const batch of collected.splice(0)) {
      dropped += batch.length;
      buffers.give(batch.finish());
    }
    while (stream.read() !== null) dropped++;
    return dropped;
  };

  /** The partitions placed in the current assignment. */
  let placedPartitions = new Set<number>();
  const place = async (): Promise<void> => {
    const assigned = consumer.assignments?.find((assignment) => assignment.topic === topic)?.partitions ?? [];
    const [metadata, starts, ends] = await Promise.all([
      consumer.metadata({ topics: [topic], forceUpdate: true }),
      consumer.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.EARLIEST }),
      consumer.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.LATEST }),
    ]);
    const currentId = metadata.topics.get(topic)?.id;
    if (!currentId) throw new Error(`topic ${topic} is not in the cluster's metadata`);
    const bounds: PartitionBounds[] = assigned.map((partition) => ({
      partition,
      start: starts.get(topic)?.[partition] ?? 0n,
      end: ends.get(topic)?.[partition] ?? 0n,
    }));
    const plan = await options.warehouse.transaction(async (tx) => {
      // Locked: two members placing at once take turns, and see each other's decisions.
      const stored = await storedPositions(tx, options.group, topic, true);
      const decided = planPositions({ topicId: currentId, assigned: bounds, stored, policy: options.startAt });
      await storePositions(tx, options.group, topic, currentId, decided.writes);
      await recordGaps(tx, options.group, topic, decided.gaps);
      if (decided.recreated) {
        await recordPositionEvent(tx, {
          group: options.group,
          topic,
          partition: null,
          kind: 'topic_recreated',
          detail: `topic id ${decided.recreated.previousTopicId} replaced by ${decided.recreated.topicId}; read again from offset 0`,
        });
      }
      for (const truncation of decided.truncations) {
        await recordPositionEvent(tx, {
          group: options.group,
          topic,
          partition: truncation.partition,
          kind: 'offset_beyond_end',
          detail: `stored offset ${truncation.stored} is beyond the high watermark ${truncation.end}; resumed at ${truncation.end}`,
        });
      }
      return decided;
    });
    reportPlan(plan, options);
    // What was read ahead came from the previous positions (perhaps of a topic since deleted, or
    // beyond a truncated log's end): none of it is handed out. A fetch sent before this placement
    // is let finish first, so that nothing it brings joins a batch of the new one; then every
    // partition is read again from where the database says (a message read twice is skipped by
    // its offset when written).
    await inFlight.settled(FETCH_SETTLE_MS);
    const dropped = dropFetched();
    placement++;
    topicId = currentId;
    collected.push(collector());
    fetching.release('ahead');
    for (const [partition, offset] of plan.starts) stream.offsetsToFetch.set(`${topic}:${partition}`, offset);
    placedPartitions = new Set(plan.starts.keys());
    options.onPlaced?.(plan);
    logger.info(
      {
        topic,
        topicId,
        placement,
        ...(dropped > 0 ? { droppedReadAhead: dropped } : {}),
        positions: Object.fromEntries([...plan.starts].map(([partition, offset]) => [partition, String(offset)])),
      },
      'Reading the assigned partitions from these offsets',
    );
  };
  try {
    await place();
  } catch (error) {
    inFlight.close();
    await closeQuietly(stream, consumer);
    throw error;
  }
  fetching.release('placing');

  // On every later assignment: stop fetching (synchronously, before the client's own refresh can
  // fetch from a guess), place the new partitions, go on.
  let placing: Promise<void> | undefined;
  consumer.on('consumer:group:join', () => {
    fetching.hold('placing');
    const placed = (placing ?? Promise.resolve()).then(place).then(
      () => {
        if (placing === placed) fetching.release('placing');
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
    placing = placed;
  });

  const processedUpTo = new Map<number, bigint>();
  return {
    get topicId() {
      return topicId;
    },
    async next(since) {
      // Idle time counts only while a member of the group: joining, or waiting out a rebalance
      // (a killed member holds its partitions until its session times out), is not idleness.
      let idleSince = since;
      for (;;) {
        let deadline: number | undefined;
        for (;;) {
          if (failure) throw failure;
          if (options.signal?.aborted) return 'stopped';
          collect();
          const first = collected[0] as BatchCollector;
          if (first.full) break;
          if (first.length > 0) deadline ??= Date.now() + options.lingerMs;
          const now = Date.now();
          if (!consumer.isActive()) idleSince = now;
          if (deadline !== undefined && now >= deadline) break;
          if (first.length === 0 && options.untilIdleMs !== undefined && now - idleSince >= options.untilIdleMs) return 'idle';
          const waitMs =
            deadline !== undefined
              ? deadline - now
              : options.untilIdleMs !== undefined
                ? idleSince + options.untilIdleMs - now
                : 1000;
          await waitForData(stream, Math.max(1, Math.min(waitMs, 1000)), options.signal);
        }
        const batch = (collected.shift() as BatchCollector).finish();
        if (collected.length === 0) collected.push(collector(buffers.take(batch.values.length)));
        if (fullBatches() < READ_AHEAD_BATCHES) fetching.release('ahead');
        collect();
        // Positions placed again meanwhile, or being placed (a rebalance): a batch read before
        // belongs to positions no longer in force, and is not handed out.
        const current = async () => {
          await placing;
          if (failure) throw failure;
          return batch.placement === placement;
        };
        if (await current()) {
          await assertSameTopic(consumer, topic, batch.topicId ?? '');
          if (await current()) return batch;
        }
        buffers.give(batch);
        logger.debug(
          { messages: batch.length, placement: batch.placement },
          'Dropped a batch read before the positions were placed again',
        );
      }
    },
    recycle(batch) {
      buffers.give(batch);
    },
    processed(batch) {
      for (let index = 0; index < batch.length; index++) {
        processedUpTo.set(batch.partitions[index] as number, (batch.offsets[index] as bigint) + 1n);
      }
    },
    async lag() {
      try {
        const latest = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
        const lags: PartitionLag[] = [];
        for (const partition of placedPartitions) {
          const position = processedUpTo.get(partition) ?? stream.offsetsToFetch.get(`${topic}:${partition}`);
          const end = latest[partition];
          if (position === undefined || end === undefined) continue;
          lags.push({ topic, partition, messages: end > position ? Number(end - position) : 0 });
        }
        return lags;
      } catch {
        return undefined;
      }
    },
    close: () => {
      inFlight.close();
      return closeQuietly(stream, consumer);
    },
  };
}

/** How long a placement waits for a fetch sent before it to finish (a fetch waits 500 ms for data at most, plus its retries). */
const FETCH_SETTLE_MS = 30_000;

/**
 * The consumer's fetches under way, seen through the client's diagnostics channel (each fetch is
 * traced from its request to the end of its callback, which hands the messages to the stream).
 */
class FetchesInFlight {
  readonly #consumer: object;
  readonly #pending = new Set<object>();
  #waiters: (() => void)[] = [];
  readonly #handlers: TracingChannelSubscribers<ClientDiagnosticEvent> = {
    start: (context) => {
      if (context.client === this.#consumer) this.#pending.add(context);
    },
    // A fetch that threw at once has an error by its synchronous end, and no asynchronous end.
    end: (context) => {
      if ('error' in context) this.#done(context);
    },
    asyncEnd: (context) => this.#done(context),
    asyncStart: () => {},
    error: () => {},
  };

  constructor(consumer: object) {
    this.#consumer = consumer;
    consumerFetchesChannel.subscribe(this.#handlers);
  }

  /** Resolves once no fetch is under way; fails after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    if (this.#pending.size === 0) return;
    const settled = new Promise<void>((resolve) => this.#waiters.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`a fetch sent before the read positions were placed again did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([settled, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    consumerFetchesChannel.unsubscribe(this.#handlers);
  }

  #done(context: object): void {
    if (!this.#pending.delete(context) || this.#pending.size > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Whether the stream may fetch: not while any reason to hold it stands (positions being placed,
 * the next batch full). The client fetches again as soon as the last one is released.
 */
class FetchGate {
  readonly #stream: Stream;
  readonly #holds = new Set<'placing' | 'ahead'>();

  constructor(stream: Stream) {
    this.#stream = stream;
  }

  hold(reason: 'placing' | 'ahead'): void {
    if (this.#holds.size === 0) this.#stream.pause();
    this.#holds.add(reason);
  }

  release(reason: 'placing' | 'ahead'): void {
    if (!this.#holds.delete(reason)) return;
    if (this.#holds.size === 0) this.#stream.resume();
  }
}

/**
 * A batch is handed out only if the client still knows the topic by the id its positions were
 * placed for: a topic deleted and recreated between two fetches must not be read at the old
 * topic's offsets. (The write step checks the same id against the database.)
 */
async function assertSameTopic(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, topic: string, topicId: string) {
  const current = (await consumer.metadata({ topics: [topic] })).topics.get(topic)?.id;
  if (current !== topicId) throw new TopicChanged(topic, topicId, current);
}

function reportPlan(plan: PositionPlan, options: SessionOptions): void {
  const { logger, topic, group } = options;
  if (plan.recreated) {
    logger.warn(
      { topic, group, previousTopicId: plan.recreated.previousTopicId, topicId: plan.recreated.topicId },
      `Topic ${topic} was deleted and recreated: its stored offsets belong to the old topic; reading the new one from its beginning`,
    );
  }
  for (const gap of plan.gaps) {
    logger.warn(
      {
        topic,
        group,
        partition: gap.partition,
        firstMissing: String(gap.firstMissing),
        lastMissing: String(gap.lastMissing),
        missing: String(gap.count),
      },
      `Gap: partition ${gap.partition} of ${topic} no longer has offsets ${gap.firstMissing}–${gap.lastMissing} (deleted before this group read them); resuming at ${gap.lastMissing + 1n}`,
    );
  }
  for (const truncation of plan.truncations) {
    logger.warn(
      { topic, group, partition: truncation.partition, stored: String(truncation.stored), end: String(truncation.end) },
      `Partition ${truncation.partition} of ${topic} ends at ${truncation.end}, below the stored offset ${truncation.stored} (the log was truncated); resuming at its end`,
    );
  }
}

/**
 * The partitions the whole group has not ingested to their end, by the offsets in the database:
 * what `--until-idle` waits for besides idleness, and what `pos start` waits for before it stops.
 */
export async function partitionsBehind(
  warehouse: Warehouse,
  kafka: KafkaConnection,
  group: string,
  topic: string,
): Promise<number[]> {
  const [{ topicId, partitions }, stored] = await Promise.all([
    partitionBounds(kafka, topic),
    storedPositions(warehouse, group, topic),
  ]);
  return partitionsNotCaughtUp(topicId, partitions, stored);
}

async function closeQuietly(stream: Stream, consumer: Consumer<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
  await stream.close().catch(() => {});
  // Leaving the group hands the partitions to the other members at once. A static member leaves
  // too (LeaveGroup by its member id): a stop may be for good, and a member that stays would hold
  // its partitions, unread, until its session times out; a restart then rejoins in one rebalance.
  await consumer.close(true).catch(() => {});
}

/** Resolves when the stream has something to read, fails, or `ms` pass, or the signal aborts. */
async function waitForData(stream: Stream, ms: number, signal: AbortSignal | undefined): Promise<void> {
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
