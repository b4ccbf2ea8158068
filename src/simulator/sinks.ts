import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { compatibilityPartitioner, type MessageToProduce, ProduceAcks } from '@platformatic/kafka';
import { CONTENT_TYPE, type SchemaVersion, schemaHeader } from '../contract/message.ts';
import { connectToKafka, ensureTopics, partitionCount } from '../kafka/admin.ts';
import { createProducer, type KafkaProducer } from '../kafka/clients.ts';
import type { KafkaConnection } from '../kafka/security.ts';
import { errorMessage } from '../plumbing/errors.ts';
import { type Logger, silentLogger } from '../plumbing/logger.ts';
import { type Backoff, backoffDelay } from '../plumbing/retry.ts';
import { producerMetrics } from './metrics.ts';

export interface SinkStats {
  sent: number;
  failed: number;
  /** Requests to Kafka that failed and were tried again (a broker lost, a leader moving): reported, not lost. */
  retried: number;
  /** Bytes of message values handed over. */
  bytes: number;
}

/** Where simulated messages go. `write` returns a promise only when the caller must wait (backpressure). */
export interface MessageSink {
  write(key: string, value: Buffer): Promise<void> | undefined;
  /** Sends what is buffered, waits for every delivery, and says how it went. */
  close(): Promise<SinkStats>;
  readonly stats: SinkStats;
}

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KafkaSinkOptions {
  kafka: KafkaConnection;
  topic: string;
  /** The topic's partition count: the sink places messages itself, to keep each partition's batch under the broker's limit. */
  partitions: number;
  compression?: Compression;
  /** The contract version of the messages, for their `schema` header (default 1). */
  schemaVersion?: SchemaVersion;
  /** The `schema` header of messages of another contract than the sales' (`pos.inventory.v1`): instead of schemaVersion's. */
  schema?: string;
  logger?: Logger;
}

/** A batch is sent when it holds this many messages… */
const BATCH_MESSAGES = 5000;
/** …or one partition's share reaches this many bytes (the broker takes 1 MiB per partition batch)… */
const PARTITION_BYTES = 900 * 1024;
/** …or when its first message has waited this long. */
const LINGER_MS = 5;
/** Batches in flight at once; more wait (backpressure on the simulator). */
const MAX_IN_FLIGHT = 4;
/**
 * Tries of a failed request, 0.1 to 0.2 s apart at first, then twice as long each time up to 5 s:
 * about a minute in all, longer than a cluster takes to move the leaders of a lost broker (its
 * session timeout, 6 to 9 s, then an election). Idempotence makes every retry safe.
 */
const RETRIES = 16;
const RETRY_BACKOFF: Backoff = { firstMs: 200, maxMs: 5000, jitter: 0.5 };
/**
 * A send that has neither succeeded nor failed after this long is stalled: @platformatic/kafka
 * 2.12.1's idempotent producer can stop settling sends after a partition leader dies. It can also
 * give a send up within a second of a leader's loss, its retries unspent ("not the leader" twice,
 * then "out of order sequence number"). Either way the batch is sent again on a new producer, after
 * a wait of 1 s doubling up to 8 s (RESEND_BACKOFF: the cluster elects a new leader meanwhile), at most
 * SEND_ATTEMPTS times in all and never starting later than RESEND_WITHIN_MS after the first try
 * (so that Kafka down for good is still reported within a few minutes), and counted as failed
 * only then. A resend may write a batch twice to the topic (the first try may have landed): the
 * consumer stores each transaction id once, so the warehouse is unaffected. The old producer is retired, not closed: its other sends may still
 * succeed, and closing it would fail them all; it is closed once they settle.
 */
const SEND_STALL_MS = 30_000;
const SEND_ATTEMPTS = 5;
const RESEND_BACKOFF: Backoff = { firstMs: 1000, maxMs: 8000, jitter: 0.5 };
const RESEND_WITHIN_MS = 90_000;

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/** The headers of every message: its content type and its contract (and version). */
function headers(schema: string): Map<Buffer, Buffer> {
  return new Map([
    [Buffer.from('content-type'), Buffer.from(CONTENT_TYPE)],
    [Buffer.from('schema'), Buffer.from(schema)],
  ]);
}

/**
 * An idempotent producer (acks=all, so a retried batch is never written twice) that batches
 * with a short linger and compresses. Keys are placed by Kafka's own murmur2 partitioner, so the
 * same store lands on the same partition for any client. A batch that fails or stalls is sent
 * again on a new producer (a failed batch leaves the old one's sequence numbers out of step with
 * the broker), and counted as failed and logged only when its tries have not landed it.
 */
