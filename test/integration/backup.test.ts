import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeTransactions } from '../../src/ingest/write.ts';
import type { DatabaseConfig } from '../../src/plumbing/config.ts';
import { openWarehouse } from '../../src/warehouse/database.ts';
import { migrateWarehouse } from '../../src/warehouse/migrate.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { type CliOptions, createTestDatabase, runCli, type TestDatabase } from './support/environment.ts';
import { snapshot } from './support/warehouse.ts';

interface Setup {
  database: DatabaseConfig;
  /** How the CLI reaches the same database. */
  cli: CliOptions;
  cleanup(): Promise<void>;
}

async function serverSetup(folder: string): Promise<Setup> {
  const database: TestDatabase = await createTestDatabase();
  return { database: database.config, cli: { env: { DATABASE_URL: database.url }, cwd: folder }, cleanup: () => database.drop() };
}

async function embeddedSetup(folder: string): Promise<Setup> {
  // No database configured: the CLI uses .pos/pgdata in its working directory.
  return {
    database: { kind: 'embedded', dataDir: join(folder, '.pos', 'pgdata') },
    cli: { cwd: folder },
    cleanup: async () => {},
  };
}

/** The table snapshot, taken through a connection of its own (the embedded database admits one process at a time). */
async function tables(database: DatabaseConfig): Promise<Record<string, string>> {
  const warehouse = await openWarehouse(database);
  try {
    return await snapshot(warehouse);
  } finally {
    await warehouse.close();
  }
}

for (const [kind, setUp] of [
  ['server', serverSetup],
  ['embedded', embeddedSetup],
] as const) {
  describe(`pos db backup | restore, on the ${kind} database`, () => {
    let folder: string;
    let setup: Setup;
    let file: string;
    let original: Record<string, string>;

    before(async () => {
      folder = await mkdtemp(join(tmpdir(), 'pos-backup-'));
      file = join(folder, `warehouse.${kind}.backup`);
      setup = await setUp(folder);
      const warehouse = await openWarehouse(setup.database);
      try {
        await migrateWarehouse(warehouse);
        const messages = parse(await backfillLines({ seed: 12, count: 800 }));
        await writeTransactions(warehouse, [...messages, { not: 'a transaction' }]);
      } finally {
        await warehouse.close();
      }
      original = await tables(setup.database);
      assert.match(original.fact_transaction ?? '', /^800 rows/);
    });
    after(async () => {
      await setup.cleanup();
      await rm(folder, { recursive: true, force: true });
    });

    test('backup writes the file', async () => {
      const result = await runCli(['db', 'backup', file], setup.cli);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Backed up .* to .*warehouse\.\w+\.backup \(\d+\.\d MB/);
      assert.ok(existsSync(file));
    });

    test('restoring into a warehouse that has data, without --force, exits non-zero and changes nothing', async () => {
      const result = await runCli(['db', 'restore', file], setup.cli);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /is not empty .* nothing was restored/);
      assert.match(result.stderr, /--force/);
      assert.deepEqual(await tables(setup.database), original);
    });

    test('backup, reset, restore: every table has the same rows, by count and by checksum', async () => {
      const reset = await runCli(['db', 'reset', '--yes'], setup.cli);
      assert.equal(reset.code, 0, reset.stderr);
      assert.match((await tables(setup.database)).fact_transaction ?? '', /^0 rows/);
      const result = await runCli(['db', 'restore', file], setup.cli);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await tables(setup.database), original);
    });

    test('--force replaces a warehouse that has data', async () => {
      const warehouse = await openWarehouse(setup.database);
      try {
        await warehouse.query('delete from pos.dead_letter');
      } finally {
        await warehouse.close();
      }
      const result = await runCli(['db', 'restore', file, '--force'], setup.cli);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await tables(setup.database), original);
    });
  });
}

describe('pos db restore explains a backup it cannot use', () => {
  test('a file that is no backup', async () => {
    const result = await runCli(['db', 'restore', new URL(import.meta.url).pathname]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is not a backup made by pos db backup/);
  });
});
