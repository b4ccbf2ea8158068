import type { AnyTransactionMessage } from '../contract/message.ts';
import {
  boundedDetail,
  type DeadLetterCode,
  decodeTransaction,
  type Verdict,
  validateTransaction,
} from '../contract/validate.ts';
import { dateKey } from '../domain/date-key.ts';
import { errorMessage } from '../plumbing/errors.ts';
import type { SqlRunner, TransactionRunner, Warehouse } from '../warehouse/database.ts';
import { classifyDatabaseError } from '../warehouse/failures.ts';
import { writableFrom } from '../warehouse/retention.ts';
import type { DeadLetterRow, WarehouseRows } from '../warehouse/rows.ts';
import { aggregateUpserts } from '../warehouse/sql/add-aggregates.ts';
import { copyFacts, copyFreshFacts, StoredIdMet } from '../warehouse/sql/copy-facts.ts';
import { addKeys, type DimensionKeys, dimensionKeys, membersWithoutKeys } from '../warehouse/sql/dimension-keys.ts';
import { claimOffsets, offsetsAdvance } from '../warehouse/sql/ingest-offsets.ts';
import { insertDeadLetters } from '../warehouse/sql/insert-dead-letters.ts';
import { runTogether } from '../warehouse/sql/statement.ts';
import { storedPayloadHashes } from '../warehouse/sql/stored-payload-hashes.ts';
import { upsertDates } from '../warehouse/sql/upsert-dates.ts';
import { memberUpserts, upsertMembers } from '../warehouse/sql/upsert-members.ts';
import { upsertPaymentMethods } from '../warehouse/sql/upsert-payment-methods.ts';
import { nameAt, only, taxesWiden, taxKeys } from '../warehouse/sql/upsert-taxes.ts';
import { KnownMembers } from './known-members.ts';
import { checkWriteArguments } from './options.ts';
import { decidedInput, firstOccurrences, type Outcome, type Preparation, prepare, verdictOf } from './prepare.ts';
import { type SourcePosition, toWarehouseRows } from './rows.ts';

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
  /** Messages that were not accepted, each stored as a dead letter (unless `storeDeadLetters: false`). */
  rejected: Rejection[];
}

/** How the write path treats a batch. */
export interface WriteOptions {
  /**
   * Whether the messages not accepted are stored in `pos.dead_letter` (default true). A replay of
   * dead letters says false: a letter that fails again keeps its one row, and is not stored again.
   */
  storeDeadLetters?: boolean;
}

/** A message as it arrived, as the write path keeps it (a dead letter stores its bytes). */
export type RawRecord = Pick<IncomingRecord, 'key' | 'value' | 'source'>;

/**
 * A batch's messages as the write path reads them, one at a time: a batch from Kafka keeps them
 * in flat arrays (fetched-batch.ts), and makes a record only for the few that need one (a dead
 * letter, a message parsed again).
 */
export interface BatchRecords {
  readonly length: number;
  /** Where message `index` was read; undefined when it came without Kafka. */
  source(index: number): SourcePosition | undefined;
  record(index: number): RawRecord;
}

/** Records in an array, as BatchRecords. */
function arrayRecords(records: readonly RawRecord[]): BatchRecords {
  return {
    length: records.length,
    source: (index) => records[index]?.source,
    record: (index) => records[index] as RawRecord,
  };
}

/** Records `start` to `end`, as BatchRecords of their own. */
function sliceRecords(records: BatchRecords, start: number, end: number): BatchRecords {
  return {
    length: end - start,
    source: (index) => records.source(start + index),
    record: (index) => records.record(start + index),
  };
}

/**
 * A batch ready to be written: its records and their preparation (prepare.ts: outcomes, rows),
 * made on this thread or on a worker thread while the previous batch was written.
 */
export interface PreparedBatch extends Preparation {
  records: BatchRecords;
  /** The parsed messages, when the preparation was made on this thread; otherwise parsed again if ever needed. */
  messages?: (AnyTransactionMessage | undefined)[];
}

/** Prepares a batch of decoded records on this thread. */
export function prepareBatch(records: IncomingRecord[]): PreparedBatch {
  return {
    records: arrayRecords(records),
    ...prepare(decidedInput(records)),
    messages: records.map(({ verdict }) => (verdict.ok ? verdict.message : undefined)),
  };
}

