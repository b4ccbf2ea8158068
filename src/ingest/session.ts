import type { TracingChannelSubscribers } from 'node:diagnostics_channel';
import { once } from 'node:events';
import {
  type ClientDiagnosticEvent,
  consumerFetchesChannel,
  ListOffsetTimestamps,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import { partitionBounds } from '../kafka/admin.ts';
import { createConsumer, type KafkaConsumer } from '../kafka/clients.ts';
import type { KafkaConnection } from '../kafka/security.ts';
import type { Logger } from '../plumbing/logger.ts';
import type { Warehouse } from '../warehouse/database.ts';
import { recordGaps, recordPositionEvent, storedPositions, storePositions } from '../warehouse/sql/read-positions.ts';
import { BatchCollector, type BatchOrigin, type FetchedBatch, ValueBuffers } from './fetched-batch.ts';
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

/** Joins the group, places the read positions of the first assignment, and reads from them. */
export async function openSession(options: SessionOptions): Promise<Session> {
  const consumer = createGroupConsumer(options);
  const stream = await openStream(consumer, options.topic);
  // Collects what the stream fetches, which it does not until the positions are placed…
  const session = new GroupSession(consumer, stream, options);
  // …here, and again on every later assignment; then the session hands out batches (next).
  await session.start();
  return session;
}

/** Who joins the group, and as whom: what the session's Kafka consumer is made from. */
type Membership = Pick<SessionOptions, 'kafka' | 'group' | 'instanceId'>;

function createGroupConsumer(options: Membership): KafkaConsumer {
  return createConsumer(options.kafka, 'pos-consumer', {
    groupId: options.group,
    // The classic protocol with its default (eager) assignor: every assignment ends in
    // 'consumer:group:join', where the positions are placed before anything is fetched.
    // (Its cooperative assignor resumes the stream itself mid-rebalance, and the consumer protocol
    // of KIP-848 announces only the first assignment: either could fetch unplaced partitions.)
    ...(options.instanceId === undefined ? {} : { groupInstanceId: options.instanceId }),
    sessionTimeout: 10_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: 1000,
    maxWaitTime: 500,
    // Bounded read-ahead (memory stays flat): messages are copied out of the client as they
    // arrive (see ReadAhead), and fetching stops once the next batch is full, while the
    // previous one is written, so that a backlog still makes full batches without waiting (see
    // lingerMs). Small fetches, 128 KB: the client makes a fetch's messages all at once, and at
    // 512 KB (some 1,500 messages, decompressed) they outgrew the young generation and were
    // promoted, a third of what the main thread's collector had to mark.
    highWaterMark: 256,
    maxBytes: 128 * 1024,
    maxBytesPerPartition: 128 * 1024,
  });
}

/** The stream of the topic's messages, from offsets the session places; the consumer is closed if it cannot be opened. */
async function openStream(consumer: KafkaConsumer, topic: string): Promise<Stream> {
  try {
    // FAIL: an offset the log does not have is never replaced by the client's guess (its earliest
    // or latest); the session ends with the error and the next one places the positions again.
    return await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.MANUAL,
      fallbackMode: MessagesStreamFallbackModes.FAIL,
      offsets: [], // placed by the session, from the database, once the assignment is known
      autocommit: false,
    });
  } catch (error) {
    await consumer.close(true).catch(() => {});
    throw error;
  }
}

/**
 * One membership: collects what the stream fetches (ReadAhead), places the read positions on
 * every assignment (#place), and hands out the batches fetched under the positions in force (next).
 */
class GroupSession implements Session {
  readonly #consumer: KafkaConsumer;
  readonly #stream: Stream;
  readonly #options: SessionOptions;
  readonly #fetching: FetchGate;
  readonly #inFlight: FetchesInFlight;
  readonly #readAhead: ReadAhead;
  /** The topic's id and the placement of the read positions (1, 2, … in this session) that messages are fetched under. */
  #placed: BatchOrigin = { topicId: '', placement: 0 };
  /** The partitions placed in the current assignment. */
  #placedPartitions = new Set<number>();
  /** A placement under way (a rebalance), which a batch waits for before it is handed out. */
  #placing: Promise<void> | undefined;
  #failure: unknown;
  readonly #processedUpTo = new Map<number, bigint>();

