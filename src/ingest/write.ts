import { setImmediate } from 'node:timers/promises';
import { payloadHash } from '../contract/canonical.ts';
import { boundedDetail, type DeadLetterCode, type Verdict, validateTransaction } from '../contract/validate.ts';
import { errorMessage } from '../errors.ts';
import type { SqlRunner, Warehouse } from '../warehouse/database.ts';
import { classifyDatabaseError } from '../warehouse/failures.ts';
import type { DeadLetterRow, WarehouseRows } from '../warehouse/rows.ts';
import { copyFacts, type FactCopyParts, factCopyParts } from '../warehouse/sql/copy-facts.ts';
import { advanceOffsets, claimOffsets } from '../warehouse/sql/ingest-offsets.ts';
import { insertDeadLetters } from '../warehouse/sql/insert-dead-letters.ts';
import { insertTransactions } from '../warehouse/sql/insert-transactions.ts';
import { storedPayloadHashes } from '../warehouse/sql/stored-payload-hashes.ts';
import { upsertCustomers } from '../warehouse/sql/upsert-customers.ts';
import { upsertDates } from '../warehouse/sql/upsert-dates.ts';
import { upsertPaymentMethods } from '../warehouse/sql/upsert-payment-methods.ts';
import { upsertProducts } from '../warehouse/sql/upsert-products.ts';
import { upsertStores } from '../warehouse/sql/upsert-stores.ts';
import { type AcceptedMessage, type SourcePosition, toWarehouseRows } from './rows.ts';

/** A message as it arrived, with the verdict on it. */
export interface IncomingRecord {
  key: Buffer | null;
  value: Buffer | null;
  source: SourcePosition | undefined;
  verdict: Verdict;
}

export interface Rejection {
  code: DeadLetterCode;
  detail: string;
  source: SourcePosition | undefined;
  transactionId: string | undefined;
}

/** Whose offsets a batch advances: the consumer group and topic it was read for. */
export interface OffsetScope {
  consumerGroup: string;
  topic: string;
  /** Kafka's id of the topic the batch was read from: offsets stored for another id are not this topic's. */
  topicId?: string;
}

/** The database's offsets belong to another topic of the same name (it was deleted and recreated). */
export class StoredTopicChanged extends Error {
  constructor(scope: OffsetScope, storedTopicId: string) {
    super(
      `the offsets of group ${scope.consumerGroup} for topic ${scope.topic} now belong to topic id ${storedTopicId}, not ${scope.topicId}`,
    );
    this.name = 'StoredTopicChanged';
  }
}

export interface BatchResult {
  /** Transactions inserted by this batch. */
  landed: number;
  /** Their lines. */
  lines: number;
  /** Messages identical to a transaction already stored: a replay, nothing to do. */
  duplicates: number;
  /** Messages at offsets this consumer group had already ingested (redelivered by Kafka): skipped. */
  alreadyIngested: number;
  /** Messages that were not accepted, each stored as a dead letter. */
  rejected: Rejection[];
}

/** A valid message of a batch, hashed, with the record it came in. */
type Accepted = AcceptedMessage & { record: IncomingRecord };

/**
 * The part of writing a batch that needs no database: hashing the valid messages, finding the
 * first occurrence of each transaction id, and mapping them onto rows (and the facts onto COPY
 * text). Pure CPU work, so a consumer can do it for the next batch while PostgreSQL writes this one.
 */
export interface PreparedBatch {
  records: IncomingRecord[];
  /** Each valid record, hashed. */
  accepted: Map<IncomingRecord, Accepted>;
  /** The first valid message of each transaction id; later ones are replays or conflicts of it. */
  candidates: Map<string, Accepted>;
  repeats: Accepted[];
  /** The rows of all candidates, in their order, as if none were stored yet (the usual case). */
  rows: WarehouseRows;
  copyParts: FactCopyParts;
}

export function prepareBatch(records: IncomingRecord[]): PreparedBatch {
  const accepted = new Map<IncomingRecord, Accepted>();
  for (const record of records) accept(record, accepted);
  return preparedFrom(records, accepted);
}

/** Records hashed per slice: between slices, a batch being written meanwhile gets its turn on the event loop. */
const PREPARE_SLICE = 500;

/** prepareBatch for a consumer that writes another batch meanwhile: it yields to the event loop as it goes. */
export async function prepareBatchAhead(records: IncomingRecord[]): Promise<PreparedBatch> {
  const accepted = new Map<IncomingRecord, Accepted>();
  for (let start = 0; start < records.length; start += PREPARE_SLICE) {
    if (start > 0) await setImmediate();
    for (const record of records.slice(start, start + PREPARE_SLICE)) accept(record, accepted);
  }
  await setImmediate();
  return preparedFrom(records, accepted);
}