/** The parsed message of a valid record: kept from its preparation, or parsed again from its bytes. */
function messageAt(batch: PreparedBatch, index: number): AnyTransactionMessage {
  const kept = batch.messages?.[index];
  if (kept) return kept;
  const verdict = decodeTransaction(batch.records.record(index).value);
  if (!verdict.ok) throw new Error(`A message accepted once was refused when parsed again: ${verdict.detail}`);
  return verdict.message;
}

/** The rows of these valid records of a batch, in this order. */
function rowsFor(batch: PreparedBatch, indexes: readonly number[]): WarehouseRows {
  return toWarehouseRows(
    indexes.map((index) => {
      const outcome = batch.outcomes[index] as Outcome & { ok: true };
      return { message: messageAt(batch, index), hash: Buffer.from(outcome.hash, 'hex'), source: batch.records.source(index) };
    }),
  );
}

/** Records `start` to `end` of a batch, as a batch of their own. */
function slicePrepared(batch: PreparedBatch, start: number, end: number): PreparedBatch {
  const part: PreparedBatch = {
    records: sliceRecords(batch.records, start, end),
    outcomes: batch.outcomes.slice(start, end),
    ...(batch.messages ? { messages: batch.messages.slice(start, end) } : {}),
    rows: toWarehouseRows([]),
  };
  const { candidates } = firstOccurrences(indexesOf(part.records), part.outcomes);
  return { ...part, rows: rowsFor(part, [...candidates.values()]) };
}

/**
 * The write path, in one database transaction: claim the group's offsets for the batch's
 * partitions (skipping anything already ingested), add new dimension members, copy the facts (a
 * transaction id already stored is a replay if its payload hash is equal, a `conflict` dead
 * letter if not), store the dead letters, bring the dimensions up to newer attributes and
 * advance the offsets. Either all of it commits or none of it does, so a crash at any moment
 * changes nothing that a retry would not redo.
 */
async function writeBatch(
  warehouse: Warehouse,
  batch: PreparedBatch,
  scope: OffsetScope | undefined,
  known: KnownMembers,
  options: WriteOptions,
): Promise<BatchResult> {
  try {
    return await writeBatchOnce(warehouse, batch, scope, known, options, true);
  } catch (error) {
    // A fresh batch met a stored id: written again the long way, in a transaction of its own.
    if (!(error instanceof StoredIdMet)) throw error;
    return writeBatchOnce(warehouse, batch, scope, known, options, false);
  }
}

