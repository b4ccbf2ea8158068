import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { type KafkaConnection, kafkaSecurityFrom } from '../kafka/security.ts';
import { type DatabaseTls, DEFAULT_TLS, parseDatabaseTls, TLS_VARIABLES } from '../warehouse/tls-settings.ts';
import type { Environment } from './environment.ts';
import { ConfigError } from './errors.ts';
import { isKafkaName } from './options.ts';

const DEFAULT_TOPIC = 'PointOfSale';
export const DEFAULT_KAFKA_PORT = 9092;

export interface ServerDatabaseConfig {
  kind: 'server';
  /** Where the settings came from, for messages. */
  source: 'DATABASE_URL' | 'PG_* variables' | 'default';
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  /** Set when configured by DATABASE_URL, so that its query options reach the driver (the TLS ones are in `tls`). */
  connectionString: string | undefined;
  /** sslmode and the certificates, with libpq's meanings (src/warehouse/tls-settings.ts). */
  tls: DatabaseTls;
}

/** PostgreSQL compiled to WebAssembly (PGlite), in this process, persisted in a folder. */
export interface EmbeddedDatabaseConfig {
  kind: 'embedded';
  dataDir: string;
}

/** With neither DATABASE_URL nor PG_* set, the embedded database; otherwise the server they name. */
export type DatabaseConfig = ServerDatabaseConfig | EmbeddedDatabaseConfig;

/** The PostgreSQL server the prototype's PG_* defaults name: local, trust auth. */
export const LOCAL_SERVER: ServerDatabaseConfig = {
  kind: 'server',
  source: 'default',
  host: '127.0.0.1',
  port: 5432,
  database: 'postgres',
  user: 'postgres',
  password: undefined,
  connectionString: undefined,
  tls: DEFAULT_TLS,
};

/** The brokers and the security settings (src/kafka/security.ts), and whether `pos` manages the broker. */
export interface KafkaConfig extends KafkaConnection {
  /**
   * True when KAFKA_BROKERS (or bootstrap.servers in the client config) names a cluster we do not
   * manage: nothing is started or stopped.
   */
  external: boolean;
}

/** Where `/metrics`, `/healthz` and `/readyz` are served. */
export interface MetricsConfig {
  /** POS_METRICS_PORT: off when absent (for consume and simulate); 0 means any free port. */
  port: number | undefined;
  /** POS_METRICS_HOST: the address to bind, 127.0.0.1 by default (only this machine). */
  host: string;
}

/** The passwords `pos db grant` gives the roles it creates: POS_INGEST_PASSWORD and POS_READER_PASSWORD. */
export interface RolePasswords {
  ingest: string | undefined;
  reader: string | undefined;
}

export interface Config {
  database: DatabaseConfig;
  kafka: KafkaConfig;
  rolePasswords: RolePasswords;
  topic: string;
  /** POS_INVENTORY_TOPIC: the inventory topic, when not the sales topic's `TOPIC.Inventory`. */
  inventoryTopic: string | undefined;
  /** Project-local state: the local broker's data, the embedded database. */
  dataDir: string;
  logLevel: string;
  logFormat: 'pretty' | 'json' | undefined;
  metrics: MetricsConfig;
}

/**
 * The one config loader: the process environment, over a `.env` file in the working directory.
 * Flags are applied by each command on top of what this returns.
 */
export function loadConfig(options: { env?: Environment; cwd?: string } = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = { ...readDotEnv(cwd), ...(options.env ?? process.env) };
  const kafka = kafkaConfig(env, cwd);
  const dataDir = resolve(cwd, nonEmpty(env.POS_DATA_DIR) ?? '.pos');
  return {
    database: databaseConfig(env, dataDir, cwd),
    kafka,
    rolePasswords: { ingest: password(env.POS_INGEST_PASSWORD), reader: password(env.POS_READER_PASSWORD) },
    topic: parseTopicName(nonEmpty(env.POS_TOPIC) ?? DEFAULT_TOPIC, 'POS_TOPIC'),
    inventoryTopic: optionalTopicName(nonEmpty(env.POS_INVENTORY_TOPIC), 'POS_INVENTORY_TOPIC'),
    dataDir,
    logLevel: parseLogLevel(nonEmpty(env.LOG_LEVEL) ?? 'info'),
    logFormat: parseLogFormat(nonEmpty(env.LOG_FORMAT)),
    metrics: {
      port: parseOptionalPort(nonEmpty(env.POS_METRICS_PORT), 'POS_METRICS_PORT'),
      host: nonEmpty(env.POS_METRICS_HOST) ?? '127.0.0.1',
    },
  };
}

/** KAFKA_BROKERS, else bootstrap.servers of the client config (KAFKA_CONFIG), else the local broker. */
function kafkaConfig(env: Environment, cwd: string): KafkaConfig {
  const file = nonEmpty(env.KAFKA_CONFIG);
  const { security, bootstrapServers } = kafkaSecurityFrom(env, file, cwd);
  const kafkaBrokers = nonEmpty(env.KAFKA_BROKERS);
  if (kafkaBrokers) return { brokers: parseBrokerList(kafkaBrokers, 'KAFKA_BROKERS'), security, external: true };
  if (bootstrapServers) {
    return { brokers: parseBrokerList(bootstrapServers, `bootstrap.servers in ${file}`), security, external: true };
  }
  return { brokers: [`127.0.0.1:${DEFAULT_KAFKA_PORT}`], security, external: false };
}

