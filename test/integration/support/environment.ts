import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrl, loadConfig, type ServerDatabaseConfig, serverOrLocal } from '../../../src/config.ts';
import { type KafkaConnection, PLAINTEXT } from '../../../src/kafka/security.ts';
import { withServerClient } from '../../../src/warehouse/database.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The broker the global setup provided for this run. */
export function testBrokers(): string[] {
  const brokers = process.env.POS_TEST_BROKERS;
  if (!brokers) throw new Error('POS_TEST_BROKERS is not set: run the integration tests with `npm test`');
  return brokers.split(',');
}

/** The broker the global setup provided, as the plaintext connection the Kafka helpers of src/ take. */
export function testKafka(): KafkaConnection {
  return { brokers: testBrokers(), security: PLAINTEXT };
}

/** A name no other test (or run) uses, for topics, groups and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Runs SQL as the configured server's user, on its configured database (not a test database). */
export async function serverQuery(text: string, params: unknown[] = []): Promise<void> {
  await withServerClient(serverOrLocal(loadConfig().database), (db) => db.query(text, params));
}

export interface TestDatabase {
  config: ServerDatabaseConfig;
  /** DATABASE_URL of the throwaway database, for CLI runs. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A throwaway database on the configured server (127.0.0.1:5432 as postgres when nothing is
 * configured), so tests never touch user data. Drop it in an `after` hook.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = serverOrLocal(loadConfig().database);
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
  /** The whole environment besides PATH and HOME: nothing else of the test process leaks in. */
  env?: Record<string, string | undefined>;
  /** Working directory (where `.env` is read and `.pos/` kept); default: an empty folder of this test file. */
  cwd?: string;
  timeoutMs?: number;
}

let scratch: string | undefined;

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
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...options.env },
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
