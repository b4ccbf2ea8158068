import { drizzle } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { type DatabaseConfig, describeDatabase } from '../config.ts';
import { errorMessage, UserError } from '../errors.ts';
import { type Logger, silentLogger } from '../logger.ts';
import { ConnectionUnavailable, classifyDatabaseError } from './failures.ts';
import * as schema from './schema.ts';

/** Raw, parameterised SQL: the hot path and the reports speak SQL directly. */
export interface SqlRunner {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

/** A connection to the warehouse, whatever the database behind it. */
export interface Warehouse extends SqlRunner {
  /** Drizzle over the same connections, for migrations and typed queries. */
  db: PgDatabase<PgQueryResultHKT, typeof schema>;
  /** `user@host:port/database`, never with a password. */
  description: string;
  /** Runs `work` in one database transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs `work` on one dedicated connection (session-level locks, for instance). */
  withConnection<T>(work: (connection: SqlRunner & { db: Warehouse['db'] }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenOptions {
  logger?: Logger;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  maxConnections?: number;
}

/** Opens a pool on the configured server and checks that it answers, explaining why if it does not. */
export async function openWarehouse(config: DatabaseConfig, options: OpenOptions = {}): Promise<Warehouse> {
  const logger = options.logger ?? silentLogger;
  const pool = new pg.Pool({
    ...(config.connectionString
      ? { connectionString: config.connectionString }
      : { host: config.host, port: config.port, database: config.database, user: config.user, password: config.password }),
    application_name: options.applicationName ?? 'pos-pipeline',
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection that the server drops must not crash the process; the next query reconnects.
  pool.on('error', (error) => logger.warn({ err: errorMessage(error) }, 'PostgreSQL dropped an idle connection'));
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw explainConnectionError(error, config);
  }
  const description = describeDatabase(config);
  logger.debug({ database: description }, 'Connected to PostgreSQL');

  const runner = (client: pg.Pool | pg.PoolClient): SqlRunner => ({
    query: async <Row extends Record<string, unknown>>(text: string, params?: unknown[]) =>
      (await client.query<Row>(text, params)).rows,
  });
  return {
    ...runner(pool),
    db: drizzle(pool, { schema }),
    description,
    async transaction(work) {
      return checkedOut(pool, async (client) => {
        await client.query('begin');
        try {
          const result = await work(runner(client));
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch(() => {});
          throw error;
        }
      });
    },
    withConnection: (work) => checkedOut(pool, (client) => work({ ...runner(client), db: drizzle(client, { schema }) })),
    close: () => pool.end(),
  };
}

/**
 * Runs `work` on a connection of its own. A connection that breaks meanwhile (the server went
 * away, or terminated it) is closed rather than returned to the pool; its error reaches `work`
 * through the query that was running, and must not crash the process as an unhandled event.
 */
async function checkedOut<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new ConnectionUnavailable(error);
  }
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    if (classifyDatabaseError(error) === 'transient') broken = true;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Turns a failed first connection into a message that names the server and says what to do. */
export function explainConnectionError(error: unknown, config: DatabaseConfig): UserError {
  const where = `PostgreSQL at ${config.host}:${config.port} (database "${config.database}", user "${config.user}", from ${config.source})`;
  const code = (error as { code?: string }).code;
  const settings =
    config.source === 'DATABASE_URL'
      ? 'DATABASE_URL'
      : 'PG_HOST, PG_PORT, PG_DATABASE, PG_USERNAME and PG_PASSWORD (or DATABASE_URL)';
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new UserError(`Cannot reach ${where}: ${errorMessage(error)}.`, {
        hint: `Start PostgreSQL there, or set ${settings} to a server that runs.`,
        cause: error,
      });
    case '28P01':
    case '28000':
      return new UserError(`${where} refused the login: ${errorMessage(error)}.`, {
        hint: `Check the user name and password in ${settings}.`,
        cause: error,
      });
    case '3D000':
      return new UserError(`${where}: the database does not exist.`, {
        hint: `Create it (createdb -h ${config.host} -p ${config.port} -U ${config.user} ${config.database}) or name another one in ${settings}.`,
        cause: error,
      });
    default:
      return new UserError(`Cannot connect to ${where}: ${errorMessage(error)}.`, {
        hint: `Check ${settings}.`,
        cause: error,
      });
  }
}
