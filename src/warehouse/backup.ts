import { spawn } from 'node:child_process';
import { open, rename, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type DatabaseConfig, describeDatabase, type ServerDatabaseConfig } from '../plumbing/config.ts';
import type { Environment } from '../plumbing/environment.ts';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import type { Logger } from '../plumbing/logger.ts';
import { findProgram, runProgram } from '../plumbing/programs.ts';
import { withServerClient } from './database.ts';
import { refuseNonEmpty, warehouseRows } from './restore-guard.ts';
import { LIBPQ_TLS_VARIABLES, libpqTlsEnvironment } from './tls.ts';
import { SYSTEM_CAS, withoutTlsParameters } from './tls-settings.ts';

/**
 * Backups of the warehouse (the schema `pos`): `pg_dump` in its custom format for a server, the
 * data folder as PGlite dumps it for the embedded database. A restore goes into an empty
 * warehouse (one with no rows in `pos`) unless forced, and either completes or changes nothing.
 */

type BackupKind = 'server' | 'embedded';

export interface RestoreOptions {
  /** Replace a warehouse that has data. */
  force: boolean;
  logger: Logger;
}

export async function backupWarehouse(config: DatabaseConfig, file: string, logger: Logger): Promise<{ bytes: number }> {
  const partial = `${file}.partial`;
  try {
    if (config.kind === 'embedded') await (await import('./embedded.ts')).dumpEmbedded(config, partial, logger);
    else await dumpServer(config, partial, logger);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
  return { bytes: (await stat(file)).size };
}

export async function restoreWarehouse(config: DatabaseConfig, file: string, options: RestoreOptions): Promise<void> {
  const kind = await backupKind(file);
  if (kind !== config.kind) {
    throw new UserError(
      `${file} is a backup of ${kind === 'server' ? 'a PostgreSQL server (pg_dump)' : 'the embedded database'}, and the database configured is ${config.kind === 'server' ? 'a server' : 'the embedded one'}.`,
      {
        hint:
          kind === 'server'
            ? 'Set DATABASE_URL (or PG_*) to the server to restore it into.'
            : 'Unset DATABASE_URL and PG_* to restore it into the embedded database.',
      },
    );
  }
  if (config.kind === 'embedded') await (await import('./embedded.ts')).restoreEmbedded(config, file, options);
  else await restoreServer(config, file, options);
}

/** What made a backup file, from its first bytes: pg_dump's custom format starts with PGDMP, PGlite's dump is gzip. */
async function backupKind(file: string): Promise<BackupKind> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new UserError(`Cannot read ${file}: ${errorMessage(error)}`);
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(5), 0, 5, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.toString('latin1') === 'PGDMP') return 'server';
    if (head[0] === 0x1f && head[1] === 0x8b) return 'embedded';
    throw new UserError(`${file} is not a backup made by pos db backup.`);
  } finally {
    await handle.close();
  }
}

async function dumpServer(config: ServerDatabaseConfig, file: string, logger: Logger): Promise<void> {
  const pgDump = await clientTool('pg_dump', config);
  await runTool(
    pgDump,
    ['--format=custom', '--schema=pos', '--no-owner', '--verbose', `--file=${file}`, `--dbname=${urlWithoutPassword(config)}`],
    config,
    logger,
  );
}

async function restoreServer(config: ServerDatabaseConfig, file: string, options: RestoreOptions): Promise<void> {
  const pgRestore = await clientTool('pg_restore', config);
  const rows = await withServerClient(config, warehouseRows);
  if (rows > 0 && !options.force) throw refuseNonEmpty(describeDatabase(config), rows);
  // One transaction: the old schema is dropped and the backup loaded together, or not at all.
  await runTool(
    pgRestore,
    [
      '--clean',
      '--if-exists',
      '--single-transaction',
      '--exit-on-error',
      '--no-owner',
      '--verbose',
      `--dbname=${urlWithoutPassword(config)}`,
      file,
    ],
    config,
    options.logger,
  );
}

/** The client tool, if installed and of the server's major version or newer (older ones cannot read newer servers). */
async function clientTool(name: 'pg_dump' | 'pg_restore', config: ServerDatabaseConfig): Promise<string> {
  const path = findProgram(name);
  const install =
    "Install the PostgreSQL client tools of the server's version (Debian/Ubuntu: postgresql-client-<version>; macOS: brew install libpq).";
  if (!path) throw new UserError(`${name} was not found on PATH; a backup of a PostgreSQL server needs it.`, { hint: install });
  const version = /\(PostgreSQL\) (\d+)/.exec((await runProgram(path, ['--version'])).stdout)?.[1];
  const [server] = await withServerClient(config, (db) => db.query<{ v: string }>('show server_version_num'));
  const serverVersion = Number(server?.v ?? 0);
  const serverMajor = Math.floor(serverVersion / 10_000);
  if (!version || Number(version) < serverMajor) {
    throw new UserError(
      `${path} is of PostgreSQL ${version ?? '(unknown)'}, older than the server (PostgreSQL ${serverMajor}).`,
      { hint: install },
    );
  }
  if (config.tls.rootCert === SYSTEM_CAS && Number(version) < 16) {
    throw new UserError(`${path} is of PostgreSQL ${version}, and sslrootcert=${SYSTEM_CAS} needs libpq 16 or newer.`, {
      hint: `Install PostgreSQL 16+ client tools, or set sslrootcert (PG_SSLROOTCERT) to the CA file.`,
    });
  }
  return path;
}

/**
 * Runs pg_dump or pg_restore, logging its progress. The password and the TLS settings go through
 * the environment (never the arguments, which any user of the machine can list).
 */
async function runTool(path: string, args: string[], config: ServerDatabaseConfig, logger: Logger): Promise<void> {
  const env: Environment = { ...process.env };
  // Our TLS settings, not libpq's own variables (PGPASSWORD stays: a password that is not configured comes from there).
  for (const name of LIBPQ_TLS_VARIABLES) delete env[name];
  Object.assign(env, libpqTlsEnvironment(config.tls), config.password ? { PGPASSWORD: config.password } : {});
  const child = spawn(path, args, { env: definedOnly(env), stdio: ['ignore', 'ignore', 'pipe'] });
  const tail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    // "pg_dump: dumping contents of table "pos.fact_sales_line"", "pg_restore: processing data for table …"
    const table = /(?:dumping contents of|processing data for) table "([^"]+)"/.exec(line)?.[1];
    if (table) logger.info({ table }, path.endsWith('pg_dump') ? 'Dumping' : 'Restoring');
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new UserError(`${path} failed (exit code ${code}):\n${tail.join('\n')}`);
}

function definedOnly(env: Environment): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The server for a tool's --dbname: no password, no TLS parameters (both go in its environment). */
function urlWithoutPassword(config: ServerDatabaseConfig): string {
  const url = new URL(
    config.connectionString
      ? withoutTlsParameters(config.connectionString)
      : `postgres://${config.host}:${config.port}/${encodeURIComponent(config.database)}`,
  );
  url.username = encodeURIComponent(config.user);
  url.password = '';
  return url.toString();
}
