import { hash } from 'node:crypto';
import {
  type AnyTransactionMessage,
  CUSTOMER_FIELDS,
  LINE_FIELDS,
  LINE_FIELDS_V2,
  PAYMENT_FIELDS,
  STORE_FIELDS,
  TAX_COMPONENT_FIELDS,
  TAX_TOTAL_FIELDS,
  TRANSACTION_FIELDS,
  TRANSACTION_FIELDS_V2,
  type TransactionMessageV2,
} from './message.ts';

/**
 * A valid message as canonical JSON: compact, keys in the contract's order (message.ts), whatever
 * order or spacing it arrived with. What the simulator produces is canonical already, and
 * payloadHash finds that without writing it out; this is for the others.
 */
export function canonicalJson(message: AnyTransactionMessage): string {
  return message.schema_version === 2
    ? canonicalObject(message, TRANSACTION_FIELDS_V2, NESTED_V2)
    : canonicalObject(message, TRANSACTION_FIELDS, NESTED_V1);
}

/** The fields of the contract's objects that hold objects of their own, and those objects' fields: by version. */
type Nested = Readonly<Record<string, readonly string[]>>;
const NESTED_V1: Nested = {
  store: STORE_FIELDS,
  customer: CUSTOMER_FIELDS,
  items: LINE_FIELDS,
  payment: PAYMENT_FIELDS,
};
// A field name means one object in both versions, but for `items`; `taxes` and `tax_totals` are v2's own.
const NESTED_V2: Nested = {
  ...NESTED_V1,
  items: LINE_FIELDS_V2,
  taxes: TAX_COMPONENT_FIELDS,
  tax_totals: TAX_TOTAL_FIELDS,
};

function canonicalObject(object: object, fields: readonly string[], nested: Nested): string {
  const values = object as Record<string, unknown>;
  return `{${fields.map((field) => `${JSON.stringify(field)}:${canonicalValue(values[field], nested[field], nested)}`).join(',')}}`;
}

function canonicalValue(value: unknown, fields: readonly string[] | undefined, nested: Nested): string {
  if (fields === undefined || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item: object) => canonicalObject(item, fields, nested)).join(',')}]`;
  return canonicalObject(value as object, fields, nested);
}

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
function inContractOrder(message: AnyTransactionMessage): boolean {
  if (message.schema_version === 2) return inContractOrderV2(message);
  if (
    !keysAre(message, TRANSACTION_FIELDS) ||
    !keysAre(message.store, STORE_FIELDS) ||
    !keysAre(message.payment, PAYMENT_FIELDS)
  ) {
    return false;
  }
  if (message.customer !== null && !keysAre(message.customer, CUSTOMER_FIELDS)) return false;
  for (const item of message.items) if (!keysAre(item, LINE_FIELDS)) return false;
  return true;
}

/** inContractOrder for v2: its own lists, and the tax components and totals too. */
function inContractOrderV2(message: TransactionMessageV2): boolean {
  if (
    !keysAre(message, TRANSACTION_FIELDS_V2) ||
    !keysAre(message.store, STORE_FIELDS) ||
    !keysAre(message.payment, PAYMENT_FIELDS)
  ) {
    return false;
  }
  if (message.customer !== null && !keysAre(message.customer, CUSTOMER_FIELDS)) return false;
  for (const item of message.items) {
    if (!keysAre(item, LINE_FIELDS_V2)) return false;
    for (const component of item.taxes) if (!keysAre(component, TAX_COMPONENT_FIELDS)) return false;
  }
  for (const total of message.tax_totals) if (!keysAre(total, TAX_TOTAL_FIELDS)) return false;
  return true;
}

/**
 * SHA-256 of the canonical JSON: equal for a replay, different for a changed message with the same
 * id. `text`, the message as it arrived, is hashed itself when it is the canonical JSON already
 * (what the simulator sends): writing that out again took half of the hashing's time.
 */
export function payloadHash(message: AnyTransactionMessage, text?: string): Buffer {
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
function isCanonicalText(text: string, message: AnyTransactionMessage): boolean {
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