/** writeBatch, in one database transaction; `asPrepared`: a batch of fresh messages is copied without looking first. */
async function writeBatchOnce(
  warehouse: Warehouse,
  batch: PreparedBatch,
  scope: OffsetScope | undefined,
  known: KnownMembers,
  options: WriteOptions,
  asPrepared: boolean,
): Promise<BatchResult> {
  const { records, outcomes } = batch;
  // The members and dates of what this batch stores, for `known` once it has committed.
  let members: StoredMembers | undefined;
  const result = await warehouse.transaction(async (tx) => {
    const result: BatchResult = { landed: 0, lines: 0, duplicates: 0, alreadyIngested: 0, rejected: [] };
    const fresh = scope ? await skipIngested(tx, records, scope, result) : indexesOf(records);

    const deadLetters: DeadLetterRow[] = [];
    const reject = (index: number, code: DeadLetterCode, detail: string, transactionId?: string) => {
      const record = records.record(index);
      result.rejected.push({ code, detail, source: record.source, transactionId });
      deadLetters.push(deadLetterOf(record, scope, code, detail));
    };
    for (const index of fresh) {
      const outcome = outcomes[index] as Outcome;
      if (!outcome.ok) reject(index, outcome.code, outcome.detail);
    }
    const { candidates, repeats } = firstOccurrences(fresh, outcomes);
    const accepted = (index: number) => outcomes[index] as Outcome & { ok: true };
    const pruned = await refusePruned(tx, batch, candidates, (index, before) =>
      reject(index, 'pruned', prunedDetail(accepted(index).id, before), accepted(index).id),
    );

    // What each id is stored as once this batch commits: later copies in the batch are compared with it.
    const storedAs = new Map<string, string>();
    const compareWithStored = (index: number, storedHex: string | undefined) => {
      const { id, hash } = accepted(index);
      if (storedHex === hash) result.duplicates++;
      else reject(index, 'conflict', `transaction ${id} is already stored with different content`, id);
    };
    let novel: number[];
    let written: { inserted: Set<string>; raced: Map<string, string>; rows: WarehouseRows };
    if (asPrepared && fresh.length === records.length && pruned.ids.size === 0) {
      members = await writtenAsPrepared(tx, batch.rows, known);
      novel = [...candidates.values()];
      written = { inserted: new Set(candidates.keys()), raced: new Map(), rows: batch.rows };
    } else {
      // A redelivery, a replay or a conflict: only what is not stored yet is written, with rows of its own.
      const stored = await storedPayloadHashes(tx, [...candidates.keys()]);
      novel = [];
      for (const [id, index] of candidates) {
        const storedHex = stored.get(id);
        if (storedHex === undefined) {
          novel.push(index);
          continue;
        }
        storedAs.set(id, storedHex);
        compareWithStored(index, storedHex);
      }
      const novelIds = novel.map((index) => accepted(index).id);
      const rows = rowsFor(batch, novel);
      const keys = await addNewMembers(tx, rows, known);
      written = await writeRows(tx, rows, keys, novelIds, (ids) =>
        rowsFor(
          batch,
          novel.filter((index) => ids.has(accepted(index).id)),
        ),
      );
      members = { keys, dates: rows.dates };
    }
    // The taxes of what was written: their valid dates widened below, then known to cover them.
    members.taxes = written.rows.taxes;
    const widen = known.taxesToWiden(written.rows.taxes);
    const { inserted, raced } = written;
    result.landed = inserted.size;
    for (const index of novel) {
      const { id, hash, lines } = accepted(index);
      if (inserted.has(id)) {
        storedAs.set(id, hash);
        result.lines += lines;
      } else {
        // Another writer stored it between our check and our copy: compare with what it stored.
        storedAs.set(id, raced.get(id) ?? '');
        compareWithStored(index, raced.get(id));
      }
    }
    for (const index of repeats) {
      const { id } = accepted(index);
      if (pruned.ids.has(id)) reject(index, 'pruned', prunedDetail(id, pruned.before), id);
      else compareWithStored(index, storedAs.get(id));
    }

    if (options.storeDeadLetters !== false) await insertDeadLetters(tx, deadLetters);
    // What was written added to the aggregates, newer attributes for the stored members of it,
    // and the offsets, in one statement; last, so that writers at the same time hold each other's
    // aggregate and member rows only until their commit, not while they copy. Writers take turns
    // for this last step (each rows' locks in one order, but the order of a statement's parts
    // is PostgreSQL's): a deadlock would cost a second.
    await tx.query('select pg_advisory_xact_lock($1)', [LAST_STEP_LOCK]);
    await runTogether(tx, [
      ...(result.landed > 0 ? aggregateUpserts(written.rows, members.keys) : []),
      ...memberUpserts(written.rows),
      taxesWiden(widen),
      scope ? offsetsAdvance(scope.consumerGroup, scope.topic, nextOffsets(records)) : undefined,
    ]);
    return result;
  });
  if (members) known.learn(members.keys, members.dates, members.taxes);
  return result;
}

/** The dead-letter row of a record refused with `code`: its bytes and where it was read. */
export function deadLetterOf(
  record: RawRecord,
  scope: OffsetScope | undefined,
  code: DeadLetterCode,
  detail: string,
): DeadLetterRow {
  return {
    topicId: record.source ? (record.source.topicId ?? scope?.topicId ?? null) : null,
    topic: record.source?.topic ?? null,
    partition: record.source?.partition ?? null,
    offset: record.source?.offset ?? null,
    key: record.key,
    rawValue: record.value,
    errorCode: code,
    errorDetail: detail,
  };
}

/**
 * Takes out of `candidates` the transactions dated before the facts' retention (retention.ts)
 * and refuses each (`refuse`); returns their ids and the first date the warehouse holds.
 */
