import type { Product } from '../catalog/products.ts';
import type { Store } from '../catalog/stores.ts';
import type { InventoryEvent, InventoryReason, InventoryType } from '../contract/inventory.ts';
import { formatQuantity } from '../domain/money.ts';
import type { TimeZoneClock } from './local-time.ts';

/**
 * The most lines a message may have (the contract's MAX_INVENTORY_LINES, src/contract/inventory.ts;
 * not imported from there, which would load the JSON Schema validator into the simulator).
 */
export const MAX_EVENT_LINES = 10_000;

/** One product's movement: signed as the stock moves, in thousandths (never 0). */
export interface StockLine {
  product: Product;
  quantity: number;
}

/**
 * An inventory event as the simulator holds it: a delivery received, or an adjustment (opening
 * stock, a count's difference, an unsellable return written off). `inventoryMessage` writes it as
 * a message of the contract `pos.inventory.v1`.
 */
export interface StockEvent {
  id: string;
  type: InventoryType;
  reason: InventoryReason;
  /** UTC milliseconds. */
  at: number;
  store: Store;
  /** The purchase order of a delivery, the return's transaction id for an unsellable return, else null. */
  reference: string | null;
  /** Each product at most once, 1 to MAX_EVENT_LINES of them. */
  lines: StockLine[];
}

/** The event as the contract has it, its fields in the contract's order. */
export function inventoryMessage(event: StockEvent, clock: TimeZoneClock): InventoryEvent {
  return {
    schema_version: 1,
    event_id: event.id,
    type: event.type,
    reason: event.reason,
    occurred_at: clock.format(event.at),
    store_id: event.store.storeId,
    timezone: event.store.region.timezone,
    reference: event.reference,
    lines: event.lines.map(({ product, quantity }) => ({
      sku: product.sku,
      unit: product.unit,
      quantity: formatQuantity(quantity, product.unit),
    })),
  };
}

/** The message's bytes: compact JSON, UTF-8, in the contract's order (inventory messages are few, so JSON.stringify is fast enough). */
export function encodeInventoryEvent(event: StockEvent, clock: TimeZoneClock): Buffer {
  return Buffer.from(JSON.stringify(inventoryMessage(event, clock)));
}
