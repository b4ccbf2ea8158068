import { decodeInventoryEvent, type InventoryEvent, type InventoryVerdict } from '../contract/inventory.ts';
import { boundedDetail, type DeadLetterCode } from '../contract/validate.ts';
import { dateKey } from '../domain/date-key.ts';
import { errorMessage } from '../plumbing/errors.ts';
import type { SqlRunner, Warehouse } from '../warehouse/database.ts';
import { classifyDatabaseError } from '../warehouse/failures.ts';
import type { DeadLetterRow } from '../warehouse/rows.ts';
import { textArray } from '../warehouse/sql/array-literal.ts';
import { offsetsAdvance } from '../warehouse/sql/ingest-offsets.ts';
import { insertDeadLetters } from '../warehouse/sql/insert-dead-letters.ts';
import { runTogether } from '../warehouse/sql/statement.ts';
import {
  addedResults,
  type BatchRecords,
  type BatchResult,
  deadLetterOf,
  indexesOf,
  LAST_STEP_LOCK,
  nextOffsets,
  type OffsetScope,
  type RawRecord,
  skipIngested,
  type WriteOptions,
} from './write.ts';

/** A batch of the inventory topic, each message decoded (inventory messages are few: no worker thread). */
export interface InventoryBatch {
  records: BatchRecords;
  verdicts: InventoryVerdict[];
}

/** Decodes the batch's messages: a verdict each, never an exception. */
export function decodeInventoryBatch(records: BatchRecords): InventoryBatch {
  const verdicts: InventoryVerdict[] = [];
  for (let index = 0; index < records.length; index++) verdicts.push(decodeInventoryEvent(records.record(index).value));
  return { records, verdicts };
}

/**
 * The inventory topic's write path, in one database transaction, like the sales one (write.ts):
 * claim the group's offsets (skipping what it ingested already), store each new event with its
 * movements and add them to stock on hand, compare an event id already stored (a replay if its
 * payload hash is equal, a `conflict` dead letter if not), store the dead letters, advance the
 * offsets. A crash at any moment leaves nothing that a retry would count twice.
 */
async function writeInventoryBatch(
  warehouse: Warehouse,
  batch: InventoryBatch,
  scope: OffsetScope | undefined,
  options: WriteOptions,
): Promise<BatchResult> {
  const { records, verdicts } = batch;
  return warehouse.transaction(async (tx) => {
    const result: BatchResult = { landed: 0, lines: 0, duplicates: 0, alreadyIngested: 0, rejected: [] };
    const fresh = scope ? await skipIngested(tx, records, scope, result) : indexesOf(records);
    const deadLetters: DeadLetterRow[] = [];
    const reject = (index: number, code: DeadLetterCode, detail: string, eventId?: string) => {
      const record = records.record(index);
      result.rejected.push({ code, detail, source: record.source, transactionId: eventId });
      deadLetters.push(deadLetterOf(record, scope, code, detail));
    };
    // The first occurrence of each event id is a candidate; later ones are compared with what it is stored as.
    const candidates = new Map<string, number>();
    const repeats: number[] = [];
    for (const index of fresh) {
      const verdict = verdicts[index] as InventoryVerdict;
      if (!verdict.ok) reject(index, verdict.code, verdict.detail);
      else if (candidates.has(verdict.event.event_id.toLowerCase())) repeats.push(index);
      else candidates.set(verdict.event.event_id.toLowerCase(), index);
    }
    const accepted = (index: number) => verdicts[index] as InventoryVerdict & { ok: true };

    await tx.query('select pg_advisory_xact_lock($1)', [LAST_STEP_LOCK]);
    const inserted = await insertEvents(
      tx,
      [...candidates.values()].map((index) => ({ ...accepted(index), source: records.record(index) })),
    );
    const storedHashes = await storedEventHashes(
      tx,
      [...candidates.keys()].filter((id) => !inserted.has(id)),
    );
    const hashOf = (id: string) => (inserted.has(id) ? accepted(candidates.get(id) as number).hash : storedHashes.get(id));
    const compare = (index: number) => {
      const { event, hash } = accepted(index);
      const id = event.event_id.toLowerCase();
      if (hashOf(id)?.equals(hash)) result.duplicates++;
      else reject(index, 'conflict', `inventory event ${id} is already stored with different content`, id);
    };
    for (const [id, index] of candidates) {
      if (inserted.has(id)) {
        result.landed++;
        result.lines += accepted(index).event.lines.length;
      } else compare(index);
    }
    for (const index of repeats) compare(index);

    if (options.storeDeadLetters !== false) await insertDeadLetters(tx, deadLetters);
    await runTogether(tx, [scope ? offsetsAdvance(scope.consumerGroup, scope.topic, nextOffsets(records)) : undefined]);
    return result;
  });
}

/**
 * Inserts the events not stored yet, their movements, and what they add to stock on hand, in one
 * statement; returns the ids it inserted. Stock rows are added to in key order, as the sales
 * write path adds to them, so writers at the same time never wait on each other in a circle.
 */