function readDotEnv(cwd: string): Environment {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return {};
  try {
    return parseEnv(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read ${path}: ${(error as Error).message}`, 'Fix or remove the .env file.');
  }
}

function databaseConfig(env: Environment, dataDir: string, cwd: string): DatabaseConfig {
  const url = nonEmpty(env.DATABASE_URL);
  if (url) return parseDatabaseUrl(url, env, cwd);
  const names = ['PG_USERNAME', 'PG_PASSWORD', 'PG_HOST', 'PG_PORT', 'PG_DATABASE', ...TLS_VARIABLES];
  if (!names.some((name) => nonEmpty(env[name]) !== undefined)) return { kind: 'embedded', dataDir: join(dataDir, 'pgdata') };
  return {
    kind: 'server',
    source: 'PG_* variables',
    host: nonEmpty(env.PG_HOST) ?? LOCAL_SERVER.host,
    port: parsePort(nonEmpty(env.PG_PORT) ?? String(LOCAL_SERVER.port), 'PG_PORT'),
    database: nonEmpty(env.PG_DATABASE) ?? LOCAL_SERVER.database,
    user: nonEmpty(env.PG_USERNAME) ?? LOCAL_SERVER.user,
    password: nonEmpty(env.PG_PASSWORD),
    connectionString: undefined,
    tls: parseDatabaseTls(env, undefined, cwd),
  };
}

/** A DATABASE_URL; PG_SSL* in `env` fill the TLS settings its parameters leave out. */
export function parseDatabaseUrl(url: string, env: Environment = {}, cwd = process.cwd()): ServerDatabaseConfig {
  const hint = 'Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE, e.g. postgres://postgres@127.0.0.1:5432/postgres.';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the URL: it may hold a password.
    throw new ConfigError('DATABASE_URL is not a valid URL.', hint);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, not ${parsed.protocol}//.`, hint);
  }
  return {
    kind: 'server',
    source: 'DATABASE_URL',
    host: decodeURIComponent(parsed.hostname) || parsed.searchParams.get('host') || 'localhost',
    port: parsed.port ? parsePort(parsed.port, 'DATABASE_URL port') : 5432,
    database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres',
    user: decodeURIComponent(parsed.username) || 'postgres',
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    connectionString: url,
    tls: parseDatabaseTls(env, parsed, cwd),
  };
}

/** `host:port[,host:port…]`, as KAFKA_BROKERS takes it. */
function parseBrokerList(value: string, name: string): string[] {
  const brokers = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    throw new ConfigError(`${name} is empty.`, `Set ${name} to host:port[,host:port…], e.g. 127.0.0.1:9092.`);
  }
  for (const broker of brokers) {
    const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d+)$/.exec(broker);
    if (!match?.[2]) {
      throw new ConfigError(
        `${name} has "${broker}", which is not host:port.`,
        `Set ${name} to host:port[,host:port…], e.g. 127.0.0.1:9092.`,
      );
    }
    parsePort(match[2], `the port of ${broker} in ${name}`);
  }
  return brokers;
}

function parseOptionalPort(value: string | undefined, name: string): number | undefined {
  return value === undefined ? undefined : parsePort(value, name, { allowZero: true });
}

/** A TCP port; with `allowZero`, 0 too (a port to listen on: any free one). */
export function parsePort(value: string, name: string, options: { allowZero?: boolean } = {}): number {
  const port = Number(value);
  const lowest = options.allowZero ? 0 : 1;
  if (!/^\d+$/.test(value) || port < lowest || port > 65535) {
    throw new ConfigError(`${name} must be a port number from ${lowest} to 65535, not "${value}".`);
  }
  return port;
}

function optionalTopicName(value: string | undefined, name: string): string | undefined {
  return value === undefined ? undefined : parseTopicName(value, name);
}

/** Kafka's own rule for topic names. */
export function parseTopicName(value: string, name: string): string {
  if (!isKafkaName(value)) {
    throw new ConfigError(
      `${name} "${value}" is not a valid Kafka topic name.`,
      'Use 1 to 249 characters from a-z, A-Z, 0-9, ".", "_" and "-".',
    );
  }
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLogLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) {
    throw new ConfigError(`LOG_LEVEL "${value}" is not a log level.`, `Use one of ${LOG_LEVELS.join(', ')}.`);
  }
  return value;
}

function parseLogFormat(value: string | undefined): 'pretty' | 'json' | undefined {
  if (value === undefined || value === 'pretty' || value === 'json') return value;
  throw new ConfigError(`LOG_FORMAT "${value}" is not a log format.`, 'Use pretty or json.');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A password as given (spaces may be part of it); a blank one is none. */
function password(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The settings as a URL, password and TLS settings included: for a child process's DATABASE_URL, never for a message. */
export function databaseUrl(config: ServerDatabaseConfig): string {
  const password = config.password ? `:${encodeURIComponent(config.password)}` : '';
  const url = new URL(
    `postgres://${encodeURIComponent(config.user)}${password}@${config.host}:${config.port}/${encodeURIComponent(config.database)}`,
  );
  const { tls } = config;
  if (tls.origin.mode !== DEFAULT_TLS.origin.mode) url.searchParams.set('sslmode', tls.mode);
  if (tls.rootCert) url.searchParams.set('sslrootcert', tls.rootCert);
  if (tls.cert) url.searchParams.set('sslcert', tls.cert);
  if (tls.key) url.searchParams.set('sslkey', tls.key);
  return url.toString();
}

/** How messages name a database: `user@host:port/database`, never with its password. */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.kind === 'embedded') return `embedded PostgreSQL (PGlite) in ${config.dataDir}`;
  return `${config.user}@${config.host}:${config.port}/${config.database}`;
}
