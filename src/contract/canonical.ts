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

/**
 * SHA-256 of the canonical JSON: equal for a replay, different for a changed message with the same
 * id. `text`, the message as it arrived, is hashed itself when it is the canonical JSON already
 * (what the simulator sends): writing that out again took half of the hashing's time.
 */
export function payloadHash(message: TransactionMessage, text?: string): Buffer {
  if (!inContractOrder(message)) return hash('sha256', canonicalJson(message), 'buffer');
  if (text !== undefined && isCanonicalText(text, message)) return hash('sha256', text, 'buffer');
  return hash('sha256', JSON.stringify(message), 'buffer');
}

/**
 * Whether `text`, which parses to `message` (keys in the contract's order), is exactly what
 * JSON.stringify writes for it, found without writing it. With no backslash in the text, every
 * string in it is its value between quotes, as JSON.stringify writes it; every other token is
 * at least as long as JSON.stringify's (whitespace and duplicate keys only add). So the text is
 * canonical when it is as long as the canonical JSON and holds each number where that has it:
 * then nothing else fits (a number may be written otherwise at the same length: 1e2 for 100).
 */
function isCanonicalText(text: string, message: TransactionMessage): boolean {
  return text.indexOf('\\') === -1 && canonicalEnd(text, 0, message) === text.length;
}

/** Where `value`'s canonical JSON ends when it starts at `start` of `text`; −1 at a number that `text` writes otherwise. */
function canonicalEnd(text: string, start: number, value: unknown): number {
  if (typeof value === 'string') return start + value.length + 2;
  if (value === null) return start + 4;
  if (typeof value === 'number') {
    const written = String(value);
    return text.startsWith(written, start) ? start + written.length : -1;
  }
  if (typeof value !== 'object') return -1;
  let at = start + 1; // [ or {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && at >= 0; i++) at = canonicalEnd(text, i === 0 ? at : at + 1, value[i]);
  } else {
    let first = true;
    for (const key in value) {
      // "key": and, after the first, a comma before it
      at = canonicalEnd(text, at + (first ? 0 : 1) + key.length + 3, (value as Record<string, unknown>)[key]);
      if (at < 0) break;
      first = false;
    }
  }
  return at < 0 ? -1 : at + 1; // ] or }
}
