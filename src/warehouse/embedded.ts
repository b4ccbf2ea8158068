import { closeSync, existsSync, mkdirSync, openAsBlob, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { describeDatabase, type EmbeddedDatabaseConfig } from '../plumbing/config.ts';
import { errorMessage, UserError } from '../plumbing/errors.ts';
import type { Logger } from '../plumbing/logger.ts';
import { sqlRunner, type Warehouse } from './connection.ts';
import { createEmbedded } from './embedded-template.ts';
import { refuseNonEmpty, warehouseRows } from './restore-guard.ts';
import * as schema from './schema.ts';

/** Smaller buffers than PostgreSQL's defaults: the embedded database shares the process (and a laptop). */
const EMBEDDED_SETTINGS = ['shared_buffers = 64MB', 'maintenance_work_mem = 32MB'];

/**
 * The embedded database: PostgreSQL compiled to WebAssembly (PGlite), in this process, persisted
 * in a folder. Only one process may open the folder at a time, so a lock file next to it says
 * which one has it.
 */
export async function openEmbeddedWarehouse(config: EmbeddedDatabaseConfig, logger: Logger): Promise<Warehouse> {
  return openEmbedded(config, logger);
}

async function openEmbedded(config: EmbeddedDatabaseConfig, logger: Logger): Promise<Warehouse & { pglite: PGlite }> {
  const unlock = lockDataDir(config.dataDir);
  let pglite: PGlite;
  try {
    mkdirSync(dirname(config.dataDir), { recursive: true });
    const options = { postgresqlconf: EMBEDDED_SETTINGS };
    pglite = existsSync(config.dataDir)
      ? await PGlite.create(config.dataDir, options)
      : (await createEmbedded(config.dataDir, options, logger)).pglite;
  } catch (error) {
    unlock();
    throw new UserError(`Cannot open the embedded database in ${config.dataDir}: ${errorMessage(error)}`, {
      hint: 'If it is damaged, restore a backup (pos db restore FILE --force) or remove the folder to start afresh.',
      cause: error,
    });
  }
  return {
    ...sqlRunner(pglite),
    pglite,
    config,
    db: drizzle(pglite, { schema }),
    description: describeDatabase(config),
    // PGlite has one connection: a transaction holds it, and other queries wait for the commit.
    transaction: (work) =>
      pglite.transaction((tx) =>
        work({
          ...sqlRunner(tx),
          // PGlite reads COPY's input from a blob it names /dev/blob.
          copyFrom: async (target, text) => {
            await tx.query(`copy ${target} from '/dev/blob'`, [], { blob: new Blob([text]) });
          },
        }),
      ),
    withConnection: (work) => work({ ...sqlRunner(pglite), db: drizzle(pglite, { schema }) }),
    async close() {
      await pglite.close();
      unlock();
    },
  };
}

/** Takes the lock on the data folder, or says which process holds it. Returns the release. */
function lockDataDir(dataDir: string): () => void {
  const lock = `${dataDir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      const release = () => {
        process.off('exit', release);
        rmSync(lock, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lock, 'utf8').trim());
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new UserError(`The embedded database in ${dataDir} is in use by another pos process (pid ${holder}).`, {
          hint: 'PGlite serves one process at a time: stop that one (it may be `pos start`), or use a PostgreSQL server (DATABASE_URL) for several processes.',
        });
      }
      rmSync(lock, { force: true }); // left by a process that died
    }
  }
  throw new UserError(`Cannot lock the embedded database in ${dataDir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes the whole embedded database (PGlite's data folder, gzipped tar) to `file`. */
export async function dumpEmbedded(config: EmbeddedDatabaseConfig, file: string, logger: Logger): Promise<void> {
  const warehouse = await openEmbedded(config, logger);
  try {
    logger.info({ dataDir: config.dataDir }, 'Dumping the embedded database');
    const dump = await warehouse.pglite.dumpDataDir('gzip');
    await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  } finally {
    await warehouse.close();
  }
}

/**
 * Replaces the embedded database with a dump. The current folder is set aside until the dump has
 * loaded and opened, and put back if it does not: the restore completes or changes nothing.
 */
export async function restoreEmbedded(
  config: EmbeddedDatabaseConfig,
  file: string,
  options: { force: boolean; logger: Logger },
): Promise<void> {
  const aside = `${config.dataDir}.before-restore`;
  // Locked before the check, so that no other process writes between the check and the swap.
  const unlock = lockDataDir(config.dataDir);
  try {
    if (existsSync(config.dataDir) && !options.force) {
      const rows = await embeddedRows(config.dataDir).catch((error: unknown) => {
        throw new UserError(
          `Cannot open the embedded database in ${config.dataDir} to check that it is empty: ${errorMessage(error)}`,
          {
            hint: 'Pass --force to replace it with the backup.',
            cause: error,
          },
        );
      });
      if (rows > 0) throw refuseNonEmpty(config.dataDir, rows);
    }
    await rm(aside, { recursive: true, force: true });
    if (existsSync(config.dataDir)) await rename(config.dataDir, aside);
    try {
      options.logger.info({ file }, 'Loading the dump into the embedded database');
      const pglite = await PGlite.create(config.dataDir, {
        loadDataDir: await openAsBlob(file),
        postgresqlconf: EMBEDDED_SETTINGS,
      });
      await pglite.query('select 1 from pos.schema_migrations limit 1');
      await pglite.close();
    } catch (error) {
      await rm(config.dataDir, { recursive: true, force: true });
      if (existsSync(aside)) await rename(aside, config.dataDir);
      throw new UserError(`Could not restore ${file} into the embedded database: ${errorMessage(error)}; nothing was changed.`, {
        cause: error,
      });
    }
    await rm(aside, { recursive: true, force: true });
  } finally {
    unlock();
  }
}

async function embeddedRows(dataDir: string): Promise<number> {
  const pglite = await PGlite.create(dataDir, { postgresqlconf: EMBEDDED_SETTINGS });
  try {
    return await warehouseRows(sqlRunner(pglite));
  } finally {
    await pglite.close();
  }
}
