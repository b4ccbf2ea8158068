import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeTransactions } from '../../src/ingest/write.ts';
import { openWarehouse } from '../../src/warehouse/database.ts';
import { migrateWarehouse } from '../../src/warehouse/migrate.ts';
import { verifyWarehouse } from '../../src/warehouse/verify.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { createTestDatabase, runCli } from './support/environment.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse } from './support/warehouse.ts';

/** The count `pos db verify` printed for the check whose name starts with `name`. */
function countOf(stdout: string, name: string): number {
  const line = stdout.split('\n').find((entry) => entry.replace(/^(ok|FAIL)\s+/, '').startsWith(name));
  assert.ok(line, `no line for "${name}" in:\n${stdout}`);
  return Number(line.trim().split(/\s+/).at(-1)?.replaceAll(',', ''));
}

describe('pos db verify on a server database', () => {
  let setup: Awaited<ReturnType<typeof migratedWarehouse>>;
  const verify = () => runCli(['db', 'verify'], { env: { DATABASE_URL: setup.database.url } });

  before(async () => {
    setup = await migratedWarehouse();
    const result = await writeTransactions(setup.warehouse, parse(await backfillLines({ seed: 11, count: 300 })));
    assert.equal(result.landed, 300);
  });
  after(() => setup.close());

  test('passes on what the write path landed, printing every check with its count', async () => {
    const result = await verify();
    assert.equal(result.code, 0, result.stderr);
    const checks = result.stdout.split('\n').filter((line) => /^(ok|FAIL) /.test(line));
    assert.equal(checks.length, 9, result.stdout);
    assert.ok(
      checks.every((line) => line.startsWith('ok ') && line.trim().endsWith(' 0')),
      result.stdout,
    );
    assert.match(result.stdout, /all 9 integrity checks passed/);
  });

  test('catches a line whose transaction is missing, and exits 1', async () => {
    await setup.warehouse.query(
      `insert into pos.fact_sales_line (transaction_id, line_no, product_key, store_key, date_key, customer_key,
                                        quantity, unit_price, discount, tax_rate, tax, line_total)
       select gen_random_uuid(), 1, product_key, store_key, date_key, customer_key, quantity, unit_price, discount, tax_rate,
              tax, line_total
         from pos.fact_sales_line limit 1`,
    );
    const result = await verify();
    assert.equal(result.code, 1, result.stdout);
    assert.equal(countOf(result.stdout, 'lines without their transaction'), 1);
    assert.equal(countOf(result.stdout, 'transactions whose lines do not add up'), 0);
    assert.match(result.stderr, /1 of 9 integrity checks failed/);
    await setup.warehouse.query(
      'delete from pos.fact_sales_line l where not exists (select 1 from pos.fact_transaction f where f.transaction_id = l.transaction_id)',
    );
  });

  test('catches a transaction whose lines do not add up to its subtotal, and exits 1', async () => {
    await setup.warehouse.query(
      `update pos.fact_sales_line set line_total = line_total + 0.01
        where (transaction_id, line_no) = (select transaction_id, line_no from pos.fact_sales_line limit 1)`,
    );
    const result = await verify();
    assert.equal(result.code, 1, result.stdout);
    assert.equal(countOf(result.stdout, 'transactions whose lines do not add up'), 1);
    assert.equal(countOf(result.stdout, 'lines without their transaction'), 0);
  });

  test('catches a fact key without its dimension row', async () => {
    await setup.warehouse.query(
      'update pos.fact_transaction set store_key = -1 where transaction_id = (select transaction_id from pos.fact_transaction limit 1)',
    );
    const result = await verify();
    assert.equal(result.code, 1, result.stdout);
    assert.equal(countOf(result.stdout, 'transactions whose store_key is not in dim_store'), 1);
    // Its lines now disagree with it too.
    assert.ok(countOf(result.stdout, "lines whose store, date or customer differ from their transaction's") >= 1);
  });
});

test('the checks run on the embedded database too', async () => {
  const { warehouse, close } = await migratedEmbeddedWarehouse();
  try {
    await writeTransactions(warehouse, parse(await backfillLines({ seed: 12, count: 100 })));
    const checks = await verifyWarehouse(warehouse);
    assert.equal(checks.length, 9);
    assert.deepEqual(
      checks.filter((check) => check.violations !== 0),
      [],
    );
  } finally {
    await close();
  }
});

test('pos db verify and pos dashboard on a database never migrated, or behind: they say so and how to migrate', {
  timeout: 120_000,
}, async () => {
  const database = await createTestDatabase();
  const warehouse = await openWarehouse(database.config);
  try {
    const env = { DATABASE_URL: database.url };
    for (const args of [
      ['db', 'verify'],
      ['dashboard', '--web-port', '0'],
    ]) {
      const result = await runCli(args, { env, timeoutMs: 60_000 });
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /pos_test_\w+ has no warehouse yet: the schema "pos" was never migrated/);
      assert.match(result.stderr, /Run `pos db migrate` first/);
      assert.doesNotMatch(result.stderr, /does not exist|unexpected error/);
      assert.doesNotMatch(result.stdout, /Dashboard at/);
    }
    // Read-only commands: neither created anything.
    const [schema] = await warehouse.query<{ exists: boolean }>("select to_regnamespace('pos') is not null as exists");
    assert.equal(schema?.exists, false);

    await migrateWarehouse(warehouse);
    await warehouse.query(
      'delete from pos.schema_migrations where created_at = (select max(created_at) from pos.schema_migrations)',
    );
    const behind = await runCli(['db', 'verify'], { env });
    assert.equal(behind.code, 1, behind.stdout + behind.stderr);
    assert.match(behind.stderr, /is behind this version of pos \(1 migration to apply: \w+\)/);
    assert.match(behind.stderr, /Run `pos db migrate` as the owner of the schema "pos"/);
  } finally {
    await warehouse.close();
    await database.drop();
  }
});
