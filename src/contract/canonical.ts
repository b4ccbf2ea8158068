import { hash } from 'node:crypto';
import type { LineItem, TransactionMessage } from './message.ts';

const text = JSON.stringify;

/**
 * A valid message as canonical JSON: compact, keys in the contract's order, whatever order or
 * spacing it arrived with. What the simulator produces is already canonical. (Written out field
 * by field because JSON.stringify with a key list is several times slower, on the hot path.)
 */
export function canonicalJson(message: TransactionMessage): string {
  const { store, customer, payment } = message;
  const customerJson =
    customer === null
      ? 'null'
      : `{"customer_id":${text(customer.customer_id)},"name":${text(customer.name)},"email":${text(customer.email)},"loyalty_tier":${text(customer.loyalty_tier)}}`;
  return (
    `{"schema_version":${message.schema_version},"transaction_id":${text(message.transaction_id)},"type":${text(message.type)},` +
    `"original_transaction_id":${text(message.original_transaction_id)},"occurred_at":${text(message.occurred_at)},` +
    `"store":{"store_id":${text(store.store_id)},"name":${text(store.name)},"city":${text(store.city)},"region":${text(store.region)},` +
    `"country":${text(store.country)},"timezone":${text(store.timezone)}},"register_id":${text(message.register_id)},` +
    `"cashier_id":${text(message.cashier_id)},"customer":${customerJson},"currency":${text(message.currency)},` +
    `"items":[${message.items.map(lineJson).join(',')}],"subtotal":${text(message.subtotal)},"discount_total":${text(message.discount_total)},` +
    `"tax_total":${text(message.tax_total)},"total":${text(message.total)},"payment":{"method":${text(payment.method)},` +
    `"card_brand":${text(payment.card_brand)},"amount":${text(payment.amount)},"tendered":${text(payment.tendered)},"change":${text(payment.change)}}}`
  );
}

function lineJson(item: LineItem): string {
  return (
    `{"line_no":${item.line_no},"sku":${text(item.sku)},"name":${text(item.name)},"category":${text(item.category)},` +
    `"brand":${text(item.brand)},"unit":${text(item.unit)},"quantity":${text(item.quantity)},"unit_price":${text(item.unit_price)},` +
    `"discount":${text(item.discount)},"tax_rate":${text(item.tax_rate)},"tax":${text(item.tax)},"line_total":${text(item.line_total)}}`
  );
}

/** The contract's key order, object by object (the order canonicalJson writes). */
const MESSAGE_KEYS = [
  'schema_version',
  'transaction_id',
  'type',
  'original_transaction_id',
  'occurred_at',
  'store',
  'register_id',
  'cashier_id',
  'customer',
  'currency',
  'items',
  'subtotal',
  'discount_total',
  'tax_total',
  'total',
  'payment',
];
const STORE_KEYS = ['store_id', 'name', 'city', 'region', 'country', 'timezone'];
const CUSTOMER_KEYS = ['customer_id', 'name', 'email', 'loyalty_tier'];
const LINE_KEYS = [
  'line_no',
  'sku',
  'name',
  'category',
  'brand',
  'unit',
  'quantity',
  'unit_price',
  'discount',
  'tax_rate',
  'tax',
  'line_total',
];
const PAYMENT_KEYS = ['method', 'card_brand', 'amount', 'tendered', 'change'];

/** Whether the object has exactly these keys, in this order. */
function keysAre(object: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in object) if (key !== keys[i++]) return false;
  return i === keys.length;
}

/**
 * Whether the message's keys are the contract's, in its order, all the way down: then
 * JSON.stringify (native, several times faster) writes exactly the canonical JSON. What the
 * simulator produces is.
 */
function inContractOrder(message: TransactionMessage): boolean {
  if (!keysAre(message, MESSAGE_KEYS) || !keysAre(message.store, STORE_KEYS) || !keysAre(message.payment, PAYMENT_KEYS)) {
    return false;
  }
  if (message.customer !== null && !keysAre(message.customer, CUSTOMER_KEYS)) return false;
  for (const item of message.items) if (!keysAre(item, LINE_KEYS)) return false;
  return true;
}

/** SHA-256 of the canonical JSON: equal for a replay, different for a changed message with the same id. */
export function payloadHash(message: TransactionMessage): Buffer {
  const json = inContractOrder(message) ? JSON.stringify(message) : canonicalJson(message);
  return hash('sha256', json, 'buffer');
}
