import { randomBytes, randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { dateKey } from '../src/domain/date-key.ts';
import { type AcceptedMessage, WarehouseRowsBuilder } from '../src/ingest/rows.ts';
import { AGGREGATES, factsFrom, rebuildAggregate } from '../src/warehouse/aggregates.ts';
import type { Warehouse } from '../src/warehouse/database.ts';
import type { WarehouseRows } from '../src/warehouse/rows.ts';
import {
  FACT_LINE_TAX_COLUMNS,
  FACT_SALES_LINE_COLUMNS,
  FACT_TRANSACTION_COLUMNS,
  factCopyText,
} from '../src/warehouse/sql/copy-facts.ts';
import type { DimensionKeys } from '../src/warehouse/sql/dimension-keys.ts';
import { upsertDates } from '../src/warehouse/sql/upsert-dates.ts';
import { taxesWiden } from '../src/warehouse/sql/upsert-taxes.ts';
import { dimensionKeysOf, loadDimensions } from './copy-reference.ts';

/** Transactions per COPY while prefilling. */
const CHUNK = 25_000;
/** Messages mapped between two turns of the event loop, so that the COPY before goes on meanwhile. */
const MAP_SLICE = 1_000;

export interface PrefillOptions {
  /** What `count` counts: transactions (the default) or lines. */
  unit?: 'transactions' | 'lines';
  /**
   * Copies of the backlog in each span of its days (default 1): a backlog of an eighth of a
   * day's trading, copied 8 times a span, makes whole days of it.
   */
  copiesPerSpan?: number;
  /** The newest copies fall on the backlog's own days; by default on the span before them, so that the backlog can be ingested after its history. */
  ownDays?: boolean;
  /** Said after the copy, before each slow step that follows (the aggregates, the vacuum). */
  step?: (what: string) => void;
}

export interface Prefilled {
  transactions: number;
  lines: number;
}

/**
 * Loads `count` transactions (or lines: options.unit) into the warehouse, fast: the backlog's
 * transactions again and again (options.copiesPerSpan times a round), each round moved back in
 * time by the backlog's span of days (so that the history precedes the backlog, unless
 * options.ownDays), under new ids of the backlog's kind (time-ordered UUIDv7 when the backlog has
 * those, random ones otherwise), COPYed straight into the fact tables. Then the aggregates are
 * rebuilt from the facts, as the migration that made them does (one set-based statement each,
 * where adding each chunk's deltas would update their rows a thousand times), and the tables are
 * vacuumed and analysed, as they would be after a day of trading.
 */
export async function prefill(
  warehouse: Warehouse,
  backlog: readonly AcceptedMessage[],
  count: number,
  progress: (loaded: number) => void,
  options: PrefillOptions = {},
): Promise<Prefilled> {
  if (backlog.length === 0) throw new Error('Prefilling needs a backlog to copy');
  const { unit = 'transactions', copiesPerSpan = 1, ownDays = false } = options;
  if (!Number.isSafeInteger(copiesPerSpan) || copiesPerSpan < 1) {
    throw new Error(`prefill(): copiesPerSpan must be a whole number from 1 up, not ${copiesPerSpan}`);
  }
  await loadDimensions(warehouse, backlog);
  const keys = await dimensionKeysOf(warehouse, backlog);
  let [first, last] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const { message } of backlog) {
    const day = dayNumber(message.occurred_at);
    [first, last] = [Math.min(first, day), Math.max(last, day)];
  }
  const spanDays = last - first + 1;
  const loaded = { transactions: 0, lines: 0 };
  const done = () => (unit === 'lines' ? loaded.lines : loaded.transactions);
  // Each chunk is mapped while the one before is being copied: the two share the machine's cores.
  let copying: Promise<void> | undefined;
  for (let round = ownDays ? 0 : 1; done() < count; round++) {
    for (let start = 0; start < backlog.length && done() < count; start += CHUNK) {
      const chunk = backlog.slice(start, start + CHUNK);
      // A chunk's copies one after the other: their ids go to the same stretch of the indexes.
      for (let copy = 0; copy < copiesPerSpan && done() < count; copy++) {
        const taken = unit === 'lines' ? takeLines(chunk, count - loaded.lines) : chunk.slice(0, count - loaded.transactions);
        const rows = await mapMoved(taken, round * spanDays);
        loaded.transactions += taken.length;
        loaded.lines += rows.facts.product.length;
        await copying;
        const reached = done();
        copying = copyRows(warehouse, rows, keys).then(() => progress(reached));
        // Its failure is thrown where it is awaited, not reported as unhandled while the next chunk is mapped.
        copying.catch(() => {});
      }
    }
  }
  await copying;

  const from = await factsFrom(warehouse);
  for (const aggregate of AGGREGATES) {
    options.step?.(`rebuilding ${aggregate.table} from the facts`);
    await rebuildAggregate(warehouse, aggregate, from);
  }
  options.step?.('vacuuming and analysing');
  await warehouse.query(
    `vacuum analyze pos.fact_transaction, pos.fact_sales_line, pos.fact_line_tax, ${AGGREGATES.map((a) => a.table).join(', ')}`,
  );
  return loaded;
}