async function refusePruned(
  tx: SqlRunner,
  batch: PreparedBatch,
  candidates: Map<string, number>,
  refuse: (index: number, before: number) => void,
): Promise<{ ids: Set<string>; before: number }> {
  const before = await writableFrom(tx);
  const ids = new Set<string>();
  // The batch's dates are sorted: most batches are all after the cut, and nothing is parsed.
  if ((batch.rows.dates[0] ?? before) >= before) return { ids, before };
  for (const [id, index] of candidates) {
    if (dateKey(messageAt(batch, index).occurred_at) >= before) continue;
    refuse(index, before);
    ids.add(id);
    candidates.delete(id);
  }
  return { ids, before };
}

function prunedDetail(id: string, before: number): string {
  return `transaction ${id} is dated before ${before}, the first local date whose facts the warehouse holds (pos db prune): it cannot be told from a replay`;
}

/** Held from a writer's last statement to its commit (an arbitrary, fixed key). */
export const LAST_STEP_LOCK = 7_020_417;

/** The dimension keys a batch used and the dates it added. */
interface StoredMembers {
  keys: DimensionKeys;
  dates: number[];
  /** The taxes of the rows written, with their dates. */
  taxes?: WarehouseRows['taxes'];
}

/**
 * Fresh messages, the common case: none of them is stored yet, so the prepared rows are written
 * without looking first, and their members and dates are returned. A copy that meets a stored id
 * fails the whole database transaction (StoredIdMet), dimensions included: a conflicting message
 * must not change them. No savepoint: it cost a round trip on every batch for the rare batch
 * that needs it, which is written again.
 */
async function writtenAsPrepared(tx: TransactionRunner, rows: WarehouseRows, known: KnownMembers): Promise<StoredMembers> {
  const keys = await addNewMembers(tx, rows, known);
  await copyFreshFacts(tx, rows, keys);
  return { keys, dates: rows.dates };
}

/**
 * Copies the facts of these rows, their members added (`keys`). A transaction that another writer
 * stored after this batch looked makes the copy fail: it is left out (with its stored hash, to
 * compare) and the rest copied again, with rows remade by `rowsOf` for the ids still to insert.
 * Returns the rows written in the end.
 */
async function writeRows(
  tx: TransactionRunner,
  rows: WarehouseRows,
  keys: DimensionKeys,
  transactionIds: string[],
  rowsOf: (ids: Set<string>) => WarehouseRows,
): Promise<{ inserted: Set<string>; raced: Map<string, string>; rows: WarehouseRows }> {
  let facts = rows;
  const ids = new Set(transactionIds);
  const raced = new Map<string, string>();
  while (!(await copyFacts(tx, facts, keys))) {
    const stored = await storedPayloadHashes(tx, [...ids]);
    if (stored.size === 0) throw new Error('COPY into the fact tables found a duplicate key that no stored transaction explains');
    for (const [id, hash] of stored) {
      raced.set(id, hash);
      ids.delete(id);
    }
    facts = rowsOf(ids);
  }
  return { inserted: ids, raced, rows: facts };
}

/**
 * The keys of the batch's dimension members, the members not stored yet inserted first; what
 * `known` has is neither looked up nor added again. Stored members are only read, not locked:
 * writers at the same time do not wait on each other's rows while they copy.
 */
async function addNewMembers(tx: SqlRunner, rows: WarehouseRows, known: KnownMembers): Promise<DimensionKeys> {
  const datesAndMethodsKnown = known.hasDatesAndPaymentMethodsOf(rows);
  if (!datesAndMethodsKnown) {
    await upsertDates(tx, rows.dates);
    await upsertPaymentMethods(tx, rows.paymentMethods);
  }
  let keys = known.keysOf(rows);
  const unknown = membersWithoutKeys(rows, keys);
  if (unknown || !datesAndMethodsKnown) {
    // The lookup also reads every payment method's key.
    const found = await dimensionKeys(tx, unknown ?? toWarehouseRows([]));
    addKeys(found, keys);
    keys = found;
  }
  const missing = membersWithoutKeys(rows, keys);
  if (missing) {
    await upsertMembers(tx, missing);
    addKeys(keys, await dimensionKeys(tx, missing));
  }
  // Taxes are few and rarely new: a statement only when one is not known yet.
  const newTaxes = only(rows.taxes, (i) => !keys.tax.has(nameAt(rows.taxes, i)));
  if (newTaxes.code.length > 0) for (const [name, key] of await taxKeys(tx, newTaxes)) keys.tax.set(name, key);
  return keys;
}