  constructor(consumer: KafkaConsumer, stream: Stream, options: SessionOptions) {
    this.#consumer = consumer;
    this.#stream = stream;
    this.#options = options;
    this.#fetching = new FetchGate(stream);
    // Nothing is fetched until the positions are placed: paused before the first fetch can start.
    this.#fetching.hold('placing');
    this.#inFlight = new FetchesInFlight(consumer);
    stream.on('error', (error) => {
      this.#failure = error;
    });
    const { topic, batchSize, batchBytes } = options;
    this.#readAhead = new ReadAhead(stream, this.#fetching, { topic, batchSize, batchBytes });
  }

  get topicId(): string {
    return this.#placed.topicId;
  }

  /** Places the positions of the first assignment and starts fetching; places them again on every later one. */
  async start(): Promise<void> {
    try {
      await this.#place();
    } catch (error) {
      await this.close();
      throw error;
    }
    this.#fetching.release('placing');
    this.#consumer.on('consumer:group:join', () => this.#rejoined());
  }

  async next(since: number): Promise<FetchedBatch | 'idle' | 'stopped'> {
    // Idle time counts only while a member of the group: joining, or waiting out a rebalance
    // (a killed member holds its partitions until its session times out), is not idleness.
    const idle = { since };
    for (;;) {
      const ready = await this.#batchReady(idle);
      if (ready !== 'ready') return ready;
      const batch = this.#readAhead.take();
      if (await this.#inForce(batch)) return batch;
      this.#readAhead.give(batch);
      this.#options.logger.debug(
        { messages: batch.length, placement: batch.placement },
        'Dropped a batch read before the positions were placed again',
      );
    }
  }

  recycle(batch: FetchedBatch): void {
    this.#readAhead.give(batch);
  }

  processed(batch: FetchedBatch): void {
    for (let index = 0; index < batch.length; index++) {
      this.#processedUpTo.set(batch.partitions[index] as number, (batch.offsets[index] as bigint) + 1n);
    }
  }

