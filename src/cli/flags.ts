import { InvalidArgumentError } from 'commander';
import { parsePort, parseTopicName } from '../plumbing/config.ts';
import { ISO_DATE, oneOf as oneOfRule, type Rule, wholeNumber } from '../plumbing/options.ts';

/**
 * Parsers for flag values: a bad value fails with commander's usage error (exit 2), which names
 * the flag; the message says what the flag takes. A flag that sets an option of the library checks
 * it with the option's own rule (src/plumbing/options.ts), as the library does.
 */
function invalid(message: string): never {
  throw new InvalidArgumentError(message);
}

export function port(value: string): number {
  try {
    return parsePort(value, 'the port');
  } catch (error) {
    invalid((error as Error).message);
  }
}

/** A port to listen on: 0 means any free one. */
export function listenPort(value: string): number {
  try {
    return parsePort(value, 'the port', { allowZero: true });
  } catch (error) {
    invalid((error as Error).message);
  }
}

export function topic(value: string): string {
  try {
    return parseTopicName(value, 'the topic');
  } catch (error) {
    invalid((error as Error).message);
  }
}

/** Text that follows `rule` (an option's rule). */
export function text(rule: Rule<string>): (value: string) => string {
  return (value) => {
    if (!rule.accepts(value)) invalid(`expected ${rule.expected}, not "${value}".`);
    return value;
  };
}

/**
 * A whole number that follows `rule` (an option's rule, or from `min` to `max`); underscores and
 * commas allowed as separators: 1_000_000.
 */
export function integer(rule: Rule<number>): (value: string) => number;
export function integer(min: number, max?: number): (value: string) => number;
export function integer(ruleOrMin: Rule<number> | number, max?: number): (value: string) => number {
  const rule = typeof ruleOrMin === 'number' ? wholeNumber(ruleOrMin, max) : ruleOrMin;
  return (value) => {
    const number = Number(value.replace(/[_,]/g, ''));
    if (!/^\d[\d_,]*$/.test(value) || !rule.accepts(number)) invalid(`expected ${rule.expected}, not "${value}".`);
    return number;
  };
}

/** A decimal number that follows `rule` (an option's rule). */
export function decimal(rule: Rule<number>): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !rule.accepts(number)) invalid(`expected ${rule.expected}, not "${value}".`);
    return number;
  };
}

/** A calendar date, YYYY-MM-DD. */
export function isoDate(value: string): string {
  if (!ISO_DATE.accepts(value)) invalid(`expected ${ISO_DATE.expected}, not "${value}".`);
  return value;
}

/** An instant: a date (YYYY-MM-DD, meaning its midnight UTC) or an ISO 8601 time with its offset (2026-01-31T18:00:00+01:00). */
export function instant(value: string): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${isoDate(value)}T00:00:00Z`);
  const parsed = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(parsed)) {
    invalid(`expected a date as YYYY-MM-DD or a time as 2026-01-31T18:00:00Z, not "${value}".`);
  }
  return new Date(parsed);
}

/** A row id: a whole number from 1. */
export function rowId(value: string): string {
  if (!/^[1-9]\d{0,17}$/.test(value)) invalid(`expected an id (a whole number from 1), not "${value}".`);
  return value;
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration: 500ms, 30s, 10m, 2h (a bare number is seconds). */
export function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  const amount = Number(match?.[1]);
  if (!match || !(amount > 0)) invalid(`expected a duration such as 30s, 10m or 2h, not "${value}".`);
  return Math.round(amount * (UNITS_MS[match[2] ?? 's'] ?? 1000));
}

export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  const rule = oneOfRule(choices);
  return (value) => {
    if (!rule.accepts(value)) invalid(`expected ${rule.expected}, not "${value}".`);
    return value;
  };
}

/** The seed of a run given no --seed: any 32-bit number (`pos simulate` prints it, to replay the run). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