/** Locks the group's offsets and returns the indexes of the records at or above them: not yet ingested by this group. */
export async function skipIngested(
  tx: SqlRunner,
  records: BatchRecords,
  scope: OffsetScope,
  result: BatchResult,
): Promise<number[]> {
  const partitions = new Set<number>();
  for (let index = 0; index < records.length; index++) {
    const source = records.source(index);
    if (source) partitions.add(source.partition);
  }
  const next = await claimOffsets(tx, scope.consumerGroup, scope.topic, [...partitions], scope.topicId);
  for (const { topicId } of next.values()) {
    if (scope.topicId && topicId && topicId !== scope.topicId) throw new StoredTopicChanged(scope, topicId);
  }
  const fresh: number[] = [];
  for (let index = 0; index < records.length; index++) {
    const source = records.source(index);
    if (!source || source.offset >= (next.get(source.partition)?.offset ?? 0n)) fresh.push(index);
    else result.alreadyIngested++;
  }
  return fresh;
}

export function nextOffsets(records: BatchRecords): { partition: number; offset: bigint }[] {
  const next = new Map<number, bigint>();
  for (let index = 0; index < records.length; index++) {
    const source = records.source(index);
    if (source && source.offset + 1n > (next.get(source.partition) ?? -1n)) next.set(source.partition, source.offset + 1n);
  }
  return [...next].map(([partition, offset]) => ({ partition, offset }));
}

/** 0, 1, … for each record. */
export function indexesOf(records: BatchRecords): number[] {
  return Array.from({ length: records.length }, (_, index) => index);
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
  known = new KnownMembers(),
  options: WriteOptions = {},
): Promise<BatchResult> {
  const prepared = Array.isArray(batch) ? prepareBatch(batch) : batch;
  const { records } = prepared;
  try {
    return await writeBatch(warehouse, prepared, scope, known, options);
  } catch (error) {
    if (classifyDatabaseError(error) !== 'data' || records.length === 0) throw error;
    if (records.length === 1) {
      const refused: PreparedBatch = {
        records,
        // PostgreSQL's message may quote the value it refused.
        outcomes: [{ ok: false, code: 'database', detail: boundedDetail(`PostgreSQL refused it: ${errorMessage(error)}`) }],
        rows: toWarehouseRows([]),
      };
      const result = await writeBatch(warehouse, refused, scope, known, options);
      // The message was valid, so its transaction id is known: the rejection says which it was.
      const accepted = prepared.outcomes[0];
      if (accepted?.ok) for (const rejection of result.rejected) rejection.transactionId ??= accepted.id;
      return result;
    }
    const middle = Math.ceil(records.length / 2);
    const first = await writeBatchIsolatingRefusals(warehouse, slicePrepared(prepared, 0, middle), scope, known, options);
    const second = await writeBatchIsolatingRefusals(
      warehouse,
      slicePrepared(prepared, middle, records.length),
      scope,
      known,
      options,
    );
    return addedResults(first, second);
  }
}

/** The results of two halves of a batch, as one. */
export function addedResults(first: BatchResult, second: BatchResult): BatchResult {
  return {
    landed: first.landed + second.landed,
    lines: first.lines + second.lines,
    duplicates: first.duplicates + second.duplicates,
    alreadyIngested: first.alreadyIngested + second.alreadyIngested,
    rejected: [...first.rejected, ...second.rejected],
  };
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
export async function writeTransactions(warehouse: Warehouse, messages: readonly unknown[]): Promise<BatchResult> {
  checkWriteArguments(warehouse, messages);
  return writeBatchIsolatingRefusals(
    warehouse,
    messages.map((message) => ({
      key: null,
      value: message === undefined ? null : Buffer.from(JSON.stringify(message)),
      source: undefined,
      verdict: verdictOf(() => validateTransaction(message)),
    })),
  );
}
