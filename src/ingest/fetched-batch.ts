import type { Message } from '@platformatic/kafka';
import type { SourcePosition } from './rows.ts';
import type { BatchRecords, RawRecord } from './write.ts';

/**
 * A batch's messages as plain data, in a few flat arrays: their values end to end, their keys
 * end to end, and each one's partition, offset and timestamp. The values, nearly all of its
 * bytes, are in shared memory: the preparer's thread reads them where they are, and a crash of
 * that thread takes nothing with it.
 */
export interface FetchedMessages {
  topic: string;
  length: number;
  values: Uint8Array<SharedArrayBuffer>;
  /** Where each message's value ends in `values` (it starts where the one before ends). */
  valueEnds: Uint32Array<ArrayBuffer>;
  keys: Uint8Array<ArrayBuffer>;
  keyEnds: Uint32Array<ArrayBuffer>;
  /** NO_VALUE and NO_KEY flags, a byte a message. */
  absent: Uint8Array<ArrayBuffer>;
  partitions: Int32Array<ArrayBuffer>;
  offsets: BigInt64Array<ArrayBuffer>;
  /** Kafka's timestamps, in milliseconds. */
  timestamps: Float64Array<ArrayBuffer>;
}

/** Where a batch was fetched: the topic as Kafka knew it, and the placement of the read positions. */
export interface BatchOrigin {
  /** Kafka's id of the topic. */
  topicId: string;
  /** Which placement of the session's read positions the messages were fetched under (session.ts: 1, 2, …). */
  placement: number;
}

/**
 * A batch read from Kafka: its messages, the last message of each partition (its commit() commits
 * up to it), and where it was fetched. The write step advances the offsets of the batch's own
 * topic id, not of whatever the session knows by the time the batch is written.
 */
export interface FetchedBatch extends FetchedMessages {
  lastOfPartition: Map<number, Message>;
  /** Undefined for a batch collected outside a session (tests). */
  topicId: string | undefined;
  /** 0 for a batch collected outside a session. */
  placement: number;
}

const NO_VALUE = 1;
const NO_KEY = 2;

/**
 * Collects messages as the Kafka client hands them over, copying each one's bytes at once. The
 * client makes several objects a message; kept until their batch was written (a backlog keeps a
 * whole batch waiting), they outlived the young generation and filled the old one. Copied out as
 * they arrive, they die young (20 MB less at the consumer's peak).
 */
export class BatchCollector {
  readonly #topic: string;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  #values: Uint8Array<SharedArrayBuffer>;
  #valueBytes = 0;
  #keys = new Uint8Array(16 * 1024);
  #keyBytes = 0;
  #length = 0;
  readonly #valueEnds: Uint32Array<ArrayBuffer>;
  readonly #keyEnds: Uint32Array<ArrayBuffer>;
  readonly #absent: Uint8Array<ArrayBuffer>;
  readonly #partitions: Int32Array<ArrayBuffer>;
  readonly #offsets: BigInt64Array<ArrayBuffer>;
  readonly #timestamps: Float64Array<ArrayBuffer>;
  readonly #lastOfPartition = new Map<number, Message>();
  readonly #origin: BatchOrigin | undefined;

  /**
   * `values`: where the values go first (ValueBuffers.take), replaced by a larger one if they
   * outgrow it; `origin`: where the messages are fetched, stamped on the batch.
   */
  constructor(topic: string, maxMessages: number, maxBytes: number, values = sharedBytes(64 * 1024), origin?: BatchOrigin) {
    this.#topic = topic;
    this.#origin = origin;
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
    this.#values = values;
    this.#valueEnds = new Uint32Array(maxMessages);
    this.#keyEnds = new Uint32Array(maxMessages);
    this.#absent = new Uint8Array(maxMessages);
    this.#partitions = new Int32Array(maxMessages);
    this.#offsets = new BigInt64Array(maxMessages);
    this.#timestamps = new Float64Array(maxMessages);
  }

  get length(): number {
    return this.#length;
  }

  /** Keys and values so far. */
  get bytes(): number {
    return this.#valueBytes + this.#keyBytes;
  }

  /** Full: the next message would not fit (one message always fits an empty batch). */
  get full(): boolean {
    return this.#length >= this.#maxMessages || this.bytes >= this.#maxBytes;
  }

  add(message: Message): void {
    const i = this.#length++;
    const { key, value } = message;
    if (value) {
      this.#values = fitted(this.#values, this.#valueBytes + value.length, sharedBytes);
      this.#values.set(value, this.#valueBytes);
      this.#valueBytes += value.length;
    }
    if (key) {
      this.#keys = fitted(this.#keys, this.#keyBytes + key.length, (length) => new Uint8Array(length));
      this.#keys.set(key, this.#keyBytes);
      this.#keyBytes += key.length;
    }
    this.#valueEnds[i] = this.#valueBytes;
    this.#keyEnds[i] = this.#keyBytes;
    this.#absent[i] = (value ? 0 : NO_VALUE) | (key ? 0 : NO_KEY);
    this.#partitions[i] = message.partition;
    this.#offsets[i] = message.offset;
    this.#timestamps[i] = Number(message.timestamp);
    this.#lastOfPartition.set(message.partition, message);
  }

