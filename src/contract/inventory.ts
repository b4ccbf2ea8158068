import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { boundedDetail, type DeadLetterCode, offsetProblem } from './validate.ts';

/**
 * The inventory contract `pos.inventory.v1`: the stock movements of a store that are not sales or
 * returns (deliveries, and adjustments: opening stock, counts, unsellable returns written off), on
 * the topic `<topic>.Inventory` (docs/message-contract.md). Low volume, so every message goes
 * through the compiled JSON Schema, with no quick path in front of it.
 */

/** The `schema` header of an inventory message. */
export const INVENTORY_SCHEMA_NAME = 'pos.inventory.v1';
export const INVENTORY_SCHEMA_VERSION = 1;
/** The JSON Schema of the inventory contract, shared with anyone who consumes the topic. */
export const INVENTORY_SCHEMA_PATH = new URL('../../schemas/pos-inventory.v1.json', import.meta.url);

/**
 * An event of 10,000 lines with short skus is some 500 KB; this is the broker's default
 * `max.message.bytes` (less its record overhead), so anything the topic took with default settings
 * is read, and its dead letter fits the DLQ topic.
 */
export const MAX_INVENTORY_MESSAGE_BYTES = 1024 * 1024;
export const MAX_INVENTORY_LINES = 10_000;

export type InventoryType = 'receipt' | 'adjustment';
export type InventoryReason = 'delivery' | 'opening' | 'count' | 'unsellable_return';

export interface InventoryLine {
  sku: string;
  unit: 'each' | 'kg';
  /** Signed as the stock moves, in units (kg with up to 3 places); never zero. */
  quantity: string;
}

export interface InventoryEvent {
  schema_version: 1;
  /** A UUID, lower case once decoded. */
  event_id: string;
  type: InventoryType;
  reason: InventoryReason;
  occurred_at: string;
  store_id: string;
  timezone: string;
  /** A purchase order for a delivery, the return's transaction id for an unsellable return, else null. */
  reference: string | null;
  lines: InventoryLine[];
}

/** The fields in the contract's order: the order of the canonical JSON, and of what the simulator writes. */
export const INVENTORY_EVENT_FIELDS = [
  'schema_version',
  'event_id',
  'type',
  'reason',
  'occurred_at',
  'store_id',
  'timezone',
  'reference',
  'lines',
] as const satisfies readonly (keyof InventoryEvent)[];
export const INVENTORY_LINE_FIELDS = ['sku', 'unit', 'quantity'] as const satisfies readonly (keyof InventoryLine)[];

export type InventoryVerdict =
  | {
      ok: true;
      /** Rebuilt in the contract's order, with only its fields, `event_id` lower case. */
      event: InventoryEvent;
      /** SHA-256 of the canonical JSON: equal for a replay however it was spelled, different for other content. */
      hash: Buffer;
    }
  | { ok: false; code: DeadLetterCode; detail: string };

/**
 * Raw bytes from the inventory topic → a valid event and its payload hash, or the dead-letter code
 * and a detail that names the field. Never throws, for any bytes: the codes are the sales
 * contract's (a tombstone is `invalid_json`, as for sales).
 */
export function decodeInventoryEvent(value: Uint8Array | null | undefined): InventoryVerdict {
  try {
    if (!value || value.length === 0) return rejected('invalid_json', 'the message has no value');
    if (value.length > MAX_INVENTORY_MESSAGE_BYTES)
      return rejected('too_large', `${value.length} bytes, over the limit of ${MAX_INVENTORY_MESSAGE_BYTES}`);
    if (!isUtf8(value)) return rejected('invalid_utf8', 'the value is not valid UTF-8');
    let text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark, as the sales decoder drops it
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      // V8's message quotes a piece of the text, which may hold anything: rejected() bounds and escapes it.
      return rejected('invalid_json', (error as Error).message);
    }
    return validateInventoryEvent(parsed);
  } catch (error) {
    // A safety net, as the consumer's preparing thread has for sales: a case the checks above missed.
    return rejected('unprocessable', `checking the event threw: ${String(error)}`);
  }
}

