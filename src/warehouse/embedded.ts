import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { type EmbeddedDatabaseConfig, describeDatabase } from '../config.ts';
import { errorMessage, UserError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SqlRunner, Warehouse } from './database.ts';
import * as schema from './schema.ts';

/**
 * The embedded database: PostgreSQL compiled to WebAssembly (PGlite), in this process, persisted
 * in a folder. Only one process may open the folder at a time, so a lock file next to it says
 * which one has it.
 */
export async function openEmbeddedWarehouse(config: EmbeddedDatabaseConfig, logger: Logger): Promise<Warehouse> {
  const unlock = lockDataDir(config.dataDir);
  let pglite: PGlite;
  try {
    mkdirSync(dirname(config.dataDir), { recursive: true });
    const fresh = !existsSync(config.dataDir);
    if (fresh) logger.info({ dataDir: config.dataDir }, 'Creating the embedded database (first run only, a few seconds)');
    pglite = await PGlite.create(config.dataDir);
  } catch (error) {
    unlock();
    throw new UserError(`Cannot open the embedded database in ${config.dataDir}: ${errorMessage(error)}`, {
      hint: 'If it is damaged, restore a backup (pos db restore FILE --force) or remove the folder to start afresh.',
      cause: error,
    });
  }
  const runner = (client: Pick<PGlite, 'query'>): SqlRunner => ({
    query: async <Row extends Record<string, unknown>>(text: string, params?: unknown[]) => (await client.query<Row>(text, params)).rows,
  });
  return {
    ...runner(pglite),
    config,
    db: drizzle(pglite, { schema }),
    description: describeDatabase(config),
    // PGlite has one connection: a transaction holds it, and other queries wait for the commit.
    transaction: (work) => pglite.transaction((tx) => work(runner(tx))),
    withConnection: (work) => work({ ...runner(pglite), db: drizzle(pglite, { schema }) }),
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
