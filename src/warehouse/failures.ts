/**
 * How to react to an error while writing to PostgreSQL:
 * - `transient`: the server is away, busy or asked us to retry (connection lost, shutdown,
 *   serialization failure, deadlock): wait and retry the same batch;
 * - `fatal`: the configuration is wrong (no such database, no schema, no permission): stop and say so;
 * - `data`: the server refuses these rows (a data exception or a broken constraint): find the
 *   message it refuses and dead-letter it;
 * - `unexpected`: anything else, a bug among them: never a reason to dead-letter valid messages.
 */
export type FailureKind = 'transient' | 'fatal' | 'data' | 'unexpected';

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const TRANSIENT_STATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '58000', '58030']);
const FATAL_STATES = new Set(['3D000', '3F000', '42P01', '42501', '28000', '28P01']);
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection error/i,
  /not queryable/i,
  /server closed the connection/i,
];

/** Raised when no connection could be had from the server: always worth waiting out. */
export class ConnectionUnavailable extends Error {
  constructor(cause: unknown) {
    super(`no connection to PostgreSQL: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ConnectionUnavailable';
  }
}

export function classifyDatabaseError(error: unknown): FailureKind {
  if (error instanceof ConnectionUnavailable) {
    // A missing database or a refused login is not an outage.
    const cause = (error.cause as { code?: unknown })?.code;
    return typeof cause === 'string' && FATAL_STATES.has(cause) ? 'fatal' : 'transient';
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_STATES.has(code)) return 'transient';
    // Connection exceptions (08), insufficient resources (53), operator intervention (57).
    if (/^(08|53|57)/.test(code)) return 'transient';
    if (FATAL_STATES.has(code)) return 'fatal';
    // Data exceptions (22) and integrity constraint violations (23).
    if (/^(22|23)[0-9A-Z]{3}$/.test(code)) return 'data';
  }
  const message = error instanceof Error ? error.message : String(error);
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(message)) ? 'transient' : 'unexpected';
}
