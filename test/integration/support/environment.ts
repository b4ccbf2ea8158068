import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KafkaConnection, PLAINTEXT } from '../../../src/kafka/security.ts';
import { databaseUrl, parseDatabaseUrl, type ServerDatabaseConfig } from '../../../src/plumbing/config.ts';
import type { Environment } from '../../../src/plumbing/environment.ts';
import { withServerClient } from '../../../src/warehouse/database.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/*
 * Tests never touch the user's own cluster or warehouse: they ignore DATABASE_URL, PG_*, KAFKA_*,
 * POS_TOPIC and the rest of `pos`'s settings, in the environment and in `.env` alike, and use only
 * what they start themselves or what these test-only variables name.
 */

/** Where the tests create their throwaway databases when POS_TEST_DATABASE_URL does not name a server. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The broker of this run: POS_TEST_KAFKA_BROKERS, a broker to reuse, or else the one the global
 * setup started (it sets the variable for the test processes).
 */
export function testBrokers(env: Environment = process.env): string[] {
  const brokers = (env.POS_TEST_KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    throw new Error(
      'POS_TEST_KAFKA_BROKERS is not set: run the integration tests with `npm test` (its global setup starts a broker), or set it to a broker to reuse',
    );
  }
  return brokers;
}

/**
 * The PostgreSQL server the tests create their throwaway databases on, as its superuser:
 * POS_TEST_DATABASE_URL, else 127.0.0.1:5432 as postgres. Never DATABASE_URL, PG_* or `.env`.
 */
export function testDatabaseServer(env: Environment = process.env): ServerDatabaseConfig {
  const url = env.POS_TEST_DATABASE_URL?.trim() || DEFAULT_TEST_DATABASE_URL;
  try {
    // No environment for the TLS settings either: only the URL's own parameters count.
    return parseDatabaseUrl(url, {});
  } catch (error) {
    throw new Error(`POS_TEST_DATABASE_URL: ${(error as Error).message}`);
  }
}

/** `pos`'s POS_* settings; with DATABASE_URL, PG* and KAFKA_* below, what a user configures it with. */
const POS_SETTINGS = new Set([
  'POS_TOPIC',
  'POS_DATA_DIR',
  'POS_METRICS_PORT',
  'POS_METRICS_HOST',
  'POS_INGEST_PASSWORD',
  'POS_READER_PASSWORD',
]);

/**
 * Whether an environment variable is one of the user's settings for `pos` or for libpq (PGHOST …),
 * which name their cluster and warehouse: the global setup removes them from the test processes.
 */
export function isUserSetting(name: string): boolean {
  return name === 'DATABASE_URL' || name.startsWith('PG') || name.startsWith('KAFKA_') || POS_SETTINGS.has(name);
}

/** The broker the global setup provided, as the plaintext connection the Kafka helpers of src/ take. */
export function testKafka(): KafkaConnection {
  return { brokers: testBrokers(), security: PLAINTEXT };
}

/** A name no other test (or run) uses, for topics, groups and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Runs SQL on the test server (testDatabaseServer), as its user, on its own database (not a throwaway one). */
export async function serverQuery(text: string, params: unknown[] = []): Promise<void> {
  await withServerClient(testDatabaseServer(), (db) => db.query(text, params));
}

export interface TestDatabase {
  config: ServerDatabaseConfig;
  /** DATABASE_URL of the throwaway database, for CLI runs. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A throwaway database on the test server (testDatabaseServer: POS_TEST_DATABASE_URL, else
 * 127.0.0.1:5432 as postgres), so tests never touch user data. Drop it in an `after` hook.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = testDatabaseServer();
  const name = uniqueName('pos_test');
  await withServerClient(server, (admin) => admin.query(`create database ${name}`));
  const config: ServerDatabaseConfig = { ...server, database: name, connectionString: undefined, source: 'DATABASE_URL' };
  return {
    config,
    url: databaseUrl(config),
    async drop() {
      await withServerClient(server, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The whole environment besides PATH and HOME (cliEnvironment): nothing else of the test process leaks in. */
  env?: Record<string, string | undefined>;
  /**
   * Working directory (where `.env` is read and `.pos/` kept); default: an empty folder of this test
   * file, never the checkout, whose `.env` may name the user's cluster and warehouse.
   */
  cwd?: string;
  timeoutMs?: number;
}

let scratch: string | undefined;

/**
 * The environment of a `pos` a test starts: PATH and HOME of `parent`, JSON logs, and `env`. Nothing
 * else: no DATABASE_URL, PG_*, KAFKA_* or POS_TOPIC of the user's shell.
 */
export function cliEnvironment(env: Environment = {}, parent: Environment = process.env): Environment {
  return { PATH: parent.PATH, HOME: parent.HOME, LOG_FORMAT: 'json', ...env };
}

/** Runs `pos ARGS` as a user would, in its own process, to the end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** What it has written so far. */
  output(): { stdout: string; stderr: string };
  /** Settles when it exits. */
  result: Promise<CliResult>;
}

/** Starts `pos ARGS` in its own process. */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  scratch ??= mkdtempSync(join(tmpdir(), 'pos-cli-'));
  const timeoutMs = options.timeoutMs ?? 180_000;
  const child = spawn(process.execPath, [`${PROJECT_ROOT}bin/pos.js`, ...args], {
    env: cliEnvironment(options.env),
    cwd: options.cwd ?? scratch,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pos ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, output: () => ({ stdout, stderr }), result };
}

/** The JSON log lines (LOG_FORMAT=json) a `pos` process wrote to stderr so far, with their message as `msg`. */
export function logLines(stderr: string): { msg: string; time: number; [field: string]: unknown }[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string; time: number });
}
