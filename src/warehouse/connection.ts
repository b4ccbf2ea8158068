import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { DatabaseConfig } from '../plumbing/config.ts';
import type { CopyText } from './copy.ts';
import type * as schema from './schema.ts';

/** Raw, parameterised SQL: the hot path and the reports speak SQL directly. */
export interface SqlRunner {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

/** A database transaction's connection: SQL, and COPY of rows in its text format. */
export interface TransactionRunner extends SqlRunner {
  copyFrom(target: string, text: CopyText): Promise<void>;
}

/** Anything with node-postgres' `query` (a pool, a client, PGlite or its transaction) as a SqlRunner. */
export function sqlRunner(client: { query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[] }> }): SqlRunner {
  return {
    query: async <Row extends Record<string, unknown>>(text: string, params?: unknown[]) =>
      (await client.query<Row>(text, params)).rows,
  };
}

/**
 * A connection to the warehouse, whatever the database behind it: a PostgreSQL server (a pool of
 * node-postgres connections) or the embedded PGlite. The same SQL runs on both; which one is
 * in use is a driver switch made in database.ts, and nothing else in the project depends on it.
 */
export interface Warehouse extends SqlRunner {
  config: DatabaseConfig;
  /** Drizzle over the same connections, for migrations and typed queries. */
  db: PgDatabase<PgQueryResultHKT, typeof schema>;
  /** `user@host:port/database` or `embedded PostgreSQL (PGlite) in …`, never with a password. */
  description: string;
  /** Runs `work` in one database transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: TransactionRunner) => Promise<T>): Promise<T>;
  /** Runs `work` on one dedicated connection (session-level locks, for instance). */
  withConnection<T>(work: (connection: SqlRunner & { db: Warehouse['db'] }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
