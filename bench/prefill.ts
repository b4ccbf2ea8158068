import { randomBytes, randomUUID } from 'node:crypto';
import { dateKey } from '../src/domain/date-key.ts';
import { type AcceptedMessage, toWarehouseRows } from '../src/ingest/rows.ts';
import type { Warehouse } from '../src/warehouse/database.ts';
import { factCopyText } from '../src/warehouse/sql/copy-facts.ts';
import { dimensionKeys } from '../src/warehouse/sql/dimension-keys.ts';
import { upsertDates } from '../src/warehouse/sql/upsert-dates.ts';
import { copyBatches, loadDimensions } from './copy-reference.ts';

/** Transactions per COPY while prefilling. */
const CHUNK = 25_000;

/**
 * Loads `count` transactions (with their lines) into the warehouse, fast: the backlog's
 * transactions again and again, each round moved back in time by the backlog's span of days, so
 * that the history precedes the backlog, under new ids of the backlog's kind (time-ordered UUIDv7
 * when the backlog has those, random ones otherwise), COPYed straight into the fact tables. The
 * tables are vacuumed and analysed afterwards, as they would be after a day of trading.
 */
export async function prefill(
  warehouse: Warehouse,
  backlog: readonly AcceptedMessage[],
  count: number,
  progress: (loaded: number) => void,
): Promise<{ lines: number }> {
  if (backlog.length === 0) throw new Error('Prefilling needs a backlog to copy');
  await loadDimensions(warehouse, backlog);
  const keys = await dimensionKeys(warehouse, toWarehouseRows(backlog));
  let [first, last] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const { message } of backlog) {
    const day = dayNumber(message.occurred_at);
    [first, last] = [Math.min(first, day), Math.max(last, day)];
  }
  const spanDays = last - first + 1;
  let loaded = 0;
  let lines = 0;
  for (let round = 1; loaded < count; round++) {
    for (let start = 0; start < backlog.length && loaded < count; start += CHUNK) {
      const chunk = backlog.slice(start, start + Math.min(CHUNK, count - loaded)).map((accepted) => ({
        ...accepted,
        source: undefined,
        message: moved(accepted.message, round * spanDays),
      }));
      const rows = toWarehouseRows(chunk);
      await upsertDates(warehouse, rows.dates);
      await copyBatches(warehouse, [factCopyText(rows, keys)]);
      loaded += chunk.length;
      lines += rows.facts.product.length;
      progress(loaded);
    }
  }
  await warehouse.query('vacuum analyze pos.fact_transaction, pos.fact_sales_line');
  return { lines };
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
