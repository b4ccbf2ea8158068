import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { formatOffset, timeZone } from '../domain/time-zone.ts';
import { arithmeticProblem } from './arithmetic.ts';
import { surelyConforms } from './conforms.ts';
import { type AnyTransactionMessage, SCHEMA_VERSIONS, type SchemaVersion } from './message.ts';

/** The JSON Schema of each contract version, shared with anyone who consumes the topic. */
export const SCHEMA_PATHS: Readonly<Record<SchemaVersion, URL>> = {
  1: new URL('../../schemas/pos-transaction.v1.json', import.meta.url),
  2: new URL('../../schemas/pos-transaction.v2.json', import.meta.url),
};

/** The JSON Schema of contract v1. */
export const SCHEMA_PATH = SCHEMA_PATHS[1];

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
      /** Of any version this consumer reads: `schema_version` tells which. */
      message: AnyTransactionMessage;
      /** The message as it arrived, when it came as bytes (payloadHash may hash it). */
      text?: string;
    }
  | { ok: false; code: DeadLetterCode; detail: string };

/** A POS transaction of 200 lines is about 60 KB; anything over this is not one. */
export const MAX_MESSAGE_BYTES = 512 * 1024;

/** Dead-letter details are at most this many characters, so they never carry much of the message they describe. */
export const MAX_DETAIL_LENGTH = 1000;

/**
 * Each version's compiled JSON Schema, once something asks for it (importing the package compiles
 * nothing, and a topic of v1 messages only never compiles v2's).
 */
const schemaValidators = new Map<SchemaVersion, ValidateFunction<AnyTransactionMessage>>();

/** A version's compiled JSON Schema: compiled on the first call (some 100 ms), the same function after. */
function compiledSchema(version: SchemaVersion): ValidateFunction<AnyTransactionMessage> {
  let validator = schemaValidators.get(version);
  if (validator) return validator;
  // `verbose` puts the offending value on the error, for the detail of a forbidden character.
  const ajv = new Ajv2020({ allErrors: false, strict: true, verbose: true });
  (addFormats as unknown as (instance: Ajv2020) => void)(ajv);
  validator = ajv.compile<AnyTransactionMessage>(JSON.parse(readFileSync(SCHEMA_PATHS[version], 'utf8')));
  schemaValidators.set(version, validator);
  return validator;
}

/** Whether a JSON Schema (this version's, or any) has been compiled in this thread yet (a diagnostic: importing compiles nothing). */
export function schemaCompiled(version?: SchemaVersion): boolean {
  return version === undefined ? schemaValidators.size > 0 : schemaValidators.has(version);
}

/**
 * The compiled JSON Schema's own verdict, without the quick path in front of it (for the tests
 * that hold the two together): the schema of `version`, by default the one the candidate is
 * checked against (its own version's; v1's when it names none this consumer reads).
 */
export function matchesSchema(candidate: unknown, version: SchemaVersion = schemaVersionOf(candidate) ?? 1): boolean {
  return compiledSchema(version)(candidate);
}

/** The candidate's `schema_version` when it is one this consumer reads. */
function schemaVersionOf(candidate: unknown): SchemaVersion | undefined {
  if (candidate === null || typeof candidate !== 'object') return undefined;
  const version = (candidate as { schema_version?: unknown }).schema_version;
  return (SCHEMA_VERSIONS as readonly unknown[]).includes(version) ? (version as SchemaVersion) : undefined;
}

/** Raw bytes from the topic → a valid message, or the dead-letter code and a detail that says what is wrong. */
export function decodeTransaction(
  value: Uint8Array | null | undefined,
  versions: readonly SchemaVersion[] = SCHEMA_VERSIONS,
): Verdict {
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
  const verdict = validateTransaction(parsed, versions);
  if (verdict.ok) verdict.text = text;
  return verdict;
}

/** A `schema_version` as written, in a detail: a value, never a whole (perhaps deeply nested) structure. */
function writtenVersion(written: unknown): string {
  if (written === null || typeof written !== 'object') return JSON.stringify(written) ?? String(written);
  return Array.isArray(written) ? 'an array' : 'an object';
}

/**
 * An already parsed message → valid, or why not (version, schema, time zone, then arithmetic).
 * Each version is held to its own schema; one without `schema_version` (or not an object) to
 * v1's, which says what is missing as well as any.
 */
export function validateTransaction(candidate: unknown, versions: readonly SchemaVersion[] = SCHEMA_VERSIONS): Verdict {
  const version = schemaVersionOf(candidate);
  if (candidate !== null && typeof candidate === 'object' && !Array.isArray(candidate)) {
    const written = (candidate as { schema_version?: unknown }).schema_version;
    if (written !== undefined && (version === undefined || !versions.includes(version))) {
      return rejected(
        'unknown_version',
        `schema_version ${writtenVersion(written)}; this consumer reads ${versionList(versions)}`,
      );
    }
  }
  if (!surelyConforms(candidate)) {
    const schema = compiledSchema(version ?? 1);
    if (!schema(candidate)) return rejected('schema', schemaProblem(mostSpecific(schema.errors ?? [])));
  }
  const zoneProblem = timeZoneProblem(candidate);
  if (zoneProblem) return rejected('schema', zoneProblem);
  const problem = arithmeticProblem(candidate);
  return problem ? rejected('arithmetic', problem) : { ok: true, message: candidate };
}

/** "1 and 2", or "only 1" when told to read fewer than it knows (`pos consume --contract 1`): for a detail. */
function versionList(versions: readonly SchemaVersion[]): string {
  if (versions.length < SCHEMA_VERSIONS.length) return `only ${versions.join(', ')} (pos consume --contract)`;
  return versions.length === 1 ? String(versions[0]) : `${versions.slice(0, -1).join(', ')} and ${versions.at(-1)}`;
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
function timeZoneProblem(message: AnyTransactionMessage): string | undefined {
  return offsetProblem(message.occurred_at, message.store.timezone, '/store/timezone');
}

/**
 * Why `occurred_at` (accepted by the schema's pattern) does not carry the offset of `timezone` at
 * that instant, or why the zone is none of the IANA database's (`zonePath` names the field); the
 * check of both contracts, sales and inventory.
 */
export function offsetProblem(at: string, timezone: string, zonePath: string): string | undefined {
  const zone = timeZone(timezone);
  if (!zone) return `${zonePath} ${JSON.stringify(timezone)} is not a time zone of the IANA database (such as America/New_York)`;
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

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