async function insertEvents(
  tx: SqlRunner,
  events: { event: InventoryEvent; hash: Buffer; source: RawRecord }[],
): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const movements: { eventId: string; lineNo: number; sku: string; quantity: string }[] = [];
  for (const { event } of events) {
    for (const [i, line] of event.lines.entries()) {
      movements.push({ eventId: event.event_id, lineNo: i + 1, sku: line.sku, quantity: line.quantity });
    }
  }
  const rows = await tx.query<{ event_id: string }>(
    `with incoming as (
       select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::text[],
                            $8::int[], $9::text[], $10::text[], $11::int[], $12::int8[])
         as e(event_id, type, reason, store_id, occurred_at, date_key, reference, lines, hash, topic, partition, "offset")
     ), events as (
       insert into pos.inventory_event (event_id, type, reason, store_id, occurred_at, date_key, reference, lines,
                                        payload_hash, source_topic, source_partition, source_offset)
       select event_id, type, reason, store_id, occurred_at, date_key, reference, lines, decode(hash, 'hex'), topic, partition, "offset"
         from incoming order by event_id
       on conflict (event_id) do nothing
       returning event_id
     ), movements as (
       insert into pos.fact_inventory_movement (event_id, line_no, store_id, sku, date_key, occurred_at, kind, reason, quantity)
       select m.event_id, m.line_no, e.store_id, m.sku, e.date_key, e.occurred_at, e.type, e.reason, m.quantity
         from unnest($13::uuid[], $14::int2[], $15::text[], $16::numeric[]) as m(event_id, line_no, sku, quantity)
         join incoming e on e.event_id = m.event_id
        where m.event_id in (select event_id from events)
       returning store_id, sku, quantity
     ), stock as (
       insert into pos.stock_on_hand as s (store_id, sku, quantity)
       select store_id, sku, sum(quantity) from movements group by store_id, sku order by store_id, sku
       on conflict (store_id, sku) do update set quantity = s.quantity + excluded.quantity, updated_at = now()
     )
     select event_id::text from events`,
    [
      textArray(events.map(({ event }) => event.event_id)),
      textArray(events.map(({ event }) => event.type)),
      textArray(events.map(({ event }) => event.reason)),
      textArray(events.map(({ event }) => event.store_id)),
      textArray(events.map(({ event }) => event.occurred_at)),
      `{${events.map(({ event }) => dateKey(event.occurred_at)).join(',')}}`,
      textArray(events.map(({ event }) => event.reference)),
      `{${events.map(({ event }) => event.lines.length).join(',')}}`,
      textArray(events.map(({ hash }) => hash.toString('hex'))),
      textArray(events.map(({ source }) => source.source?.topic ?? null)),
      `{${events.map(({ source }) => source.source?.partition ?? 'NULL').join(',')}}`,
      `{${events.map(({ source }) => source.source?.offset ?? 'NULL').join(',')}}`,
      textArray(movements.map((m) => m.eventId)),
      `{${movements.map((m) => m.lineNo).join(',')}}`,
      textArray(movements.map((m) => m.sku)),
      `{${movements.map((m) => m.quantity).join(',')}}`,
    ],
  );
  return new Set(rows.map((row) => row.event_id));
}

/** The payload hashes of these event ids, where stored. */
export async function storedEventHashes(tx: SqlRunner, ids: string[]): Promise<Map<string, Buffer>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query<{ event_id: string; payload_hash: Buffer }>(
    'select event_id::text, payload_hash from pos.inventory_event where event_id = any($1::uuid[])',
    [textArray(ids)],
  );
  return new Map(rows.map((row) => [row.event_id, row.payload_hash]));
}

/**
 * Writes an inventory batch; if PostgreSQL refuses it for its data (not an outage), finds the
 * messages it refuses by halving, and stores each as a `database` dead letter, as the sales
 * write path does: one bad message never stops the rest.
 */
export async function writeInventoryIsolatingRefusals(
  warehouse: Warehouse,
  batch: InventoryBatch,
  scope?: OffsetScope,
  options: WriteOptions = {},
): Promise<BatchResult> {
  const { records, verdicts } = batch;
  try {
    return await writeInventoryBatch(warehouse, batch, scope, options);
  } catch (error) {
    if (classifyDatabaseError(error) !== 'data' || records.length === 0) throw error;
    if (records.length === 1) {
      const refused: InventoryVerdict = {
        ok: false,
        code: 'database',
        detail: boundedDetail(`PostgreSQL refused it: ${errorMessage(error)}`),
      };
      return writeInventoryBatch(warehouse, { records, verdicts: [refused] }, scope, options);
    }
    const middle = Math.ceil(records.length / 2);
    const part = (start: number, end: number): InventoryBatch => ({
      records: {
        length: end - start,
        source: (index) => records.source(start + index),
        record: (index) => records.record(start + index),
      },
      verdicts: verdicts.slice(start, end),
    });
    const first = await writeInventoryIsolatingRefusals(warehouse, part(0, middle), scope, options);
    const second = await writeInventoryIsolatingRefusals(warehouse, part(middle, records.length), scope, options);
    return addedResults(first, second);
  }
}