export class KafkaSink implements MessageSink {
  readonly stats: SinkStats = { sent: 0, failed: 0, retried: 0, bytes: 0 };
  readonly #options: KafkaSinkOptions;
  readonly #logger: Logger;
  readonly #metrics = producerMetrics();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #keys = new Map<string, { key: Buffer; partition: number }>();
  readonly #headers: Map<Buffer, Buffer>;
  #producer: KafkaProducer;
  /** Sends not yet settled, per producer: a retired producer is closed once its count reaches 0. */
  readonly #sending = new Map<KafkaProducer, number>();
  #batch: Message[] = [];
  #batchBytes = 0;
  #partitionBytes: number[];
  #timer: NodeJS.Timeout | undefined;
  /** A flush waiting for room in flight: later flushes join it rather than wait beside it. */
  #waitingFlush: Promise<void> | undefined;

  /** Checks that Kafka answers, creates the topic if missing, and opens a sink on it. */
  static async open(
    options: Omit<KafkaSinkOptions, 'partitions'> & { external: boolean; createPartitions: number },
  ): Promise<KafkaSink> {
    await connectToKafka(options.kafka, options.external);
    await ensureTopics(options.kafka, [{ name: options.topic, partitions: options.createPartitions }]);
    return new KafkaSink({ ...options, partitions: await partitionCount(options.kafka, options.topic) });
  }

  constructor(options: KafkaSinkOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#partitionBytes = new Array(options.partitions).fill(0);
    this.#headers = headers(options.schema ?? schemaHeader(options.schemaVersion ?? 1));
    this.#producer = this.#createProducer();
  }

