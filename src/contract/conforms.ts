import { fullFormats } from 'ajv-formats/dist/formats.js';
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
} from './message.ts';

/**
 * A quick test that a message certainly conforms to the JSON Schema of its version
 * (schemas/pos-transaction.v1.json, .v2.json), written out by hand for the messages that arrive every day.
 *
 * It may say false of a message that conforms (text outside the Basic Multilingual Plane): the
 * caller then asks the schema itself, which also describes what is wrong. It never
 * says true of a message the schema refuses; a differential test holds it to that
 * (test/unit/contract/conforms.test.ts). On a message just parsed it takes about
 * a third of the compiled schema's time, which builds a path and bookkeeping objects for every
 * line, an error object for every `anyOf` branch not taken, and splits and matches the date-time.
 */
export function surelyConforms(candidate: unknown): candidate is AnyTransactionMessage {
  if (candidate === null || typeof candidate !== 'object') return false;
  const message = candidate as Record<string, unknown>;
  const version = message.schema_version;
  // Version 2 is version 1 with `taxes` on each line and `tax_totals`: the rest is checked alike.
  if (version === 1) {
    if (!isRecord(candidate, TRANSACTION_KEYS)) return false;
  } else if (version !== 2 || !isRecord(candidate, TRANSACTION_KEYS_V2) || !isTaxTotals(message.tax_totals)) return false;
  if (!isUuid(message.transaction_id)) return false;
  const original = message.original_transaction_id;
  if (message.type === 'sale') {
    if (original !== null) return false;
  } else if (message.type !== 'return' || !isUuid(original)) return false;
  if (!isOccurredAt(message.occurred_at)) return false;
  if (!isStore(message.store)) return false;
  if (!isText(message.register_id, ID_LENGTH) || !isText(message.cashier_id, ID_LENGTH)) return false;
  if (message.customer !== null && !isCustomer(message.customer)) return false;
  if (typeof message.currency !== 'string' || !CURRENCY.test(message.currency)) return false;
  const items = message.items;
  if (!Array.isArray(items) || items.length < 1 || items.length > 200) return false;
  if (version === 1) {
    for (let i = 0; i < items.length; i++) if (!isLine(items[i])) return false;
  } else for (let i = 0; i < items.length; i++) if (!isLineV2(items[i])) return false;
  return (
    isMoney(message.subtotal) &&
    isMoney(message.discount_total) &&
    isMoney(message.tax_total) &&
    isMoney(message.total) &&
    isPayment(message.payment)
  );
}

const TRANSACTION_KEYS = new Set<string>(TRANSACTION_FIELDS);
const STORE_KEYS = new Set<string>(STORE_FIELDS);
const CUSTOMER_KEYS = new Set<string>(CUSTOMER_FIELDS);
const LINE_KEYS = new Set<string>(LINE_FIELDS);
const PAYMENT_KEYS = new Set<string>(PAYMENT_FIELDS);
const TRANSACTION_KEYS_V2 = new Set<string>(TRANSACTION_FIELDS_V2);
const LINE_KEYS_V2 = new Set<string>(LINE_FIELDS_V2);
const TAX_COMPONENT_KEYS = new Set<string>(TAX_COMPONENT_FIELDS);
const TAX_TOTAL_KEYS = new Set<string>(TAX_TOTAL_FIELDS);

// The schema's patterns, as it states them (its regular expressions are compiled with the u flag).
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/u;
const OCCURRED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-5]\d\.\d{3}(Z|[+-]\d{2}:\d{2})$/u;
const COUNTRY = /^[A-Z]{2}$/u;
const TIME_ZONE = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/u;
const CURRENCY = /^[A-Z]{3}$/u;
const MONEY = /^-?(0|[1-9]\d{0,11})\.\d{2}$/u;
const QUANTITY = /^-?(0|[1-9]\d{0,5})(\.\d{1,3})?$/u;
const WHOLE_QUANTITY = /^-?[1-9]\d{0,5}$/u;
const TAX_RATE = /^0\.\d{4}$/u;
/** Contract v2's `rate`: a component's, and a line's `tax_rate`. */
const RATE_V2 = /^0\.\d{4,6}$/u;
const TAX_CODE = /^[A-Z][A-Z0-9-]{1,15}$/u;
const JURISDICTION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/u;
/** ajv-formats' own `email` (full mode), the one the schema's validator uses. */
const EMAIL = fullFormats.email as RegExp;

const ID_LENGTH = 64;
const MAX_TAXES = 8;
const MAX_TAX_TOTALS = 1600;
const TEXT_LENGTH = 200;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * An object (not an array) whose enumerable keys, inherited ones included as ajv counts them, are
 * among `keys`. That every key is there the checks of the values tell: each wants a value.
 */
function isRecord(value: unknown, keys: Set<string>): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const key in value) if (!keys.has(key)) return false;
  return true;
}

/**
 * The schema's `id` and `text`: 1 to `maxLength` characters, none of them a control character.
 * A string with any surrogate is left to the schema, which counts a pair as one character and
 * refuses one alone; without them, UTF-16 units are characters.
 */
function isText(value: unknown, maxLength: number): value is string {
  if (typeof value !== 'string') return false;
  const length = value.length;
  if (length < 1 || length > maxLength) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xdfff)) return false;
  }
  return true;
}

function isUuid(value: unknown): boolean {
  return typeof value === 'string' && UUID.test(value);
}

function isMoney(value: unknown): boolean {
  return typeof value === 'string' && MONEY.test(value);
}