/** An already parsed event → valid, or why not: version, schema, time zone, then the rules of the lines. */
export function validateInventoryEvent(candidate: unknown): InventoryVerdict {
  if (candidate !== null && typeof candidate === 'object' && !Array.isArray(candidate)) {
    const written = (candidate as { schema_version?: unknown }).schema_version;
    // Missing, it is the schema's to say so; 1.0 parses as 1 and is 1.
    if (written !== undefined && written !== INVENTORY_SCHEMA_VERSION) {
      return rejected('unknown_version', `schema_version ${shown(written)}; this consumer reads ${INVENTORY_SCHEMA_VERSION}`);
    }
  }
  const schema = compiledSchema();
  if (!schema(candidate)) return rejected('schema', schemaProblem(mostSpecific(schema.errors ?? [])));
  const problem = zoneProblem(candidate) ?? linesProblem(candidate);
  if (problem) return rejected('schema', problem);
  const event = canonicalInventoryEvent(candidate);
  return { ok: true, event, hash: sha256(JSON.stringify(event)) };
}

/** The event rebuilt with the contract's fields in its order, `event_id` lower case: what the payload hash is taken of. */
export function canonicalInventoryEvent(event: InventoryEvent): InventoryEvent {
  return {
    schema_version: event.schema_version,
    event_id: event.event_id.toLowerCase(),
    type: event.type,
    reason: event.reason,
    occurred_at: event.occurred_at,
    store_id: event.store_id,
    timezone: event.timezone,
    reference: event.reference,
    lines: event.lines.map((line) => ({ sku: line.sku, unit: line.unit, quantity: line.quantity })),
  };
}

/** Compact JSON of the canonical event: what the simulator writes, and what the payload hash hashes. */
export function canonicalInventoryJson(event: InventoryEvent): string {
  return JSON.stringify(canonicalInventoryEvent(event));
}

/** SHA-256 of the canonical JSON: the same event re-encoded (spacing, key order, case of the id, escapes) hashes equal. */
export function inventoryPayloadHash(event: InventoryEvent): Buffer {
  return sha256(canonicalInventoryJson(event));
}

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

let validator: ValidateFunction<InventoryEvent> | undefined;

/** The compiled JSON Schema: compiled on the first call, the same function after. */
function compiledSchema(): ValidateFunction<InventoryEvent> {
  if (validator) return validator;
  // `verbose` puts the offending value and its schema on the error, for the detail.
  const ajv = new Ajv2020({ allErrors: false, strict: true, verbose: true });
  (addFormats as unknown as (instance: Ajv2020) => void)(ajv);
  validator = ajv.compile<InventoryEvent>(JSON.parse(readFileSync(INVENTORY_SCHEMA_PATH, 'utf8')));
  return validator;
}

function rejected(code: DeadLetterCode, detail: string): InventoryVerdict {
  return { ok: false, code, detail: boundedDetail(detail) };
}

/** A value for a detail, short whatever it is: text quoted and cut, containers by kind (never serialized: they may nest deeper than the stack). */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === undefined) return 'missing';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? `an array of ${value.length} item${value.length === 1 ? '' : 's'}` : 'an object';
}

/**
 * What the schema wants of a field, in words, where its pattern or format alone would not tell: by
 * the failing pattern or format (a keyword's schema path is relative to a `$ref` Ajv compiles apart).
 */
const EXPECTED: Readonly<Record<string, string>> = {
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$':
    'a UUID such as 019a0c7e-8f00-7abc-8def-0123456789ab',
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:[0-5]\\d\\.\\d{3}(Z|[+-]\\d{2}:\\d{2})$':
    'an RFC 3339 date and time with milliseconds and a UTC offset, such as 2026-03-02T07:00:00.000-05:00',
  'date-time': 'a date and time that exists, such as 2026-03-02T07:00:00.000-05:00',
  '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$': 'the name of an IANA time zone, such as America/Toronto',
  '^-?(0|[1-9]\\d{0,5})(\\.\\d{1,3})?$': 'a decimal string of at most 999999.999 with up to 3 places, such as "12.500" or "-2"',
  '^-?[1-9]\\d{0,5}$': 'a whole number for unit each, at most 999999, such as "48" or "-2"',
};

/** The pattern of the schema's `text` and `id`, which forbids control characters and unpaired surrogates. */
const TEXT_PATTERN = '^[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$';
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cs}]/u;
const LEAP_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:60/;

