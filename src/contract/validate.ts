import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { formatMoney, lineAmounts, MONEY_PLACES, parseFixed, QUANTITY_PLACES, RATE_PLACES } from '../domain/money.ts';
import { formatOffset, timeZone } from '../domain/time-zone.ts';
import { surelyConforms } from './conforms.ts';
import { SCHEMA_VERSION, type TransactionMessage } from './message.ts';

/** The JSON Schema of contract v1, shared with anyone who consumes the topic. */
export const SCHEMA_PATH = new URL('../../schemas/pos-transaction.v1.json', import.meta.url);

/** Why a message was not accepted; stored with the message in the dead-letter table and topic. */
export const DEAD_LETTER_CODES = [
  'too_large',
  'invalid_utf8',
  'invalid_json',
  'unknown_version',
  'schema',
  'arithmetic',
  'conflict',
  /** Valid by the contract, refused by PostgreSQL all the same: a safety net (the contract's bounds fit the columns). */
  'database',
  /** Preparing it threw, or crashed the preparing thread: a case the checks above missed, isolated so that the rest lands. */
  'unprocessable',
  /** Dated before the first local date whose facts the warehouse holds (`pos db prune`): a replay could not be told from a new transaction. */
  'pruned',
] as const;
export type DeadLetterCode = (typeof DEAD_LETTER_CODES)[number];

export type Verdict =
  | {
      ok: true;
      message: TransactionMessage;
      /** The message as it arrived, when it came as bytes (payloadHash may hash it). */
      text?: string;
    }
  | { ok: false; code: DeadLetterCode; detail: string };

/** A POS transaction of 200 lines is about 60 KB; anything over this is not one. */
export const MAX_MESSAGE_BYTES = 512 * 1024;

/** Dead-letter details are at most this many characters, so they never carry much of the message they describe. */
export const MAX_DETAIL_LENGTH = 1000;

/** The compiled JSON Schema, once something asks for it (importing the package compiles nothing). */
let schemaValidator: ValidateFunction<TransactionMessage> | undefined;

/** The compiled JSON Schema: compiled on the first call (some 100 ms), the same function after. */
function compiledSchema(): ValidateFunction<TransactionMessage> {
  if (schemaValidator) return schemaValidator;
  // `verbose` puts the offending value on the error, for the detail of a forbidden character.
  const ajv = new Ajv2020({ allErrors: false, strict: true, verbose: true });
  (addFormats as unknown as (instance: Ajv2020) => void)(ajv);
  schemaValidator = ajv.compile<TransactionMessage>(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  return schemaValidator;
}

/** Whether the JSON Schema has been compiled in this thread yet (a diagnostic: importing compiles nothing). */
export function schemaCompiled(): boolean {
  return schemaValidator !== undefined;
}

/** The compiled JSON Schema's own verdict, without the quick path in front of it (for the tests that hold the two together). */
export function matchesSchema(candidate: unknown): boolean {
  return compiledSchema()(candidate);
}

/** Raw bytes from the topic → a valid message, or the dead-letter code and a detail that says what is wrong. */
export function decodeTransaction(value: Uint8Array | null | undefined): Verdict {
  if (!value || value.length === 0) return rejected('invalid_json', 'the message has no value');
  if (value.length > MAX_MESSAGE_BYTES)
    return rejected('too_large', `${value.length} bytes, over the limit of ${MAX_MESSAGE_BYTES}`);
  // Checked first, then decoded without checks: several times faster than a fatal TextDecoder.
  if (!isUtf8(value)) return rejected('invalid_utf8', 'the value is not valid UTF-8');
  let text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark, as TextDecoder would drop it
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8's message quotes a piece of the text, which may hold anything: rejected() bounds and escapes it.
    return rejected('invalid_json', (error as Error).message);
  }
  const verdict = validateTransaction(parsed);
  if (verdict.ok) verdict.text = text;
  return verdict;
}

/** An already parsed message → valid, or why not (version, schema, time zone, then arithmetic). */
export function validateTransaction(candidate: unknown): Verdict {
  if (candidate !== null && typeof candidate === 'object' && !Array.isArray(candidate)) {
    const version = (candidate as { schema_version?: unknown }).schema_version;
    if (version !== undefined && version !== SCHEMA_VERSION) {
      return rejected('unknown_version', `schema_version ${JSON.stringify(version)}; this consumer reads ${SCHEMA_VERSION}`);
    }
  }
  if (!surelyConforms(candidate)) {
    const schema = schemaValidator ?? compiledSchema();
    if (!schema(candidate)) return rejected('schema', schemaProblem(mostSpecific(schema.errors ?? [])));
  }
  const zoneProblem = timeZoneProblem(candidate);
  if (zoneProblem) return rejected('schema', zoneProblem);
  const problem = arithmeticProblem(candidate);
  return problem ? rejected('arithmetic', problem) : { ok: true, message: candidate };
}

/**
 * A dead-letter detail as stored and sent: control characters and unpaired surrogates escaped
 * (PostgreSQL refuses NUL in text, and a detail may quote the message), at most
 * MAX_DETAIL_LENGTH characters.
 */
export function boundedDetail(detail: string): string {
  const escaped = detail.replace(FORBIDDEN_CHARACTERS, (character) => `\\u${hex4(character.charCodeAt(0))}`);
  if (escaped.length <= MAX_DETAIL_LENGTH) return escaped;
  let end = MAX_DETAIL_LENGTH - 1;
  if (isHighSurrogate(escaped.charCodeAt(end - 1))) end--;
  return `${escaped.slice(0, end)}…`;
}

function rejected(code: DeadLetterCode, detail: string): Verdict {
  return { ok: false, code, detail: boundedDetail(detail) };
}

