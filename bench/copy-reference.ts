import { payloadHash } from '../src/contract/canonical.ts';
import { decodeInventoryEvent, type InventoryEvent } from '../src/contract/inventory.ts';
import { decodeTransaction } from '../src/contract/validate.ts';
import { dateKey } from '../src/domain/date-key.ts';
import { type AcceptedMessage, type SourcePosition, toWarehouseRows } from '../src/ingest/rows.ts';
import { copyField } from '../src/warehouse/copy.ts';
import type { Warehouse } from '../src/warehouse/database.ts';
import {
  FACT_LINE_TAX_COLUMNS,
  FACT_SALES_LINE_COLUMNS,
  FACT_TRANSACTION_COLUMNS,
  factCopyText,
} from '../src/warehouse/sql/copy-facts.ts';
import { type DimensionKeys, dimensionKeys } from '../src/warehouse/sql/dimension-keys.ts';
import { upsertDates } from '../src/warehouse/sql/upsert-dates.ts';
import { upsertMembers } from '../src/warehouse/sql/upsert-members.ts';
import { upsertPaymentMethods } from '../src/warehouse/sql/upsert-payment-methods.ts';
import { taxKeys } from '../src/warehouse/sql/upsert-taxes.ts';

/** A batch's facts in COPY's text format, keys included. */
type FactCopyText = ReturnType<typeof factCopyText>;

/** A message as read from the topic: its bytes and where it was. */
export interface RawMessage {
  value: Buffer;
  source: SourcePosition;
}

/** The valid messages of a backlog, decoded and hashed as `pos consume` does. */
export function acceptAll(messages: RawMessage[]): AcceptedMessage[] {
  return messages.flatMap(({ value, source }) => {
    const verdict = decodeTransaction(value);
    return verdict.ok ? [{ message: verdict.message, hash: payloadHash(verdict.message), source }] : [];
  });
}

/** Adds the dimension members of these messages (and their dates, and their taxes) to the warehouse, as the write path would. */
export async function loadDimensions(warehouse: Warehouse, accepted: readonly AcceptedMessage[]): Promise<void> {
  const rows = toWarehouseRows(accepted);
  await warehouse.transaction(async (tx) => {
    await upsertDates(tx, rows.dates);
    await upsertMembers(tx, rows);
    await upsertPaymentMethods(tx, rows.paymentMethods);
    await taxKeys(tx, rows.taxes);
  });
}

/** The keys of the dimension members of these messages, their taxes' among them (loadDimensions stored them). */
export async function dimensionKeysOf(warehouse: Warehouse, accepted: readonly AcceptedMessage[]): Promise<DimensionKeys> {
  const rows = toWarehouseRows(accepted);
  const keys = await dimensionKeys(warehouse, rows);
  keys.tax = await taxKeys(warehouse, rows.taxes);
  return keys;
}

/** The facts of each batch of `batchSize` messages in COPY's text format, with the warehouse's dimension keys. */
export async function factBatches(
  warehouse: Warehouse,
  accepted: readonly AcceptedMessage[],
  batchSize: number,
): Promise<FactCopyText[]> {
  const keys = await dimensionKeysOf(warehouse, accepted);
  const batches: FactCopyText[] = [];
  for (let start = 0; start < accepted.length; start += batchSize) {
    batches.push(factCopyText(toWarehouseRows(accepted.slice(start, start + batchSize)), keys));
  }
  return batches;
}

/** COPYs the batches into the fact tables (transactions, lines, tax components), one database transaction each; returns the seconds it took. */
export async function copyBatches(warehouse: Warehouse, batches: FactCopyText[]): Promise<number> {
  const started = performance.now();
  for (const batch of batches) {
    await warehouse.transaction(async (tx) => {
      await tx.copyFrom(FACT_TRANSACTION_COLUMNS, batch.transactions);
      await tx.copyFrom(FACT_SALES_LINE_COLUMNS, batch.lines);
      if (batch.taxes.length > 0) await tx.copyFrom(FACT_LINE_TAX_COLUMNS, batch.taxes);
    });
  }
  return (performance.now() - started) / 1000;
}

/**
 * The raw COPY reference: the rows `pos consume` writes, made from the same backlog by the
 * benchmark itself (untimed, dimensions included), then COPYed into the same tables in
 * transactions of the same size (timed). What PostgreSQL takes at best: nothing decoded, checked,
 * looked up or upserted on the way.
 */
export async function copyReference(
  warehouse: Warehouse,
  accepted: readonly AcceptedMessage[],
  batchSize: number,
): Promise<{ transactions: number; lines: number; seconds: number }> {
  await loadDimensions(warehouse, accepted);
  const batches = await factBatches(warehouse, accepted, batchSize);
  const seconds = await copyBatches(warehouse, batches);
  const lines = accepted.reduce((sum, { message }) => sum + message.items.length, 0);
  return { transactions: accepted.length, lines, seconds };
}

/** A valid inventory message of the backlog, decoded and hashed as `pos consume` does. */
export interface AcceptedEvent {
  event: InventoryEvent;
  hash: Buffer;
  source: SourcePosition;
}

export function acceptAllEvents(messages: RawMessage[]): AcceptedEvent[] {
  return messages.flatMap(({ value, source }) => {
    const verdict = decodeInventoryEvent(value);
    return verdict.ok ? [{ event: verdict.event, hash: verdict.hash, source }] : [];
  });
}

const INVENTORY_EVENT_COLUMNS =
  'pos.inventory_event (event_id, type, reason, store_id, occurred_at, date_key, reference, lines, payload_hash, ' +
  'source_topic, source_partition, source_offset)';
const INVENTORY_MOVEMENT_COLUMNS =
  'pos.fact_inventory_movement (event_id, line_no, store_id, sku, date_key, occurred_at, kind, reason, quantity)';

/**
 * The inventory topic's rows in the raw COPY reference: each event and its movements, COPYed in
 * one database transaction (there are few); returns the seconds it took. Stock on hand is not
 * copied: like the aggregates, it is work `pos consume` adds.
 */
export async function copyInventory(warehouse: Warehouse, accepted: readonly AcceptedEvent[]): Promise<number> {
  const events: string[] = [];
  const movements: string[] = [];
  for (const { event, hash, source } of accepted) {
    const date = String(dateKey(event.occurred_at));
    events.push(
      [
        event.event_id,
        event.type,
        event.reason,
        copyField(event.store_id),
        event.occurred_at,
        date,
        copyField(event.reference),
        String(event.lines.length),
        `\\\\x${hash.toString('hex')}`,
        copyField(source.topic),
        String(source.partition),
        String(source.offset),
      ].join('\t'),
    );
    for (const [i, line] of event.lines.entries()) {
      movements.push(
        [
          event.event_id,
          String(i + 1),
          copyField(event.store_id),
          copyField(line.sku),
          date,
          event.occurred_at,
          event.type,
          event.reason,
          line.quantity,
        ].join('\t'),
      );
    }
  }
  const started = performance.now();
  if (accepted.length > 0) {
    await warehouse.transaction(async (tx) => {
      await tx.copyFrom(INVENTORY_EVENT_COLUMNS, `${events.join('\n')}\n`);
      await tx.copyFrom(INVENTORY_MOVEMENT_COLUMNS, `${movements.join('\n')}\n`);
    });
  }
  return (performance.now() - started) / 1000;
}