/** The schema's error in words, naming the field (a JSON pointer into the message). */
function schemaProblem(error: ErrorObject | undefined): string {
  if (!error) return '(message) is invalid';
  const where = error.instancePath || '(message)';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${childPath(error.instancePath, String(params.missingProperty))} is missing`;
    case 'additionalProperties':
      return `${childPath(error.instancePath, String(params.additionalProperty))} is not a field of the contract`;
    case 'type': {
      const type = String(params.type);
      return `${where} is ${shown(error.data)}; expected ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
    }
    case 'enum':
    case 'const': {
      const allowed = error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue];
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return `${where} is ${shown(error.data)}; ${description ?? `expected ${allowed.map((value) => JSON.stringify(value)).join(' or ')}`}`;
    }
    case 'minItems':
    case 'maxItems': {
      const { minItems, maxItems } = error.parentSchema as { minItems: number; maxItems: number };
      return `${where} has ${Array.isArray(error.data) ? error.data.length : '?'} items; expected ${minItems} to ${maxItems}`;
    }
  }
  if (typeof error.data === 'string') {
    if (error.instancePath === '/occurred_at' && LEAP_SECOND.test(error.data)) {
      return `/occurred_at ${shown(error.data)} is a leap second; the contract takes seconds 00–59 (a clock never shows :60)`;
    }
    if (params.pattern === TEXT_PATTERN) {
      const index = error.data.search(FORBIDDEN_CHARACTER);
      if (index >= 0) {
        return `${where} contains U+${hex4(error.data.charCodeAt(index))} at character ${index + 1}; text may not contain control characters (U+0000–U+001F, U+007F–U+009F) or unpaired surrogates`;
      }
    }
    const expected = EXPECTED[String(params.pattern ?? params.format)];
    if (expected) return `${where} is ${shown(error.data)}; expected ${expected}`;
  }
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** A property's JSON pointer below its object's (`~` and `/` escaped as RFC 6901 says). */
function childPath(parent: string, property: string): string {
  return `${parent}/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/**
 * The error to report: the deepest in the message, leaving out the summary of an `anyOf`, its
 * "must be null" alternative (a bad reference is not one that must be null) and the summary of an
 * `if` whose `then` or `else` said what is wrong.
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  const telling = errors.filter(
    (error) =>
      error.keyword !== 'anyOf' &&
      error.keyword !== 'if' &&
      !(error.keyword === 'type' && /\/anyOf\/\d+\/type$/.test(error.schemaPath)),
  );
  let best: ErrorObject | undefined;
  for (const error of telling.length > 0 ? telling : errors) {
    if (!best || error.instancePath.length > best.instancePath.length) best = error;
  }
  return best;
}

/**
 * The zone must exist, and `occurred_at` carry its offset at that instant (the sales contract's
 * check): the warehouse takes the local date from the text as written.
 */
function zoneProblem(event: InventoryEvent): string | undefined {
  return offsetProblem(event.occurred_at, event.timezone, '/timezone');
}

/** The sign each reason's quantities must have (the schema ties each reason to its type); a count may go either way. */
const SIGN_RULES: Readonly<Record<InventoryReason, { sign: 1 | -1; rule: string } | undefined>> = {
  delivery: { sign: 1, rule: 'a delivery adds stock: its quantities are positive' },
  opening: { sign: 1, rule: 'opening stock is positive' },
  unsellable_return: { sign: -1, rule: 'an unsellable return writes stock off: its quantities are negative' },
  count: undefined, // shrink is negative, an item found positive
};

/** What the schema cannot say of the lines: no quantity zero, the sign the reason wants, each sku once. */
function linesProblem(event: InventoryEvent): string | undefined {
  const signRule = SIGN_RULES[event.reason];
  const firstLineOf = new Map<string, number>();
  for (const [index, line] of event.lines.entries()) {
    const sign = signOf(line.quantity);
    if (sign === 0) return `/lines/${index}/quantity is ${shown(line.quantity)}; a quantity is never zero`;
    if (signRule && sign !== signRule.sign) {
      return `/lines/${index}/quantity is ${shown(line.quantity)}; ${signRule.rule} (reason ${event.reason})`;
    }
    const first = firstLineOf.get(line.sku);
    if (first !== undefined) {
      return `/lines/${index}/sku ${shown(line.sku)} is also /lines/${first}/sku; an event has each sku at most once`;
    }
    firstLineOf.set(line.sku, index);
  }
  return undefined;
}

/** The sign of a quantity the schema has accepted (`-0.000` is zero). */
function signOf(quantity: string): -1 | 0 | 1 {
  if (/^-?0(\.0*)?$/.test(quantity)) return 0;
  return quantity.charCodeAt(0) === 45 /* - */ ? -1 : 1;
}

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}