/**
 * What no text field may contain: the control characters (General Category Cc: U+0000–U+001F
 * and U+007F–U+009F) and unpaired surrogates. The JSON Schema says the same with its `text` and
 * `id` patterns; this finds the character for the detail and escapes it in details.
 */
const FORBIDDEN_CHARACTERS = /[\p{Cc}\p{Cs}]/gu;

function schemaProblem(error: ErrorObject | undefined): string {
  const where = error?.instancePath || '(message)';
  if (where === '/occurred_at' && typeof error?.data === 'string' && LEAP_SECOND.test(error.data)) {
    return `/occurred_at ${error.data} is a leap second; the contract takes seconds 00–59 (a till's clock never shows :60)`;
  }
  if (error?.keyword === 'pattern' && typeof error.data === 'string' && TEXT_PATTERNS.has(error.schemaPath)) {
    const index = error.data.search(FORBIDDEN_CHARACTERS);
    if (index >= 0) {
      return `${where} contains U+${hex4(error.data.charCodeAt(index))} at character ${index + 1}; text may not contain control characters (U+0000–U+001F, U+007F–U+009F) or unpaired surrogates`;
    }
  }
  return `${where} ${error?.message ?? 'is invalid'}`;
}

/**
 * The error to report: the deepest in the message, leaving out the summary of an `anyOf` and
 * its "must be null" alternative (a customer with a bad name is not a customer that must be null).
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  const telling = errors.filter(
    (error) => error.keyword !== 'anyOf' && !(error.keyword === 'type' && /\/anyOf\/\d+\/type$/.test(error.schemaPath)),
  );
  let best: ErrorObject | undefined;
  for (const error of telling.length > 0 ? telling : errors) {
    if (!best || error.instancePath.length > best.instancePath.length) best = error;
  }
  return best;
}

/** A date-time whose seconds are 60, which RFC 3339 allows and the contract does not. */
const LEAP_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:60/;

/** The schema's patterns that forbid control characters in text. */
const TEXT_PATTERNS = new Set(['#/$defs/text/pattern', '#/$defs/id/pattern']);

/**
 * The store's zone must exist, and `occurred_at` must carry that zone's offset at that instant:
 * the warehouse takes the local date and hour from the text as written.
 */
function timeZoneProblem(message: TransactionMessage): string | undefined {
  const { timezone } = message.store;
  const zone = timeZone(timezone);
  if (!zone)
    return `/store/timezone ${JSON.stringify(timezone)} is not a time zone of the IANA database (such as America/New_York)`;
  const at = message.occurred_at;
  const instant = Date.parse(at);
  // The schema's pattern and format leave nothing Date.parse refuses; should that change, the message is refused, not the batch.
  if (Number.isNaN(instant)) return `/occurred_at ${at} is not a time this consumer can place`;
  const written = writtenOffsetMinutes(at);
  const actual = zone.minutesAt(instant);
  if (written === actual) return undefined;
  const local = new Date(instant + actual * 60_000).toISOString().slice(0, 23);
  return `/occurred_at ${at} has the offset ${formatOffset(written)}, but ${timezone} is at ${formatOffset(actual)} at that instant: the store's local time is ${local}${formatOffset(actual)}`;
}

/** The offset at the end of an RFC 3339 time the schema has accepted (`Z` or ±HH:MM), in minutes. */
function writtenOffsetMinutes(time: string): number {
  const length = time.length;
  if (time.charCodeAt(length - 1) === 90 /* Z */) return 0;
  const minutes = Number(time.slice(length - 5, length - 3)) * 60 + Number(time.slice(length - 2));
  return time.charCodeAt(length - 6) === 45 /* - */ ? -minutes : minutes;
}

/** A line's path in a problem's text (made only when there is a problem to tell). */
function itemPath(index: number): string {
  return `items[${index}]`;
}

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The contract's invariants, in exact integer arithmetic; the first one broken, or undefined. */
function arithmeticProblem(message: TransactionMessage): string | undefined {
  const money = (text: string) => parseFixed(text, MONEY_PLACES) as number;
  const sign = message.type === 'sale' ? 1 : -1;
  let subtotal = 0;
  let discountTotal = 0;
  let taxTotal = 0;
  const { items } = message;
  for (let i = 0; i < items.length; i++) {
    const line = items[i] as (typeof items)[number];
    if (line.line_no !== i + 1) return `${itemPath(i)}.line_no is ${line.line_no}; lines are numbered 1, 2, 3… in order`;
    const quantity = parseFixed(line.quantity, QUANTITY_PLACES) as number;
    const unitPrice = money(line.unit_price);
    const discount = money(line.discount);
    const rate = parseFixed(line.tax_rate, RATE_PLACES) as number;
    if (quantity * sign <= 0)
      return `${itemPath(i)}.quantity ${line.quantity} must be ${sign > 0 ? 'positive in a sale' : 'negative in a return'}`;
    if (unitPrice < 0) return `${itemPath(i)}.unit_price ${line.unit_price} is negative`;
    if (discount * sign < 0) return `${itemPath(i)}.discount ${line.discount} has the wrong sign for a ${message.type}`;
    const expected = lineAmounts(quantity, unitPrice, discount, rate);
    if (Math.abs(discount) > Math.abs(expected.gross))
      return `${itemPath(i)}.discount ${line.discount} exceeds the line's amount`;
    if (money(line.line_total) !== expected.lineTotal) {
      return `${itemPath(i)}.line_total is ${line.line_total}; round(quantity × unit_price, 2) − discount is ${formatMoney(expected.lineTotal)}`;
    }
    if (money(line.tax) !== expected.tax) {
      return `${itemPath(i)}.tax is ${line.tax}; round(line_total × tax_rate, 2) is ${formatMoney(expected.tax)}`;
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