function accept(record: IncomingRecord, accepted: Map<IncomingRecord, Accepted>): void {
  if (!record.verdict.ok) return;
  const { message } = record.verdict;
  accepted.set(record, { message, hash: payloadHash(message), source: record.source, record });
}

function preparedFrom(records: IncomingRecord[], accepted: Map<IncomingRecord, Accepted>): PreparedBatch {
  const { candidates, repeats } = firstOccurrences(records, accepted);
  const rows = toWarehouseRows([...candidates.values()]);
  return { records, accepted, candidates, repeats, rows, copyParts: factCopyParts(rows) };
}

function firstOccurrences(
  records: IncomingRecord[],
  accepted: Map<IncomingRecord, Accepted>,
): Pick<PreparedBatch, 'candidates' | 'repeats'> {
  const candidates = new Map<string, Accepted>();
  const repeats: Accepted[] = [];
  for (const record of records) {
    const entry = accepted.get(record);
    if (!entry) continue;
    const id = entry.message.transaction_id.toLowerCase();
    if (candidates.has(id)) repeats.push(entry);
    else candidates.set(id, entry);
  }
  return { candidates, repeats };
}

/**
 * The write path, in one database transaction: claim the group's offsets for the batch's
 * partitions (skipping anything already ingested), upsert the dimensions, insert the facts (a
 * transaction id already stored is a replay if its payload hash is equal, a `conflict` dead
 * letter if not), store the dead letters, and advance the offsets. Either all of it commits or
 * none of it does, so a crash at any moment changes nothing that a retry would not redo.
 */
async function writeBatch(warehouse: Warehouse, prepared: PreparedBatch, scope?: OffsetScope): Promise<BatchResult> {
  const { records } = prepared;
  return warehouse.transaction(async (tx) => {
    const result: BatchResult = { landed: 0, lines: 0, duplicates: 0, alreadyIngested: 0, rejected: [] };
    const fresh = scope ? await skipIngested(tx, records, scope, result) : records;

    const deadLetters: DeadLetterRow[] = [];
    const reject = (record: IncomingRecord, code: DeadLetterCode, detail: string, transactionId?: string) => {
      result.rejected.push({ code, detail, source: record.source, transactionId });
      deadLetters.push({
        topic: record.source?.topic ?? null,
        partition: record.source?.partition ?? null,
        offset: record.source?.offset ?? null,
        key: record.key,
        rawValue: record.value,
        errorCode: code,
        errorDetail: detail,
      });
    };
    for (const record of fresh) if (!record.verdict.ok) reject(record, record.verdict.code, record.verdict.detail);
    const allFresh = fresh.length === records.length;
    const { candidates, repeats } = allFresh ? prepared : firstOccurrences(fresh, prepared.accepted);

    // What each id is stored as once this batch commits: later copies in the batch are compared with it.
    const storedAs = new Map<string, string>();
    const compareWithStored = (id: string, hash: Buffer, storedHex: string | undefined, record: IncomingRecord) => {
      if (storedHex === hash.toString('hex')) result.duplicates++;
      else reject(record, 'conflict', `transaction ${id} is already stored with different content`, id);
    };
    const stored = await storedPayloadHashes(tx, [...candidates.keys()]);
    const novel: Accepted[] = [];
    for (const [id, candidate] of candidates) {
      const storedHex = stored.get(id);
      if (storedHex === undefined) {
        novel.push(candidate);
        continue;
      }
      storedAs.set(id, storedHex);
      compareWithStored(id, candidate.hash, storedHex, candidate.record);
    }

    // The prepared rows hold when every candidate is new; a redelivery or a replay needs its own.
    const asPrepared = allFresh && novel.length === candidates.size;
    const rows = asPrepared ? prepared.rows : toWarehouseRows(novel);
    await upsertDates(tx, rows.dates);
    await upsertStores(tx, rows.stores);
    await upsertProducts(tx, rows.products);
    await upsertCustomers(tx, rows.customers);
    await upsertPaymentMethods(tx, rows.paymentMethods);
    const inserted = (await copyFacts(tx, rows, asPrepared ? prepared.copyParts : undefined))
      ? new Set(novel.map(({ message }) => message.transaction_id.toLowerCase()))
      : await insertTransactions(tx, rows);
    result.landed = inserted.size;
    const lost = novel.filter(({ message }) => !inserted.has(message.transaction_id.toLowerCase()));
    // Another writer stored some of these between our check and our insert: compare with what it stored.
    const raced = await storedPayloadHashes(
      tx,
      lost.map(({ message }) => message.transaction_id.toLowerCase()),
    );
    for (const { message, hash, record } of novel) {
      const id = message.transaction_id.toLowerCase();
      if (inserted.has(id)) {
        storedAs.set(id, hash.toString('hex'));
        result.lines += message.items.length;
      } else {
        storedAs.set(id, raced.get(id) ?? '');
        compareWithStored(id, hash, raced.get(id), record);
      }
    }
    for (const { message, hash, record } of repeats) {
      const id = message.transaction_id.toLowerCase();
      compareWithStored(id, hash, storedAs.get(id), record);
    }

    await insertDeadLetters(tx, deadLetters);
    if (scope) await advanceOffsets(tx, scope.consumerGroup, scope.topic, nextOffsets(records));
    return result;
  });
}