/** The first messages of `chunk` whose lines add up to `lines` or just over. */
function takeLines(chunk: readonly AcceptedMessage[], lines: number): readonly AcceptedMessage[] {
  let sum = 0;
  for (let i = 0; i < chunk.length; i++) {
    sum += (chunk[i] as AcceptedMessage).message.items.length;
    if (sum >= lines) return chunk.slice(0, i + 1);
  }
  return chunk;
}

/** The rows of the messages moved `daysBack` days, mapped a slice at a time. */
async function mapMoved(chunk: readonly AcceptedMessage[], daysBack: number): Promise<WarehouseRows> {
  const builder = new WarehouseRowsBuilder();
  for (let i = 0; i < chunk.length; i++) {
    const accepted = chunk[i] as AcceptedMessage;
    builder.add({ ...accepted, source: undefined, message: moved(accepted.message, daysBack) });
    if (i % MAP_SLICE === MAP_SLICE - 1) await yieldToEventLoop();
  }
  return builder.finish();
}

/** One database transaction: the chunk's dates and its taxes' valid dates (moved back in time), then its facts. */
async function copyRows(warehouse: Warehouse, rows: WarehouseRows, keys: DimensionKeys): Promise<void> {
  const { transactions, lines, taxes } = factCopyText(rows, keys);
  const widen = taxesWiden(rows.taxes);
  await warehouse.transaction(async (tx) => {
    await upsertDates(tx, rows.dates);
    if (widen) await tx.query(widen.text, widen.values);
    await tx.copyFrom(FACT_TRANSACTION_COLUMNS, transactions);
    await tx.copyFrom(FACT_SALES_LINE_COLUMNS, lines);
    if (taxes.length > 0) await tx.copyFrom(FACT_LINE_TAX_COLUMNS, taxes);
  });
}

/** The same transaction `days` earlier, under a new id. */
function moved(message: AcceptedMessage['message'], days: number): AcceptedMessage['message'] {
  const day = new Date((dayNumber(message.occurred_at) - days) * 86_400_000).toISOString().slice(0, 10);
  const occurredAt = day + message.occurred_at.slice(10);
  const id = message.transaction_id[14] === '7' ? uuidV7(Date.parse(occurredAt)) : randomUUID();
  return { ...message, transaction_id: id, occurred_at: occurredAt };
}

/** Days since 1970-01-01 of the local date an ISO text starts with. */
function dayNumber(iso: string): number {
  const key = dateKey(iso);
  return Date.UTC(Math.floor(key / 10_000), (Math.floor(key / 100) % 100) - 1, key % 100) / 86_400_000;
}

/** A UUIDv7 for the millisecond `at`: the time first, then random bits. */
function uuidV7(at: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(at, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