  /** Bound to its session: handed out as a lag source. */
  lag = async (): Promise<PartitionLag[] | undefined> => {
    const { topic } = this.#options;
    try {
      const latest = (await this.#consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
      const lags: PartitionLag[] = [];
      for (const partition of this.#placedPartitions) {
        const position = this.#processedUpTo.get(partition) ?? this.#stream.offsetsToFetch.get(`${topic}:${partition}`);
        const end = latest[partition];
        if (position === undefined || end === undefined) continue;
        lags.push({ topic, partition, messages: end > position ? Number(end - position) : 0 });
      }
      return lags;
    } catch {
      return undefined;
    }
  };

  close(): Promise<void> {
    this.#inFlight.close();
    return closeQuietly(this.#stream, this.#consumer);
  }

  /** Waits until the next batch is full, or has lingered long enough; or says the session is idle or stopped. */
  async #batchReady(idle: { since: number }): Promise<'ready' | 'idle' | 'stopped'> {
    const { lingerMs, untilIdleMs, signal } = this.#options;
    let deadline: number | undefined;
    for (;;) {
      if (this.#failure) throw this.#failure;
      if (signal?.aborted) return 'stopped';
      this.#readAhead.collect();
      const first = this.#readAhead.first;
      if (first.full) return 'ready';
      if (first.length > 0) deadline ??= Date.now() + lingerMs;
      const now = Date.now();
      if (!this.#consumer.isActive()) idle.since = now;
      if (deadline !== undefined && now >= deadline) return 'ready';
      if (first.length === 0 && untilIdleMs !== undefined && now - idle.since >= untilIdleMs) return 'idle';
      const waitMs = deadline !== undefined ? deadline - now : untilIdleMs !== undefined ? idle.since + untilIdleMs - now : 1000;
      await waitForData(this.#stream, Math.max(1, Math.min(waitMs, 1000)), signal);
    }
  }

  /**
   * Positions placed again meanwhile, or being placed (a rebalance): a batch read before belongs
   * to positions no longer in force, and is not handed out.
   */
  async #inForce(batch: FetchedBatch): Promise<boolean> {
    const current = async () => {
      await this.#placing;
      if (this.#failure) throw this.#failure;
      return batch.placement === this.#placed.placement;
    };
    if (!(await current())) return false;
    await assertSameTopic(this.#consumer, this.#options.topic, batch.topicId ?? '');
    return current();
  }

  /**
   * On every later assignment: stop fetching (synchronously, before the client's own refresh can
   * fetch from a guess), place the new partitions, go on.
   */
  #rejoined(): void {
    this.#fetching.hold('placing');
    const placed = (this.#placing ?? Promise.resolve())
      .then(() => this.#place())
      .then(
        () => {
          if (this.#placing === placed) this.#fetching.release('placing');
        },
        (error: unknown) => {
          this.#failure ??= error;
        },
      );
    this.#placing = placed;
  }

  /** Places the read positions of the current assignment (decidePositions), and reads on from them. */
  async #place(): Promise<void> {
    const { topic, logger } = this.#options;
    const { topicId, plan } = await decidePositions(this.#consumer, this.#options);
    reportPlan(plan, this.#options);
    // What was read ahead came from the previous positions (perhaps of a topic since deleted, or
    // beyond a truncated log's end): none of it is handed out. A fetch sent before this placement
    // is let finish first, so that nothing it brings joins a batch of the new one; then every
    // partition is read again from where the database says (a message read twice is skipped by
    // its offset when written).
    await this.#inFlight.settled(FETCH_SETTLE_MS);
    this.#placed = { topicId, placement: this.#placed.placement + 1 };
    const dropped = this.#readAhead.restart(this.#placed);
    for (const [partition, offset] of plan.starts) this.#stream.offsetsToFetch.set(`${topic}:${partition}`, offset);
    this.#placedPartitions = new Set(plan.starts.keys());
    this.#options.onPlaced?.(plan);
    logger.info(
      {
        topic,
        topicId,
        placement: this.#placed.placement,
        ...(dropped > 0 ? { droppedReadAhead: dropped } : {}),
        positions: Object.fromEntries([...plan.starts].map(([partition, offset]) => [partition, String(offset)])),
      },
      'Reading the assigned partitions from these offsets',
    );
  }
}

/**
 * Where each assigned partition is read from: the topic's identity and bounds from Kafka, the
 * stored positions from the database, decided by positions.ts (topic identity, gaps, truncation,
 * new partitions) and stored, with what was found, before anything is fetched from them.
 */
async function decidePositions(
  consumer: KafkaConsumer,
  options: Pick<SessionOptions, 'topic' | 'group' | 'startAt' | 'warehouse'>,
): Promise<{ topicId: string; plan: PositionPlan }> {
  const { topic, group, warehouse } = options;
  const assigned = consumer.assignments?.find((assignment) => assignment.topic === topic)?.partitions ?? [];
  const [metadata, starts, ends] = await Promise.all([
    consumer.metadata({ topics: [topic], forceUpdate: true }),
    consumer.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.EARLIEST }),
    consumer.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.LATEST }),
  ]);
  const topicId = metadata.topics.get(topic)?.id;
  if (!topicId) throw new Error(`topic ${topic} is not in the cluster's metadata`);
  const bounds: PartitionBounds[] = assigned.map((partition) => ({
    partition,
    start: starts.get(topic)?.[partition] ?? 0n,
    end: ends.get(topic)?.[partition] ?? 0n,
  }));
  const plan = await warehouse.transaction(async (tx) => {
    // Locked: two members placing at once take turns, and see each other's decisions.
    const stored = await storedPositions(tx, group, topic, true);
    const decided = planPositions({ topicId, assigned: bounds, stored, policy: options.startAt });
    await storePositions(tx, group, topic, topicId, decided.writes);
    await recordGaps(tx, group, topic, decided.gaps);
    if (decided.recreated) {
      await recordPositionEvent(tx, {
        group,
        topic,
        partition: null,
        kind: 'topic_recreated',
        detail: `topic id ${decided.recreated.previousTopicId} replaced by ${decided.recreated.topicId}; read again from offset 0`,
      });
    }
    for (const truncation of decided.truncations) {
      await recordPositionEvent(tx, {
        group,
        topic,
        partition: truncation.partition,
        kind: 'offset_beyond_end',
        detail: `stored offset ${truncation.stored} is beyond the high watermark ${truncation.end}; resumed at ${truncation.end}`,
      });
    }
    return decided;
  });
  return { topicId, plan };
}

/**
 * What the stream has fetched and the session has not handed out yet: the next batch and, once
 * that is full, the ones after it. Messages are copied out of the client as soon as it hands them
 * over: left in the client's buffer while a batch is written, its objects (several a message)
 * outlived the young generation, and collecting them cost the main thread more than anything else
 * it does. Fetching stops while the next batch is full; what a fetch under way brings is still
 * copied. The stream fetches only while someone reads, so the listener stays attached for the
 * whole session. Each batch is stamped with the topic id and placement it was fetched under: a
 * batch of an earlier placement is dropped.
 */
class ReadAhead {
  readonly #stream: Stream;
  readonly #fetching: FetchGate;
  readonly #limits: Pick<SessionOptions, 'topic' | 'batchSize' | 'batchBytes'>;
  readonly #buffers = new ValueBuffers();
  #origin: BatchOrigin = { topicId: '', placement: 0 };
  readonly #collected: BatchCollector[];

  constructor(stream: Stream, fetching: FetchGate, limits: Pick<SessionOptions, 'topic' | 'batchSize' | 'batchBytes'>) {
    this.#stream = stream;
    this.#fetching = fetching;
    this.#limits = limits;
    this.#collected = [this.#collector()];
    stream.on('readable', () => this.collect());
  }

  /** The batch handed out next, as collected so far. */
  get first(): BatchCollector {
    return this.#collected[0] as BatchCollector;
  }

  /** Copies what the stream holds into the batches; stops fetching once enough are full. */
  collect(): void {
    const stream = this.#stream;
    for (let message = stream.read() as Message | null; message !== null; message = stream.read() as Message | null) {
      let last = this.#collected.at(-1) as BatchCollector;
      if (last.full) {
        last = this.#collector(this.#buffers.take(last.bytes));
        this.#collected.push(last);
      }
      last.add(message);
    }
    if (this.#fullBatches() >= READ_AHEAD_BATCHES) this.#fetching.hold('ahead');
  }

  /** Takes the first batch out, and reads on. */
  take(): FetchedBatch {
    const batch = (this.#collected.shift() as BatchCollector).finish();
    if (this.#collected.length === 0) this.#collected.push(this.#collector(this.#buffers.take(batch.values.length)));
    if (this.#fullBatches() < READ_AHEAD_BATCHES) this.#fetching.release('ahead');
    this.collect();
    return batch;
  }

  /** A batch done with (written, or dropped): its buffer takes a batch to come. */
  give(batch: FetchedBatch): void {
    this.#buffers.give(batch);
  }

  /**
   * Drops what was fetched under the previous positions (the batches collected, and what the
   * stream holds), and collects from now on under `origin`. Returns the messages dropped.
   */
  restart(origin: BatchOrigin): number {
    let dropped = 0;
    for (const batch of this.#collected.splice(0)) {
      dropped += batch.length;
      this.#buffers.give(batch.finish());
    }
    while (this.#stream.read() !== null) dropped++;
    this.#origin = origin;
    this.#collected.push(this.#collector());
    this.#fetching.release('ahead');
    return dropped;
  }

  #collector(values?: Uint8Array<SharedArrayBuffer>): BatchCollector {
    const { topic, batchSize, batchBytes } = this.#limits;
    return new BatchCollector(topic, batchSize, batchBytes, values, this.#origin);
  }

  #fullBatches(): number {
    return this.#collected.length - ((this.#collected.at(-1) as BatchCollector).full ? 0 : 1);
  }
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
async function assertSameTopic(consumer: KafkaConsumer, topic: string, topicId: string) {
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

async function closeQuietly(stream: Stream, consumer: KafkaConsumer): Promise<void> {
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
