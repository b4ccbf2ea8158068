import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { formatMoney, lineAmounts, MONEY_PLACES, parseFixed, QUANTITY_PLACES, RATE_PLACES } from '../money.ts';
import { SCHEMA_VERSION, type TransactionMessage } from './message.ts';

/** The JSON Schema of contract v1, shared with anyone who consumes the topic. */
export const SCHEMA_PATH = new URL('../../schemas/pos-transaction.v1.json', import.meta.url);

/** Why a message was not accepted; stored with the message in the dead-letter table and topic. */
export type DeadLetterCode =
  | 'too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'unknown_version'
  | 'schema'
  | 'arithmetic'
  | 'conflict'
  /** Valid by the contract, refused by PostgreSQL all the same: a safety net (the contract's bounds fit the columns). */
  | 'database';

export type Verdict = { ok: true; message: TransactionMessage } | { ok: false; code: DeadLetterCode; detail: string };

/** A POS transaction of 200 lines is about 60 KB; anything over this is not one. */
export const MAX_MESSAGE_BYTES = 512 * 1024;

const ajv = new Ajv2020({ allErrors: false, strict: true });
(addFormats as unknown as (instance: Ajv2020) => void)(ajv);
const schemaValidator = ajv.compile<TransactionMessage>(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Raw bytes from the topic → a valid message, or the dead-letter code and a detail that says what is wrong. */
export function decodeTransaction(value: Uint8Array | null | undefined): Verdict {
  if (!value || value.length === 0) return { ok: false, code: 'invalid_json', detail: 'the message has no value' };
  if (value.length > MAX_MESSAGE_BYTES) {
    return { ok: false, code: 'too_large', detail: `${value.length} bytes, over the limit of ${MAX_MESSAGE_BYTES}` };
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, code: 'invalid_utf8', detail: 'the value is not valid UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'invalid_json', detail: (error as Error).message };
  }
  return validateTransaction(parsed);
}

/** An already parsed message → valid, or why not (version, schema, then arithmetic). */
export function validateTransaction(candidate: unknown): Verdict {
  if (candidate !== null && typeof candidate === 'object' && !Array.isArray(candidate)) {
    const version = (candidate as { schema_version?: unknown }).schema_version;
    if (version !== undefined && version !== SCHEMA_VERSION) {
      return {
        ok: false,
        code: 'unknown_version',
        detail: `schema_version ${JSON.stringify(version)}; this consumer reads ${SCHEMA_VERSION}`,
      };
    }
  }
  if (!schemaValidator(candidate)) {
    const error = schemaValidator.errors?.[0];
    const where = error?.instancePath || '(message)';
    return { ok: false, code: 'schema', detail: `${where} ${error?.message ?? 'is invalid'}` };
  }
  const problem = arithmeticProblem(candidate);
  return problem ? { ok: false, code: 'arithmetic', detail: problem } : { ok: true, message: candidate };
}

/** The contract's invariants, in exact integer arithmetic; the first one broken, or undefined. */
function arithmeticProblem(message: TransactionMessage): string | undefined {
  const money = (text: string) => parseFixed(text, MONEY_PLACES) as number;
  const sign = message.type === 'sale' ? 1 : -1;
  let subtotal = 0;
  let discountTotal = 0;
  let taxTotal = 0;
  for (const [i, line] of message.items.entries()) {
    const at = `items[${i}]`;
    if (line.line_no !== i + 1) return `${at}.line_no is ${line.line_no}; lines are numbered 1, 2, 3… in order`;
    const quantity = parseFixed(line.quantity, QUANTITY_PLACES) as number;
    const unitPrice = money(line.unit_price);
    const discount = money(line.discount);
    const rate = parseFixed(line.tax_rate, RATE_PLACES) as number;
    if (quantity * sign <= 0)
      return `${at}.quantity ${line.quantity} must be ${sign > 0 ? 'positive in a sale' : 'negative in a return'}`;
    if (unitPrice < 0) return `${at}.unit_price ${line.unit_price} is negative`;
    if (discount * sign < 0) return `${at}.discount ${line.discount} has the wrong sign for a ${message.type}`;
    const expected = lineAmounts(quantity, unitPrice, discount, rate);
    if (Math.abs(discount) > Math.abs(expected.gross)) return `${at}.discount ${line.discount} exceeds the line's amount`;
    if (money(line.line_total) !== expected.lineTotal) {
      return `${at}.line_total is ${line.line_total}; round(quantity × unit_price, 2) − discount is ${formatMoney(expected.lineTotal)}`;
    }
    if (money(line.tax) !== expected.tax) {
      return `${at}.tax is ${line.tax}; round(line_total × tax_rate, 2) is ${formatMoney(expected.tax)}`;
    }
    subtotal += expected.lineTotal;
    discountTotal += discount;
    taxTotal += expected.tax;
  }
  const checks: [string, number, number][] = [
    ['subtotal', money(message.subtotal), subtotal],
    ['discount_total', money(message.discount_total), discountTotal],
    ['tax_total', money(message.tax_total), taxTotal],
    ['total', money(message.total), subtotal + taxTotal],
    ['payment.amount', money(message.payment.amount), subtotal + taxTotal],
  ];
  for (const [field, actual, expected] of checks) {
    if (actual !== expected) return `${field} is ${formatMoney(actual)}; the lines make it ${formatMoney(expected)}`;
  }
  if (message.payment.method === 'cash') {
    const tendered = money(message.payment.tendered as string);
    const change = money(message.payment.change as string);
    if (change !== tendered - money(message.total) || change < 0) {
      return `payment.change is ${message.payment.change}; tendered − total is ${formatMoney(tendered - money(message.total))} and must be ≥ 0`;
    }
  }
  if (message.type === 'return' && message.original_transaction_id?.toLowerCase() === message.transaction_id.toLowerCase()) {
    return 'a return cannot be its own original_transaction_id';
  }
  return undefined;
}