/** Locks the group's offsets and drops the records below them: already ingested by this group. */
async function skipIngested(
  tx: SqlRunner,
  records: IncomingRecord[],
  scope: OffsetScope,
  result: BatchResult,
): Promise<IncomingRecord[]> {
  const partitions = [...new Set(records.flatMap((record) => (record.source ? [record.source.partition] : [])))];
  const next = await claimOffsets(tx, scope.consumerGroup, scope.topic, partitions);
  for (const { topicId } of next.values()) {
    if (scope.topicId && topicId && topicId !== scope.topicId) throw new StoredTopicChanged(scope, topicId);
  }
  return records.filter((record) => {
    if (!record.source || record.source.offset >= (next.get(record.source.partition)?.offset ?? 0n)) return true;
    result.alreadyIngested++;
    return false;
  });
}

function nextOffsets(records: IncomingRecord[]): { partition: number; offset: bigint }[] {
  const next = new Map<number, bigint>();
  for (const { source } of records) {
    if (source && source.offset + 1n > (next.get(source.partition) ?? -1n)) next.set(source.partition, source.offset + 1n);
  }
  return [...next].map(([partition, offset]) => ({ partition, offset }));
}

/**
 * Writes a batch, and if PostgreSQL refuses it for its data (not for an outage or a missing
 * schema, which are thrown), finds the messages it refuses by halving the batch, and stores each
 * as a `database` dead letter, so that one bad message never stops the rest. The batch comes as
 * its records, or prepared ahead (prepareBatch).
 */
export async function writeBatchIsolatingRefusals(
  warehouse: Warehouse,
  batch: IncomingRecord[] | PreparedBatch,
  scope?: OffsetScope,
): Promise<BatchResult> {
  const prepared = Array.isArray(batch) ? prepareBatch(batch) : batch;
  const { records } = prepared;
  try {
    return await writeBatch(warehouse, prepared, scope);
  } catch (error) {
    if (classifyDatabaseError(error) !== 'data' || records.length === 0) throw error;
    if (records.length === 1) {
      const [record] = records as [IncomingRecord];
      const refused = {
        ...record,
        verdict: {
          ok: false as const,
          code: 'database' as const,
          // PostgreSQL's message may quote the value it refused.
          detail: boundedDetail(`PostgreSQL refused it: ${errorMessage(error)}`),
        },
      };
      return writeBatch(warehouse, prepareBatch([refused]), scope);
    }
    const middle = Math.ceil(records.length / 2);
    const first = await writeBatchIsolatingRefusals(warehouse, records.slice(0, middle), scope);
    const second = await writeBatchIsolatingRefusals(warehouse, records.slice(middle), scope);
    return {
      landed: first.landed + second.landed,
      lines: first.lines + second.lines,
      duplicates: first.duplicates + second.duplicates,
      alreadyIngested: first.alreadyIngested + second.alreadyIngested,
      rejected: [...first.rejected, ...second.rejected],
    };
  }
}

/**
 * Validates parsed messages and writes what is valid to the warehouse, without Kafka: the
 * successor of the prototype's `update_transaction_table(data)`. Returns what landed and what
 * was dead-lettered (stored in `pos.dead_letter` with the message as JSON).
 *
 * ```ts
 * const warehouse = await openWarehouse(loadConfig().database);
 * const { landed, rejected } = await writeTransactions(warehouse, [message1, message2]);
 * ```
 */
export function writeTransactions(warehouse: Warehouse, messages: readonly unknown[]): Promise<BatchResult> {
  return writeBatchIsolatingRefusals(
    warehouse,
    messages.map((message) => ({
      key: null,
      value: message === undefined ? null : Buffer.from(JSON.stringify(message)),
      source: undefined,
      verdict: validateTransaction(message),
    })),
  );
}