/**
 * The schema's pattern (seconds to 59: no leap second) and ajv-formats' full `date-time`: a day
 * that exists, hours to 23, minutes to 59, an offset of at most 23:59.
 */
function isOccurredAt(value: unknown): boolean {
  if (typeof value !== 'string' || !OCCURRED_AT.test(value)) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month] as number))) return false;
  if (digits(value, 11, 2) > 23 || digits(value, 14, 2) > 59) return false;
  if (value.length === 24) return true; // ends in Z
  return digits(value, 24, 2) <= 23 && digits(value, 27, 2) <= 59;
}

/** The number written in ASCII digits at value[start, start + count), which the pattern has checked are digits. */
function digits(value: string, start: number, count: number): number {
  let number = 0;
  for (let i = start; i < start + count; i++) number = number * 10 + value.charCodeAt(i) - 48;
  return number;
}

function isStore(value: unknown): boolean {
  if (!isRecord(value, STORE_KEYS)) return false;
  const store = value as Record<string, unknown>;
  return (
    isText(store.store_id, ID_LENGTH) &&
    isText(store.name, TEXT_LENGTH) &&
    isText(store.city, TEXT_LENGTH) &&
    isText(store.region, TEXT_LENGTH) &&
    typeof store.country === 'string' &&
    COUNTRY.test(store.country) &&
    typeof store.timezone === 'string' &&
    store.timezone.length <= 64 &&
    TIME_ZONE.test(store.timezone)
  );
}

function isCustomer(value: unknown): boolean {
  if (!isRecord(value, CUSTOMER_KEYS)) return false;
  const customer = value as Record<string, unknown>;
  const tier = customer.loyalty_tier;
  return (
    isText(customer.customer_id, ID_LENGTH) &&
    isText(customer.name, TEXT_LENGTH) &&
    typeof customer.email === 'string' &&
    customer.email.length <= 254 &&
    EMAIL.test(customer.email) &&
    (tier === 'none' || tier === 'silver' || tier === 'gold' || tier === 'platinum')
  );
}

function isLine(value: unknown): boolean {
  if (!isRecord(value, LINE_KEYS)) return false;
  const line = value as Record<string, unknown>;
  return typeof line.tax_rate === 'string' && TAX_RATE.test(line.tax_rate) && isLineBody(line);
}

/** A v2 line: v1's fields, with a rate of 4 to 6 places, and its tax components. */
function isLineV2(value: unknown): boolean {
  if (!isRecord(value, LINE_KEYS_V2)) return false;
  const line = value as Record<string, unknown>;
  if (typeof line.tax_rate !== 'string' || !RATE_V2.test(line.tax_rate) || !isLineBody(line)) return false;
  const taxes = line.taxes;
  if (!Array.isArray(taxes) || taxes.length > MAX_TAXES) return false;
  for (let i = 0; i < taxes.length; i++) if (!isTaxComponent(taxes[i])) return false;
  return true;
}

/** The fields v1 and v2 lines share, `tax_rate` apart. */
function isLineBody(line: Record<string, unknown>): boolean {
  const lineNo = line.line_no;
  const { unit, quantity } = line;
  if (typeof lineNo !== 'number' || !Number.isInteger(lineNo) || lineNo < 1 || lineNo > 200) return false;
  if (typeof quantity !== 'string') return false;
  if (unit === 'each') {
    if (!WHOLE_QUANTITY.test(quantity)) return false;
  } else if (unit !== 'kg' || !QUANTITY.test(quantity)) return false;
  return (
    isText(line.sku, ID_LENGTH) &&
    isText(line.name, TEXT_LENGTH) &&
    isText(line.category, TEXT_LENGTH) &&
    isText(line.brand, TEXT_LENGTH) &&
    isMoney(line.unit_price) &&
    isMoney(line.discount) &&
    isMoney(line.tax) &&
    isMoney(line.line_total)
  );
}

function isPayment(value: unknown): boolean {
  if (!isRecord(value, PAYMENT_KEYS)) return false;
  const payment = value as Record<string, unknown>;
  const { method, card_brand: brand, tendered, change } = payment;
  if (!isMoney(payment.amount)) return false;
  if (method === 'credit_card' || method === 'debit_card') {
    if (!isText(brand, ID_LENGTH)) return false;
  } else if (brand !== null) return false;
  if (method === 'cash') return isMoney(tendered) && isMoney(change);
  if (method !== 'credit_card' && method !== 'debit_card' && method !== 'mobile_wallet' && method !== 'gift_card') return false;
  return tendered === null && change === null;
}

function isTaxComponent(value: unknown): boolean {
  if (!isRecord(value, TAX_COMPONENT_KEYS)) return false;
  const component = value as Record<string, unknown>;
  return (
    isTaxName(component.code, component.jurisdiction) &&
    typeof component.rate === 'string' &&
    RATE_V2.test(component.rate) &&
    isMoney(component.amount)
  );
}

function isTaxTotals(value: unknown): boolean {
  if (!Array.isArray(value) || value.length > MAX_TAX_TOTALS) return false;
  for (let i = 0; i < value.length; i++) {
    if (!isRecord(value[i], TAX_TOTAL_KEYS)) return false;
    const total = value[i] as Record<string, unknown>;
    if (!isTaxName(total.code, total.jurisdiction) || !isMoney(total.amount)) return false;
  }
  return true;
}

function isTaxName(code: unknown, jurisdiction: unknown): boolean {
  return typeof code === 'string' && TAX_CODE.test(code) && typeof jurisdiction === 'string' && JURISDICTION.test(jurisdiction);
}
