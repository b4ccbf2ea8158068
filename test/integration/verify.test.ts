import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeTransactions } from '../../src/ingest/write.ts';
import { AGGREGATES, aggregateDifferences, factsFrom, STORE_HOUR } from '../../src/warehouse/aggregates.ts';
import { openWarehouse } from '../../src/warehouse/database.ts';
import { migrateWarehouse } from '../../src/warehouse/migrate.ts';
import { rebuildAggregates } from '../../src/warehouse/rebuild-aggregates.ts';
import { aggregateCheckName, verifyWarehouse } from '../../src/warehouse/verify.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { createTestDatabase, runCli } from './support/environment.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse, migrateFirst } from './support/warehouse.ts';

/** The integrity checks of the facts, then one per aggregate table. */
/** The star's checks, the stock's two, and one per aggregate. */
const CHECK_COUNT = 14 + AGGREGATES.length;

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
    assert.equal(checks.length, CHECK_COUNT, result.stdout);
    assert.ok(
      checks.every((line) => line.startsWith('ok ') && line.trim().endsWith(' 0')),
      result.stdout,
    );
    for (const aggregate of AGGREGATES) assert.equal(countOf(result.stdout, aggregateCheckName(aggregate.table)), 0);
    assert.match(result.stdout, new RegExp(`all ${CHECK_COUNT} integrity checks passed`));
  });

  test('catches an aggregate row that differs from the facts; rebuilding the aggregates mends it', async () => {
    const tamperOneRow = () =>
      setup.warehouse.query(
        `update pos.agg_store_hour set total = total + 1
          where (date_key, store_key, local_hour) = (select date_key, store_key, local_hour from pos.agg_store_hour limit 1)`,
      );
    const storeHourCheck = aggregateCheckName(STORE_HOUR.table);
    await tamperOneRow();
    const checks = await verifyWarehouse(setup.warehouse);
    assert.deepEqual(
      checks.filter((check) => check.violations !== 0),
      [{ name: storeHourCheck, violations: 1 }],
    );
    const result = await verify();
    assert.equal(result.code, 1, result.stdout);
    assert.equal(countOf(result.stdout, storeHourCheck), 1);
    assert.match(result.stderr, new RegExp(`1 of ${CHECK_COUNT} integrity checks failed`));
    assert.match(result.stderr, /`pos db rebuild-aggregates` computes the aggregates again from the facts/);

    const rebuilt = await rebuildAggregates(setup.warehouse);
    assert.equal(rebuilt.factsFrom, 0);
    assert.deepEqual(
      rebuilt.tables.map(({ table }) => table),
      [...AGGREGATES.map((aggregate) => aggregate.table), 'pos.stock_on_hand'],
    );
    assert.ok(rebuilt.tables.every(({ rows }) => rows > 0));
    assert.equal(await aggregateDifferences(setup.warehouse, STORE_HOUR, 0), 0);

    await tamperOneRow();
    const cli = await runCli(['db', 'rebuild-aggregates'], { env: { DATABASE_URL: setup.database.url } });
    assert.equal(cli.code, 0, cli.stderr);
    for (const { table, rows } of rebuilt.tables) {
      assert.match(cli.stdout, new RegExp(`${table.replace('.', '\\.')}\\s+${rows.toLocaleString('en-US')} rows`));
    }
    assert.match(cli.stdout, new RegExp(`Rebuilt ${AGGREGATES.length + 1} aggregate tables of .* for every date`));
    assert.equal((await verify()).code, 0);
  });

  test('catches a line whose transaction is missing, and exits 1', async () => {
    await setup.warehouse.query(
      `insert into pos.fact_sales_line (transaction_id, line_no, product_key, store_key, date_key, customer_key,
                                        quantity, unit_price, discount, tax_rate, tax, line_total)
       select gen_random_uuid(), 1, product_key, store_key, date_key, customer_key, quantity, unit_price, discount, tax_rate,
              tax, line_total
         from pos.fact_sales_line where tax <> 0 limit 1`,
    );
    const result = await verify();
    assert.equal(result.code, 1, result.stdout);
    assert.equal(countOf(result.stdout, 'lines without their transaction'), 1);
    assert.equal(countOf(result.stdout, 'transactions whose lines do not add up'), 0);
    // The stray line counts in its product's day, so that row of the aggregate no longer matches.
    assert.equal(countOf(result.stdout, 'agg_product_day rows that differ from the facts'), 1);
    // And its tax has no component.
    assert.equal(countOf(result.stdout, 'lines whose tax components do not add up'), 1);
    assert.match(result.stderr, new RegExp(`3 of ${CHECK_COUNT} integrity checks failed`));
    assert.match(result.stderr, /find them with the check's query/);
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
    assert.equal(checks.length, CHECK_COUNT);
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

/** The star's tables, dimensions first: what a warehouse held before the aggregates existed. */
const STAR_TABLES = [
  'dim_date',
  'dim_store',
  'dim_product',
  'dim_customer',
  'dim_payment_method',
  'fact_transaction',
  'fact_sales_line',
];

test('the migration that adds the aggregates fills them from the facts already stored', { timeout: 120_000 }, async () => {
  // The facts come from the write path of a current warehouse; their tables are as they were at 0004.
  const source = await migratedWarehouse();
  const database = await createTestDatabase();
  const warehouse = await openWarehouse(database.config);
  try {
    const written = await writeTransactions(source.warehouse, parse(await backfillLines({ seed: 13, count: 400, days: 5 })));
    assert.equal(written.landed, 400);

    await migrateFirst(warehouse, 5);
    const [before] = await warehouse.query<{ aggregates: boolean }>(
      "select to_regclass('pos.agg_store_hour') is not null as aggregates",
    );
    assert.equal(before?.aggregates, false, 'migrated to 0004 only');
    for (const table of STAR_TABLES) {
      const [rows] = await source.warehouse.query<{ json: string }>(`select json_agg(t)::text as json from pos.${table} t`);
      await warehouse.query(
        `insert into pos.${table} overriding system value select * from json_populate_recordset(null::pos.${table}, $1::json)`,
        [rows?.json],
      );
    }

    const result = await migrateWarehouse(warehouse);
    assert.ok(result.applied.includes('0005_aggregates'), result.applied.join(', '));
    assert.equal(await factsFrom(warehouse), 0);
    for (const aggregate of AGGREGATES) {
      assert.equal(await aggregateDifferences(warehouse, aggregate, 0), 0, aggregate.table);
      const [stored] = await warehouse.query<{ count: string }>(`select count(*)::text as count from ${aggregate.table}`);
      assert.ok(Number(stored?.count) > 0, `${aggregate.table} is empty`);
    }
  } finally {
    await warehouse.close();
    await database.drop();
    await source.close();
  }
});

test("the migration that adds the tax components fills them, their taxes, their aggregate and the stores' currencies from the facts", {
  timeout: 120_000,
}, async () => {
  // Facts of contract v1 from a current warehouse, in a warehouse as it was at 0005 (aggregates, no tax components).
  const source = await migratedWarehouse();
  const database = await createTestDatabase();
  const warehouse = await openWarehouse(database.config);
  try {
    const written = await writeTransactions(source.warehouse, parse(await backfillLines({ seed: 14, count: 400, days: 5 })));
    assert.equal(written.landed, 400);
    await migrateFirst(warehouse, 6);
    const [before] = await warehouse.query<{ taxes: boolean }>("select to_regclass('pos.fact_line_tax') is not null as taxes");
    assert.equal(before?.taxes, false, 'migrated to 0005 only');
    for (const table of [
      ...STAR_TABLES,
      ...AGGREGATES.filter((a) => a.table !== 'pos.agg_tax_day').map((a) => a.table.slice(4)),
    ]) {
      const [rows] = await source.warehouse.query<{ json: string }>(`select json_agg(t)::text as json from pos.${table} t`);
      await warehouse.query(
        `insert into pos.${table} overriding system value select * from json_populate_recordset(null::pos.${table}, $1::json)`,
        [rows?.json],
      );
    }

    const result = await migrateWarehouse(warehouse);
    assert.deepEqual(result.applied, ['0006_tax_components', '0007_inventory', '0008_aggregates_serial_scans']);
    // The same components, taxes and currencies as the write path gave the source.
    for (const query of [
      `select x.transaction_id, x.line_no, d.jurisdiction, d.code, d.rate::text, d.valid_from, d.valid_to, x.taxable, x.tax
         from pos.fact_line_tax x join pos.dim_tax d using (tax_key) order by 1, 2, 3, 4`,
      'select store_id, currency from pos.dim_store order by store_id',
    ]) {
      const migrated = await warehouse.query(query);
      assert.ok(migrated.length > 0, query);
      assert.deepEqual(migrated, await source.warehouse.query(query), query);
    }
    const failed = (await verifyWarehouse(warehouse)).filter((check) => check.violations !== 0);
    assert.deepEqual(failed, []);
    // The wider rate takes Quebec's 6 places; the bound holds for what comes next.
    const oneLine = '(transaction_id, line_no) = (select transaction_id, line_no from pos.fact_sales_line order by 1, 2 limit 1)';
    await warehouse.query(`update pos.fact_sales_line set tax_rate = 0.14975 where ${oneLine}`);
    await assert.rejects(
      warehouse.query(`update pos.fact_sales_line set tax_rate = 0.1234567 where ${oneLine}`),
      /fact_sales_line_tax_rate_check/,
    );
  } finally {
    await warehouse.close();
    await database.drop();
    await source.close();
  }
});
