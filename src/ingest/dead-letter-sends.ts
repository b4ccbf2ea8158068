import { createHash } from 'node:crypto';
import { deadLetterTopic } from '../kafka/topics.ts';
import { type Backoff, backoffDelay } from '../plumbing/retry.ts';

/**
 * What a dead letter becomes on its DLQ topic, and how letters are packed into sends that the
 * topic takes. Pure: the outbox (dead-letter-outbox.ts) does the claiming, sending and marking.
 */

/** The broker's default `max.message.bytes`: what a DLQ topic is assumed to take when its own setting cannot be read. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** A v2 record batch's header, from its base offset to its record count. */
const RECORD_BATCH_HEADER_BYTES = 61;
/** Room for what the estimate below does not see (the produce request's framing around the batch). */
const SEND_HEADROOM_BYTES = 1024;
/** A record's own fields at their largest: length, attributes, timestamp and offset deltas, key and value lengths, header count. */
const RECORD_OVERHEAD_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** A header's two length varints at their largest. */
const HEADER_OVERHEAD_BYTES = 10;

/** A stored dead letter, as the outbox claimed it. */
export interface LetterToPublish {
  id: string;
  /** The source topic (not the DLQ topic). */
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  errorCode: string;
  errorDetail: string;
}

/** A letter as one Kafka record for its DLQ topic. */
export interface DeadLetterRecord {
  letterId: string;
  /** The DLQ topic. */
  topic: string;
  key: Buffer | undefined;
  value: Buffer;
  headers: [string, string][];
  /** Its encoded size, at most (what the send planner counts). */
  bytes: number;
  truncated: boolean;
}

/** One produce request: records for one DLQ topic whose encoded sizes fit the topic's limit together. */
export interface PlannedSend {
  topic: string;
  records: DeadLetterRecord[];
}

/**
 * How many bytes of records one send may carry for a topic with this `max.message.bytes`. The
 * producer sends a request's records for one partition as ONE record batch, which the broker
 * refuses whole when it exceeds the limit, so the cap is on the whole send.
 */
export function sendBudget(maxMessageBytes: number): number {
  return Math.max(0, maxMessageBytes - RECORD_BATCH_HEADER_BYTES - SEND_HEADROOM_BYTES);
}

/** The largest a record with this key, value and headers can be once encoded. */
export function encodedRecordBytes(key: Buffer | undefined, valueBytes: number, headers: [string, string][]): number {
  let bytes = RECORD_OVERHEAD_BYTES + (key?.length ?? 0) + valueBytes;
  for (const [name, value] of headers) bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/**
 * The record for a letter: its key and raw value, with where it came from and why it was refused
 * in headers. A letter too large for `budget` even alone keeps only the head of its value that
 * fits, and says so: `truncated: true`, `original-size` and `original-sha256` (the table keeps
 * the whole value). A letter whose key and headers alone do not fit is left for Kafka to refuse.
 */
export function toDeadLetterRecord(letter: LetterToPublish, budget: number): DeadLetterRecord {
  const topic = deadLetterTopic(letter.topic);
  const key = letter.key ?? undefined;
  const value = letter.value ?? Buffer.alloc(0);
  const headers: [string, string][] = [
    ['error-code', letter.errorCode],
    ['error-detail', letter.errorDetail],
    ['source-topic', letter.topic],
    ['source-partition', String(letter.partition)],
    ['source-offset', letter.offset],
  ];
  const whole = encodedRecordBytes(key, value.length, headers);
  if (whole <= budget) return { letterId: letter.id, topic, key, value, headers, bytes: whole, truncated: false };
  headers.push(
    ['truncated', 'true'],
    ['original-size', String(value.length)],
    ['original-sha256', createHash('sha256').update(value).digest('hex')],
  );
  const room = Math.max(0, budget - encodedRecordBytes(key, 0, headers));
  const head = value.subarray(0, room);
  return {
    letterId: letter.id,
    topic,
    key,
    value: head,
    headers,
    bytes: encodedRecordBytes(key, head.length, headers),
    truncated: true,
  };
}

/**
 * Packs records into sends, in order within each DLQ topic: as many as fit the topic's budget
 * together; a record that does not fit with others goes alone.
 */
export function planSends(records: DeadLetterRecord[], budgetOf: (topic: string) => number): PlannedSend[] {
  const sends: PlannedSend[] = [];
  const open = new Map<string, { send: PlannedSend; bytes: number }>();
  for (const record of records) {
    const current = open.get(record.topic);
    if (current && current.bytes + record.bytes <= budgetOf(record.topic)) {
      current.send.records.push(record);
      current.bytes += record.bytes;
      continue;
    }
    const send = { topic: record.topic, records: [record] };
    sends.push(send);
    open.set(record.topic, { send, bytes: record.bytes });
  }
  return sends;
}

/** How long a letter Kafka refused waits before its next try: 10 s, doubling with each attempt, at most an hour. */
const PUBLISH_RETRY_BACKOFF: Backoff = { firstMs: 10_000, maxMs: 3_600_000, jitter: 0 };

export function publishRetryDelayMs(attempts: number): number {
  return backoffDelay(attempts, PUBLISH_RETRY_BACKOFF);
}