  /** The batch collected (the collector is not used after this). */
  finish(): FetchedBatch {
    const n = this.#length;
    return {
      topic: this.#topic,
      length: n,
      values: this.#values.subarray(0, this.#valueBytes),
      valueEnds: this.#valueEnds.subarray(0, n),
      keys: this.#keys.subarray(0, this.#keyBytes),
      keyEnds: this.#keyEnds.subarray(0, n),
      absent: this.#absent.subarray(0, n),
      partitions: this.#partitions.subarray(0, n),
      offsets: this.#offsets.subarray(0, n),
      timestamps: this.#timestamps.subarray(0, n),
      lastOfPartition: this.#lastOfPartition,
      topicId: this.#origin?.topicId,
      placement: this.#origin?.placement ?? 0,
    };
  }
}

/**
 * Buffers for the values of the batches to come: a written batch's own, once nothing reads it
 * any more, or a new one. Each batch otherwise took a new buffer of some 3 MB that outlived the
 * young generation, and those drove two fifths of the main thread's full collections (V8 counts
 * the external memory allocated since the last one against the old generation's limit).
 */
export class ValueBuffers {
  readonly #spare: SharedArrayBuffer[] = [];

  /** A buffer of at least `bytes` (what the batch before held, so that it seldom has to grow). */
  take(bytes: number): Uint8Array<SharedArrayBuffer> {
    const spare = this.#spare.pop();
    return spare !== undefined && spare.byteLength >= bytes ? new Uint8Array(spare) : sharedBytes(Math.max(bytes, 1024));
  }

  /** The batch is written and done with: the next one may overwrite its values. */
  give(batch: FetchedMessages): void {
    if (this.#spare.length < MAX_SPARE_BUFFERS) this.#spare.push(batch.values.buffer);
  }
}

/** Batches written while the next ones are collected: one or two at a time. */
const MAX_SPARE_BUFFERS = 2;

function sharedBytes(length: number): Uint8Array<SharedArrayBuffer> {
  return new Uint8Array(new SharedArrayBuffer(length));
}

/** `bytes`, or a copy at least twice as large (made by `allocate`) when `needed` bytes do not fit. */
function fitted<T extends Uint8Array<ArrayBufferLike>>(bytes: T, needed: number, allocate: (length: number) => T): T {
  if (needed <= bytes.length) return bytes;
  const larger = allocate(Math.max(needed, bytes.length * 2));
  larger.set(bytes);
  return larger;
}

/**
 * The batch's messages alone (without the client's objects of its last messages), to post to
 * another thread: the values are shared, the few small arrays copied.
 */
export function postable(messages: FetchedMessages): FetchedMessages {
  const { topic, length, values, valueEnds, keys, keyEnds, absent, partitions, offsets, timestamps } = messages;
  return { topic, length, values, valueEnds, keys, keyEnds, absent, partitions, offsets, timestamps };
}

/** Message `index`'s value: a view of the batch's bytes; null when it had none. */
export function valueAt(messages: FetchedMessages, index: number): Buffer | null {
  return (messages.absent[index] as number) & NO_VALUE ? null : pieceAt(messages.values, messages.valueEnds, index);
}

function keyAt(messages: FetchedMessages, index: number): Buffer | null {
  return (messages.absent[index] as number) & NO_KEY ? null : pieceAt(messages.keys, messages.keyEnds, index);
}

/** Piece `index` of bytes laid end to end (it starts where the one before ends), as a view. */
function pieceAt(bytes: Uint8Array, ends: Uint32Array, index: number): Buffer {
  const start = index === 0 ? 0 : (ends[index - 1] as number);
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, (ends[index] as number) - start);
}

/** The batch's messages as the write path reads them, made one at a time when asked for (with the batch's topic id, if known). */
export function fetchedRecords(messages: FetchedMessages & { topicId?: string | undefined }): BatchRecords {
  const { topicId } = messages;
  const position = (index: number): SourcePosition => ({
    topic: messages.topic,
    partition: messages.partitions[index] as number,
    offset: messages.offsets[index] as bigint,
  });
  const source =
    topicId === undefined
      ? position
      : (index: number): SourcePosition => ({
          topic: messages.topic,
          partition: messages.partitions[index] as number,
          offset: messages.offsets[index] as bigint,
          topicId,
        });
  return {
    length: messages.length,
    source,
    record: (index: number): RawRecord => ({
      key: keyAt(messages, index),
      value: valueAt(messages, index),
      source: source(index),
    }),
  };
}
