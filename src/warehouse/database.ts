import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { type DatabaseConfig, describeDatabase, type ServerDatabaseConfig } from '../plumbing/config.ts';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import { type Logger, silentLogger } from '../plumbing/logger.ts';
import { type SqlRunner, sqlRunner, type Warehouse } from './connection.ts';
import { copyIntoServer } from './copy.ts';
import { ConnectionUnavailable, classifyDatabaseError } from './failures.ts';
import * as schema from './schema.ts';
import { driverTls, explainTlsError, serverRefusedTls, warnsOfPlaintext } from './tls.ts';
import { withoutTlsParameters } from './tls-settings.ts';

// What a connection is lives in connection.ts, which embedded.ts can import without importing this
// module back; re-exported so that callers keep importing it from here.
export { type SqlRunner, sqlRunner, type TransactionRunner, type Warehouse } from './connection.ts';

export interface OpenOptions {
  logger?: Logger;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  maxConnections?: number;
}

/** Opens the configured database and says in the log which one is in use. */
export async function openWarehouse(config: DatabaseConfig, options: OpenOptions = {}): Promise<Warehouse> {
  const logger = options.logger ?? silentLogger;
  const warehouse =
    config.kind === 'embedded'
      ? await (await import('./embedded.ts')).openEmbeddedWarehouse(config, logger)
      : await openServerWarehouse(config, options, logger);
  logger.info({ database: warehouse.description }, 'Using the warehouse database');
  return warehouse;
}

/** A pool on the configured server, checked to answer, with an explanation if it does not. */
async function openServerWarehouse(config: ServerDatabaseConfig, options: OpenOptions, logger: Logger): Promise<Warehouse> {
  const pool = await firstConnection(
    config,
    async (settings) => {
      const candidate = new pg.Pool({
        ...settings,
        application_name: options.applicationName ?? 'pos-pipeline',
        max: options.maxConnections ?? 4,
        connectionTimeoutMillis: 10_000,
      });
      try {
        await candidate.query('select 1');
        return candidate;
      } catch (error) {
        await candidate.end().catch(() => {});
        throw error;
      }
    },
    logger,
  );
  // An idle connection that the server drops must not crash the process; the next query reconnects.
  pool.on('error', (error) => logger.warn({ err: errorMessage(error) }, 'PostgreSQL dropped an idle connection'));

  return {
    ...sqlRunner(pool),
    config,
    db: drizzle(pool, { schema }),
    description: describeDatabase(config),
    async transaction(work) {
      return checkedOut(pool, async (client) => {
        await client.query('begin');
        try {
          const result = await work({
            ...sqlRunner(client),
            copyFrom: (target, text) => copyIntoServer(client, target, text),
          });
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch(() => {});
          throw error;
        }
      });
    },
    withConnection: (work) => checkedOut(pool, (client) => work({ ...sqlRunner(client), db: drizzle(client, { schema }) })),
    close: () => pool.end(),
  };
}

/**
 * node-postgres settings for a server: its URL when configured by one (to keep its other options),
 * else the parts; TLS always explicit (libpq's sslmode semantics, tls.ts), so that neither the URL
 * nor PGSSLMODE gives node-postgres' own meaning to an sslmode.
 */
function connectionSettings(config: ServerDatabaseConfig, ssl = driverTls(config.tls)): pg.ClientConfig {
  if (config.connectionString) return { connectionString: withoutTlsParameters(config.connectionString), ssl };
  return { host: config.host, port: config.port, database: config.database, user: config.user, password: config.password, ssl };
}

/**
 * Connects with `connect`, explaining a failure. With sslmode=prefer, a server that does not offer
 * TLS is connected to again without it, as libpq does; the choice then holds for the pool's life.
 */
async function firstConnection<T>(
  config: ServerDatabaseConfig,
  connect: (settings: pg.ClientConfig) => Promise<T>,
  logger: Logger = silentLogger,
): Promise<T> {
  try {
    const settings = connectionSettings(config);
    try {
      const connected = await connect(settings);
      warnIfPlaintext(config, settings.ssl !== false, logger);
      return connected;
    } catch (error) {
      if (config.tls.mode !== 'prefer' || !serverRefusedTls(error)) throw error;
      const connected = await connect(connectionSettings(config, false));
      warnIfPlaintext(config, false, logger);
      return connected;
    }
  } catch (error) {
    throw explainConnectionError(error, config);
  }
}

/** Servers already warned about, so that the warning comes once a process, not at every pool or connection. */
const warnedPlaintext = new Set<string>();

/** sslmode=prefer that ended in plaintext to another machine: said once, with what to set instead. */
function warnIfPlaintext(config: ServerDatabaseConfig, encrypted: boolean, logger: Logger): void {
  const server = `${config.host}:${config.port}`;
  if (!warnsOfPlaintext({ host: config.host, mode: config.tls.mode, encrypted }) || warnedPlaintext.has(server)) return;
  warnedPlaintext.add(server);
  logger.warn(
    { host: config.host, port: config.port, sslmode: `${config.tls.mode} (${config.tls.origin.mode})` },
    `PostgreSQL at ${server} does not offer TLS, so sslmode=prefer connected without it: queries and data cross the network unencrypted. ` +
      'Turn ssl on in the server and set sslmode=verify-full with sslrootcert (PG_SSLMODE, PG_SSLROOTCERT or DATABASE_URL parameters), ' +
      'or set sslmode=disable if the network between is trusted.',
  );
}

/** Runs `work` on a single connection outside any pool (the backup tools' checks), closing it after. */
export async function withServerClient<T>(config: ServerDatabaseConfig, work: (db: SqlRunner) => Promise<T>): Promise<T> {
  const client = await firstConnection(config, async (settings) => {
    const candidate = new pg.Client(settings);
    try {
      await candidate.connect();
      return candidate;
    } catch (error) {
      await candidate.end().catch(() => {});
      throw error;
    }
  });
  try {
    return await work(sqlRunner(client));
  } finally {
    await client.end();
  }
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
function explainConnectionError(error: unknown, config: ServerDatabaseConfig): UserError {
  const where = `PostgreSQL at ${config.host}:${config.port} (database "${config.database}", user "${config.user}", from ${config.source})`;
  const tlsProblem = explainTlsError(error, config, where);
  if (tlsProblem) return tlsProblem;
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
        hint: /no encryption/i.test(errorMessage(error))
          ? `The server accepts only TLS connections from here: set sslmode=require, or better verify-full with sslrootcert (PG_SSLMODE, PG_SSLROOTCERT or DATABASE_URL parameters).`
          : `Check the user name and password in ${settings}.`,
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
