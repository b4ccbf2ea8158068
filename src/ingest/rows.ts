import type { TransactionMessage } from '../contract/message.ts';
import { dateKey } from '../date-key.ts';
import type { WarehouseRows } from '../warehouse/rows.ts';

/** Where a message came from in Kafka; absent when written through the API without Kafka. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: bigint;
}

/** A valid message, ready to be written. */
export interface AcceptedMessage {
  message: TransactionMessage;
  hash: Buffer;
  source: SourcePosition | undefined;
}

/**
 * Maps valid messages to warehouse rows; pure. The date key and hour are the store's local
 * ones, read from the offset-bearing timestamp. A dimension member seen several times keeps the
 * attributes of its newest event, and members are sorted by natural key so that concurrent
 * writers lock dimension rows in the same order.
 */
export function toWarehouseRows(accepted: readonly AcceptedMessage[]): WarehouseRows {
  const dates = new Set<number>();
  const stores = new Newest<TransactionMessage['store']>();
  const products = new Newest<TransactionMessage['items'][number]>();
  const customers = new Newest<NonNullable<TransactionMessage['customer']>>();
  const paymentMethods = new Map<string, { method: string; cardBrand: string | null }>();
  const rows = emptyRows();
  const { transactions: t, lines: l } = rows;

  for (const { message, hash, source } of accepted) {
    const at = Date.parse(message.occurred_at);
    const localDate = dateKey(message.occurred_at);
    dates.add(localDate);
    stores.offer(message.store.store_id, at, message.occurred_at, message.store);
    if (message.customer) customers.offer(message.customer.customer_id, at, message.occurred_at, message.customer);
    const { method, card_brand: cardBrand } = message.payment;
    paymentMethods.set(`${method}\u0000${cardBrand ?? ''}`, { method, cardBrand });

    t.transactionId.push(message.transaction_id);
    t.type.push(message.type);
    t.originalTransactionId.push(message.original_transaction_id);
    t.occurredAt.push(message.occurred_at);
    t.dateKey.push(localDate);
    t.localHour.push(Number(message.occurred_at.slice(11, 13)));
    t.storeId.push(message.store.store_id);
    t.registerId.push(message.register_id);
    t.cashierId.push(message.cashier_id);
    t.customerId.push(message.customer?.customer_id ?? null);
    t.method.push(method);
    t.cardBrand.push(cardBrand);
    t.currency.push(message.currency);
    t.subtotal.push(message.subtotal);
    t.discountTotal.push(message.discount_total);
    t.taxTotal.push(message.tax_total);
    t.total.push(message.total);
    t.lineCount.push(message.items.length);
    t.sourceTopic.push(source?.topic ?? null);
    t.sourcePartition.push(source?.partition ?? null);
    t.sourceOffset.push(source === undefined ? null : String(source.offset));
    t.payloadHash.push(hash.toString('hex'));

    for (const item of message.items) {
      products.offer(item.sku, at, message.occurred_at, item);
      l.transactionId.push(message.transaction_id);
      l.lineNo.push(item.line_no);
      l.sku.push(item.sku);
      l.quantity.push(item.quantity);
      l.unitPrice.push(item.unit_price);
      l.discount.push(item.discount);
      l.taxRate.push(item.tax_rate);
      l.tax.push(item.tax);
      l.lineTotal.push(item.line_total);
    }
  }

  rows.dates = [...dates].sort((a, b) => a - b);
  for (const [storeId, { asOf, value }] of stores.sorted()) {
    const s = rows.stores;
    s.storeId.push(storeId);
    s.name.push(value.name);
    s.city.push(value.city);
    s.region.push(value.region);
    s.country.push(value.country);
    s.timezone.push(value.timezone);
    s.asOf.push(asOf);
  }
  for (const [sku, { asOf, value }] of products.sorted()) {
    const p = rows.products;
    p.sku.push(sku);
    p.name.push(value.name);
    p.category.push(value.category);
    p.brand.push(value.brand);
    p.unit.push(value.unit);
    p.asOf.push(asOf);
  }
  for (const [customerId, { asOf, value }] of customers.sorted()) {
    const c = rows.customers;
    c.customerId.push(customerId);
    c.name.push(value.name);
    c.email.push(value.email);
    c.loyaltyTier.push(value.loyalty_tier);
    c.asOf.push(asOf);
  }
  for (const key of [...paymentMethods.keys()].sort()) {
    const entry = paymentMethods.get(key) as { method: string; cardBrand: string | null };
    rows.paymentMethods.method.push(entry.method);
    rows.paymentMethods.cardBrand.push(entry.cardBrand);
  }
  return rows;
}

/** The newest version of each dimension member seen in a batch. */
class Newest<T> {
  readonly #members = new Map<string, { at: number; asOf: string; value: T }>();

  offer(key: string, at: number, asOf: string, value: T): void {
    const current = this.#members.get(key);
    if (!current || at > current.at) this.#members.set(key, { at, asOf, value });
  }

  sorted(): [string, { asOf: string; value: T }][] {
    return [...this.#members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

function emptyRows(): WarehouseRows {
  return {
    dates: [],
    stores: { storeId: [], name: [], city: [], region: [], country: [], timezone: [], asOf: [] },
    products: { sku: [], name: [], category: [], brand: [], unit: [], asOf: [] },
    customers: { customerId: [], name: [], email: [], loyaltyTier: [], asOf: [] },
    paymentMethods: { method: [], cardBrand: [] },
    transactions: {
      transactionId: [],
      type: [],
      originalTransactionId: [],
      occurredAt: [],
      dateKey: [],
      localHour: [],
      storeId: [],
      registerId: [],
      cashierId: [],
      customerId: [],
      method: [],
      cardBrand: [],
      currency: [],
      subtotal: [],
      discountTotal: [],
      taxTotal: [],
      total: [],
      lineCount: [],
      sourceTopic: [],
      sourcePartition: [],
      sourceOffset: [],
      payloadHash: [],
    },
    lines: {
      transactionId: [],
      lineNo: [],
      sku: [],
      quantity: [],
      unitPrice: [],
      discount: [],
      taxRate: [],
      tax: [],
      lineTotal: [],
    },
  };
}
