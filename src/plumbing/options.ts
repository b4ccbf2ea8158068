import { ConfigError } from './errors.ts';

/**
 * What an option may be, said once: the library's functions check the options they are given up
 * front with it (`checkOption`), and the CLI's flags parse their text into a value and check it
 * with the same rule (src/cli/flags.ts), so that both allow the same values and say so alike.
 */
export interface Rule<T> {
  /** What is allowed, to end "must be …" and "expected …": "a whole number from 1 to 20,000". */
  readonly expected: string;
  accepts(value: unknown): value is T;
}

function rule<T>(expected: string, accepts: (value: unknown) => boolean): Rule<T> {
  return { expected, accepts: accepts as (value: unknown) => value is T };
}

function formatted(value: number): string {
  return value.toLocaleString('en-US');
}

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): Rule<number> {
  return rule(
    `a whole number from ${formatted(min)} to ${formatted(max)}`,
    (value) => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
  );
}

/** A finite number above `bound` (of `unit`, when the option has one: "milliseconds"). */
export function numberAbove(bound: number, unit?: string): Rule<number> {
  return rule(
    `a number${unit ? ` of ${unit}` : ''} above ${formatted(bound)}`,
    (value) => typeof value === 'number' && Number.isFinite(value) && value > bound,
  );
}

/** A finite number of `min` or more (of `unit`, when the option has one). */
export function numberFrom(min: number, unit?: string): Rule<number> {
  return rule(
    `a number${unit ? ` of ${unit}` : ''} from ${formatted(min)} up`,
    (value) => typeof value === 'number' && Number.isFinite(value) && value >= min,
  );
}

/** One of these strings. */
export function oneOf<T extends string>(choices: readonly T[]): Rule<T> {
  return rule(`one of ${choices.join(', ')}`, (value) => choices.includes(value as T));
}

/** A string with at least one character besides spaces. */
export const NON_EMPTY_TEXT: Rule<string> = rule(
  'a non-empty string',
  (value) => typeof value === 'string' && value.trim() !== '',
);

/** Kafka's rule for topic names and for `group.instance.id`: 1 to 249 of a-z, A-Z, 0-9, ".", "_" and "-" (not "." or ".."). */
export function isKafkaName(value: unknown): value is string {
  return typeof value === 'string' && /^[a-zA-Z0-9._-]{1,249}$/.test(value) && value !== '.' && value !== '..';
}

/** A Kafka topic name. */
export const TOPIC_NAME: Rule<string> = rule(
  'a Kafka topic name: 1 to 249 characters from a-z, A-Z, 0-9, ".", "_" and "-" (not "." or "..")',
  isKafkaName,
);

/** A calendar date, YYYY-MM-DD, that exists. */
export const ISO_DATE: Rule<string> = rule('a date as YYYY-MM-DD, e.g. 2026-01-31', (value) => {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed) && new Date(parsed).toISOString().slice(0, 10) === value;
});

export const ARRAY: Rule<unknown[]> = rule('an array', (value) => Array.isArray(value));

export const FUNCTION: Rule<(...args: never[]) => unknown> = rule('a function', (value) => typeof value === 'function');

export const ABORT_SIGNAL: Rule<AbortSignal> = rule('an AbortSignal', (value) => value instanceof AbortSignal);

/** An object with these methods: `what` names it for people, "a Warehouse (from openWarehouse())". */
export function objectWith<T>(what: string, methods: readonly string[]): Rule<T> {
  return rule(
    what,
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
  );
}

/** A pino logger: what createLogger() makes. */
export const LOGGER: Rule<unknown> = objectWith('a Logger (from createLogger(), or any pino logger)', [
  'info',
  'warn',
  'error',
  'debug',
  'child',
  'isLevelEnabled',
]);

/** An object, to hold the options: checked before the options themselves. */
export const OPTIONS_OBJECT: Rule<object> = rule(
  'an object of options',
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
);

/** A value as an error message shows it: short, and never the whole of a large one. */
export function shown(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return String(value);
}

/**
 * Checks an option of `where` (the function: "consume()") against its rule, up front: a
 * ConfigError that names the option and what it allows ("consume(): batchSize must be a whole
 * number from 1 to 20,000, not 0."), or nothing.
 */
export function checkOption<T>(where: string, name: string, value: unknown, rule: Rule<T>): asserts value is T {
  if (rule.accepts(value)) return;
  if (value === undefined) throw new ConfigError(`${where}: ${name} is missing; it must be ${rule.expected}.`);
  throw new ConfigError(`${where}: ${name} must be ${rule.expected}, not ${shown(value)}.`);
}

/** checkOption for an option that may be left out (undefined). */
export function checkOptionalOption<T>(
  where: string,
  name: string,
  value: unknown,
  rule: Rule<T>,
): asserts value is T | undefined {
  if (value !== undefined) checkOption(where, name, value, rule);
}