  write(key: string, value: Buffer): Promise<void> | undefined {
    let placed = this.#keys.get(key);
    if (!placed) {
      const bytes = Buffer.from(key);
      placed = {
        key: bytes,
        partition: compatibilityPartitioner(undefined as unknown as Message, bytes) % this.#options.partitions,
      };
      this.#keys.set(key, placed);
    }
    // Stamped when made (the till's moment), not when the batch leaves: end-to-end latency counts from here.
    const timestamp = BigInt(Date.now());
    this.#batch.push({
      topic: this.#options.topic,
      partition: placed.partition,
      key: placed.key,
      value,
      headers: this.#headers,
      timestamp,
    });
    this.#batchBytes += value.length;
    const partitionBytes = (this.#partitionBytes[placed.partition] ?? 0) + value.length;
    this.#partitionBytes[placed.partition] = partitionBytes;
    if (this.#batch.length >= BATCH_MESSAGES || partitionBytes >= PARTITION_BYTES) return this.#flush();
    this.#timer ??= setTimeout(() => void this.#flush(), LINGER_MS);
    return undefined;
  }

  async close(): Promise<SinkStats> {
    await this.#flush();
    await Promise.all(this.#inFlight);
    // A producer that stalled may never finish closing either: it is then closed by force, and
    // so is every retired one whose stalled sends never settled.
    if ((await settleWithin(this.#producer.close(), SEND_STALL_MS)).status !== 'fulfilled') {
      await this.#producer.close(true).catch(() => {});
    }
    await Promise.all([...this.#sending.keys()].map((producer) => producer.close(true).catch(() => {})));
    return this.stats;
  }

  #createProducer(): KafkaProducer {
    const { compression } = this.#options;
    return createProducer(this.#options.kafka, 'pos-simulator', {
      idempotent: true,
      acks: ProduceAcks.ALL,
      ...(compression && compression !== 'none' ? { compression } : {}),
      retries: RETRIES,
      retryDelay: (_client, operation, attempt, retries, error) => {
        const delay = backoffDelay(attempt, RETRY_BACKOFF);
        this.stats.retried++;
        this.#logger.warn(
          { err: errorMessage(error), operation, attempt, of: retries, retryInMs: delay },
          'Kafka did not take a request; retrying it (idempotent: nothing is written twice)',
        );
        return delay;
      },
      connectTimeout: 5000,
      // A request queued on a connection to a broker that died is not failed with the connection:
      // it waits for this timeout (30 s by default) before it is retried elsewhere.
      requestTimeout: 10_000,
    });
  }

  /**
   * Sends the current batch once there is room for it: at most MAX_IN_FLIGHT sends at once, also
   * when the linger timer flushes. Meanwhile messages gather in the batch, and a full batch makes
   * `write` wait. (Unbounded, a slow rate sent every message on its own: during a broker loss
   * thousands of one-message sends retried at once, out of sequence order, and the simulator
   * spent its CPU and gigabytes of memory on them instead of producing.)
   */
  #flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waitingFlush ??= this.#sendWhenRoom().finally(() => {
      this.#waitingFlush = undefined;
      if (this.#batch.length > 0) this.#timer ??= setTimeout(() => void this.#flush(), LINGER_MS);
    });
    return this.#waitingFlush;
  }

  async #sendWhenRoom(): Promise<void> {
    while (this.#inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.#inFlight);
    const messages = this.#batch;
    const bytes = this.#batchBytes;
    this.#batch = [];
    this.#batchBytes = 0;
    this.#partitionBytes.fill(0);
    if (messages.length > 0) {
      const delivery = this.#deliver(messages, bytes);
      this.#inFlight.add(delivery);
      void delivery.finally(() => this.#inFlight.delete(delivery));
    }
  }

  /**
   * Sends a batch and accounts for it: sent, or failed after its tries (see SEND_STALL_MS). A
   * send that stalls or fails is sent again on a new producer: a failed batch leaves its
   * producer's sequence numbers out of step with the broker.
   */
  async #deliver(messages: Message[], bytes: number): Promise<void> {
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const producer = this.#producer;
      const stopTimer = this.#metrics.sendDuration.startTimer();
      const outcome = await settleWithin(this.#send(producer, messages), SEND_STALL_MS);
      stopTimer();
      if (outcome.status === 'fulfilled') {
        this.stats.sent += messages.length;
        this.stats.bytes += bytes;
        this.#metrics.transactions.inc(messages.length);
        this.#metrics.bytes.inc(bytes);
        return;
      }
      this.#metrics.sendFailures.inc();
      this.#retire(producer);
      if (attempt < SEND_ATTEMPTS && performance.now() - started < RESEND_WITHIN_MS) {
        this.stats.retried++;
        const delay = backoffDelay(attempt, RESEND_BACKOFF);
        this.#logger.warn(
          {
            messages: messages.length,
            topic: this.#options.topic,
            attempt,
            resendInMs: delay,
            ...(outcome.status === 'stalled' ? { waitedMs: SEND_STALL_MS } : { err: errorMessage(outcome.reason) }),
          },
          outcome.status === 'stalled'
            ? 'A send to Kafka stalled; sending the batch again on a new producer'
            : 'Kafka did not take a batch; sending it again on a new producer',
        );
        await sleep(delay);
        continue;
      }
      this.stats.failed += messages.length;
      this.#metrics.failedTransactions.inc(messages.length);
      this.#logger.error(
        {
          err: outcome.status === 'rejected' ? errorMessage(outcome.reason) : `no answer within ${SEND_STALL_MS} ms`,
          messages: messages.length,
          topic: this.#options.topic,
        },
        'Kafka did not take a batch',
      );
      return;
    }
  }

  /** One send, counted against its producer (see #retire). */
  async #send(producer: KafkaProducer, messages: Message[]): Promise<void> {
    this.#sending.set(producer, (this.#sending.get(producer) ?? 0) + 1);
    try {
      await producer.send({ messages });
    } finally {
      const left = (this.#sending.get(producer) ?? 1) - 1;
      if (left > 0) this.#sending.set(producer, left);
      else {
        this.#sending.delete(producer);
        if (producer !== this.#producer) void producer.close(true).catch(() => {});
      }
    }
  }

  /**
   * New sends go to a new producer. The old one is closed once its last send settles (at once if
   * it has none): closing it now would fail every other send it still has in flight.
   */
  #retire(producer: KafkaProducer): void {
    if (this.#producer !== producer) return;
    this.#producer = this.#createProducer();
    if (!this.#sending.has(producer)) void producer.close(true).catch(() => {});
  }
}

const NEWLINE = Buffer.from('\n');

/** How a promise settled, or that it did not within `ms`. */
async function settleWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ status: 'fulfilled' } | { status: 'rejected'; reason: unknown } | { status: 'stalled' }> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<{ status: 'stalled' }>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'stalled' }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => ({ status: 'fulfilled' as const }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      ),
      stalled,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One compact JSON object per line, to a stream (stdout for `--dry-run`), honouring its backpressure. */
export class JsonLinesSink implements MessageSink {
  readonly stats: SinkStats = { sent: 0, failed: 0, retried: 0, bytes: 0 };
  readonly #output: NodeJS.WritableStream;
  readonly #pretty: boolean;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(output: NodeJS.WritableStream, options: { pretty?: boolean } = {}) {
    this.#output = output;
    this.#pretty = options.pretty ?? false;
  }

  write(_key: string, value: Buffer): Promise<void> | undefined {
    const line = this.#pretty ? Buffer.from(JSON.stringify(JSON.parse(value.toString()), null, 2)) : value;
    this.#pending.push(line, NEWLINE);
    this.#pendingBytes += line.length + 1;
    this.stats.sent++;
    this.stats.bytes += value.length;
    return this.#pendingBytes >= 256 * 1024 ? this.#drain() : undefined;
  }

  async close(): Promise<SinkStats> {
    await this.#drain();
    return this.stats;
  }

  async #drain(): Promise<void> {
    const chunk = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (chunk.length > 0 && !this.#output.write(chunk)) await once(this.#output, 'drain');
  }
}
