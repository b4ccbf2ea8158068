import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGGREGATES } from '../../../src/warehouse/aggregates.ts';
import { openWarehouse, type Warehouse } from '../../../src/warehouse/database.ts';
import { MIGRATIONS_FOLDER, migrateWarehouse } from '../../../src/warehouse/migrate.ts';
import { createTestDatabase, type TestDatabase } from './environment.ts';

/** A throwaway database on the server, migrated, with a connection to it. */
export async function migratedWarehouse(): Promise<{ database: TestDatabase; warehouse: Warehouse; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const warehouse = await openWarehouse(database.config);
  await migrateWarehouse(warehouse);
  return {
    database,
    warehouse,
    async close() {
      await warehouse.close();
      await database.drop();
    },
  };
}

/** A throwaway embedded database (PGlite) in a temporary folder, migrated. */
export async function migratedEmbeddedWarehouse(): Promise<{ dataDir: string; warehouse: Warehouse; close(): Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'pos-embedded-'));
  const dataDir = join(folder, 'pgdata');
  const warehouse = await openWarehouse({ kind: 'embedded', dataDir });
  await migrateWarehouse(warehouse);
  return {
    dataDir,
    warehouse,
    async close() {
      await warehouse.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/**
 * Row counts and a content checksum of the star and the dead letters: equal snapshots mean no row
 * changed. (Offsets are left out: they are bookkeeping, and a second consumer group adds its own.)
 */
export async function snapshot(warehouse: Warehouse): Promise<Record<string, string>> {
  const tables: Record<string, string> = {
    dim_date: 't',
    dim_store: 't',
    dim_product: 't',
    dim_customer: 't',
    dim_payment_method: 't',
    dim_tax: 't',
    fact_transaction: 't',
    fact_sales_line: 't',
    fact_line_tax: 't',
    ...Object.fromEntries(AGGREGATES.map((aggregate) => [aggregate.table.replace('pos.', ''), 't'])),
    dead_letter: '(t.topic, t.partition, t."offset", t.key, t.raw_value, t.error_code, t.error_detail, t.created_at)',
  };
  const result: Record<string, string> = {};
  for (const [table, row] of Object.entries(tables)) {
    const [summary] = await warehouse.query<{ count: string; checksum: string | null }>(
      `select count(*)::text as count, md5(string_agg(${row}::text, '|' order by ${row}::text)) as checksum from pos.${table} t`,
    );
    result[table] = `${summary?.count} rows, ${summary?.checksum}`;
  }
  return result;
}

/** Empties the facts and their aggregates (and `also`), for a test that ingests the same messages again. */
export async function emptyFacts(warehouse: Warehouse, also: string[] = []): Promise<void> {
  const tables = [
    'pos.fact_line_tax',
    'pos.fact_sales_line',
    'pos.fact_transaction',
    ...AGGREGATES.map((aggregate) => aggregate.table),
    // Stock on hand moves with the facts (a sales batch takes from it), as the aggregates do.
    'pos.stock_on_hand',
    ...also,
  ];
  await warehouse.query(`truncate ${tables.join(', ')}`);
}

/** Migrates to the first `count` migrations only, with drizzle's migrator on a copy of the folder whose journal lists no more. */
export async function migrateFirst(warehouse: Warehouse, count: number): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'pos-migrations-'));
  try {
    await cp(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalFile = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: unknown[] };
    journal.entries = journal.entries.slice(0, count);
    await writeFile(journalFile, JSON.stringify(journal));
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    await warehouse.withConnection((connection) =>
      migrate(connection.db as never, {
        migrationsFolder: folder,
        migrationsSchema: 'pos',
        migrationsTable: 'schema_migrations',
      }),
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
