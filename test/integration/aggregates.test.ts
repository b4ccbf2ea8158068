import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FACT_DASHBOARD } from '../../bench/dashboard-from-facts.ts';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { type BatchResult, writeTransactions } from '../../src/ingest/write.ts';
import { REPORTS, type ReportFilter, runReport } from '../../src/reports/reports.ts';
import {
  categoriesToday,
  hourlyToday,
  latestTransactionAt,
  paymentMixToday,
  returnsToday,
  warehouseTotals,
} from '../../src/reports/today.ts';
import { AGGREGATES, aggregateDifferences } from '../../src/warehouse/aggregates.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { rebuildAggregates } from '../../src/warehouse/rebuild-aggregates.ts';
import { salesToday } from '../../src/warehouse/sql/sales-today.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse } from './support/warehouse.ts';

/**
 * The reports and the live dashboard read the aggregate tables; here they are held to the same
 * figures computed from the facts (each report's `factSql`, and the dashboard's queries as they
 * were written over the facts), after a backfill that went through the write path in batches,
 * with replays, conflicts and invalid messages on the way.
 */

const BACKFILL = { seed: 2202, count: 1000, startDate: '2026-02-20', days: 7 } as const;

/** A copy of `message` under another id, at another local time of its store (same UTC offset). */
function movedTo(message: TransactionMessage, id: string, occurredAt: string): TransactionMessage {
  return { ...message, transaction_id: id, occurred_at: occurredAt, payment: { ...message.payment } };
}

function firstSaleIn(messages: TransactionMessage[], timezone: string): TransactionMessage {
  const sale = messages.find((message) => message.type === 'sale' && message.store.timezone === timezone);
  assert.ok(sale, `the backfill has no sale in ${timezone}`);
  return sale;
}

for (const kind of ['server', 'embedded'] as const) {
  describe(`the aggregates against the facts, on the ${kind} database`, () => {
    let warehouse: Warehouse;
    let close: () => Promise<void>;
    let messages: TransactionMessage[];
    let results: BatchResult[];
    /** After the backfill, across the month's end: New York's 1 March (00:30) and, later, Honolulu's 28 February (22:00). */
    let newYorkJustAfterMidnight: TransactionMessage;
    let honoluluLateEvening: TransactionMessage;

    before(async () => {
      ({ warehouse, close } = kind === 'server' ? await migratedWarehouse() : await migratedEmbeddedWarehouse());
      messages = parse(await backfillLines(BACKFILL));
      newYorkJustAfterMidnight = movedTo(
        firstSaleIn(messages, 'America/New_York'),
        '019ca6b0-0000-7000-8000-00000000000a',
        '2026-03-01T00:30:00.000-05:00',
      );
      honoluluLateEvening = movedTo(
        firstSaleIn(messages, 'Pacific/Honolulu'),
        '019ca6b0-0000-7000-8000-00000000000b',
        '2026-02-28T22:00:00.000-10:00',
      );
      const conflictWithStored = { ...(messages[5] as TransactionMessage), register_id: 'R-OTHER' };
      const conflictInBatch = { ...(messages[710] as TransactionMessage), cashier_id: 'E-OTHER' };
      const wrongTotal = {
        ...(messages[3] as TransactionMessage),
        transaction_id: '019ca6b0-0000-7000-8000-00000000000c',
        total: '1.00',
      };
      // Batches that share aggregate rows, so that the upserts add to rows stored before.
      results = [
        await writeTransactions(warehouse, messages.slice(0, 400)),
        await writeTransactions(warehouse, messages.slice(400, 700)),
        // A replay spanning both earlier batches.
        await writeTransactions(warehouse, messages.slice(200, 500)),
        await writeTransactions(warehouse, [
          ...messages.slice(700),
          // Copies of messages earlier in this batch, one of them with other content.
          ...messages.slice(700, 720),
          conflictInBatch,
          conflictWithStored,
          wrongTotal,
          { hello: 'world' },
          newYorkJustAfterMidnight,
          honoluluLateEvening,
        ]),
      ];
    });
    after(() => close());

    test('the write path took each transaction in once: replays skipped, conflicts and invalid messages dead-lettered', () => {
      const sum = (pick: (result: BatchResult) => number) => results.reduce((total, result) => total + pick(result), 0);
      assert.equal(
        sum((result) => result.landed),
        BACKFILL.count + 2,
      );
      assert.equal(
        sum((result) => result.duplicates),
        300 + 20,
      );
      assert.deepEqual(results.flatMap((result) => result.rejected.map((rejection) => rejection.code)).sort(), [
        'arithmetic',
        'conflict',
        'conflict',
        'schema',
      ]);
    });

    test('every aggregate row equals what the facts give', async () => {
      for (const aggregate of AGGREGATES) assert.equal(await aggregateDifferences(warehouse, aggregate, 0), 0, aggregate.table);
    });

    test("the stored sums carry the facts' scales: 2 places for money, 3 for quantities", async () => {
      const [scales] = await warehouse.query<Record<string, number[]>>(
        `select (select array[min(least(scale(net_sales), scale(discount), scale(tax), scale(total))),
                               max(greatest(scale(net_sales), scale(discount), scale(tax), scale(total)))]
                   from pos.agg_store_hour) as store_hour,
                (select array[min(scale(returns_total)), max(scale(returns_total))] from pos.agg_store_hour where returns > 0) as refunds,
                (select array[min(scale(net_sales)), max(scale(net_sales))] from pos.agg_product_day) as product_money,
                (select array[min(scale(quantity)), max(scale(quantity))] from pos.agg_product_day) as quantity,
                (select array[min(scale(total)), max(scale(total))] from pos.agg_tender_day) as tender`,
      );
      assert.deepEqual(scales, {
        store_hour: [2, 2],
        refunds: [2, 2],
        product_money: [2, 2],
        quantity: [3, 3],
        tender: [2, 2],
      });
    });

    test('every report gives the same rows from the aggregates as from the facts, for every filter', async () => {
      await assertReportsEqualFacts(warehouse, await filters(warehouse));
    });

    test('the live figures of today equal the facts, at instants where the stores are on different dates, at a month end', async () => {
      const at = new Date(honoluluLateEvening.occurred_at);
      const figures = await todayFiguresAt(warehouse, at);
      // New York is on 1 March and Honolulu on 28 February: each store's own today.
      assert.equal(figures.returns.sales, 2);
      await assertTodayEqualsFacts(warehouse, [at, new Date('2026-02-23T19:00:00Z'), new Date('2026-01-01T12:00:00Z')]);
    });

    test('the warehouse totals count the transactions and lines the facts hold, and the dead letters', async () => {
      const [facts] = await warehouse.query<{ transactions: number; lines: number; dead_letters: number }>(
        `select (select count(*) from pos.fact_transaction)::int as transactions,
                (select count(*) from pos.fact_sales_line)::int as lines,
                (select count(*) from pos.dead_letter)::int as dead_letters`,
      );
      assert.deepEqual(facts, {
        transactions: BACKFILL.count + 2,
        lines: [...messages, newYorkJustAfterMidnight, honoluluLateEvening].reduce(
          (sum, message) => sum + message.items.length,
          0,
        ),
        dead_letters: 4,
      });
      assert.deepEqual(await warehouseTotals(warehouse), facts);
    });

    test('the newest transaction is found when it is on a local date before the newest date key, across a month end', async () => {
      const [newest] = await warehouse.query<{ date_key: number; latest_date_key: number; at: string }>(
        `select (select max(date_key) from pos.fact_transaction) as date_key,
                (select date_key from pos.fact_transaction order by occurred_at desc limit 1) as latest_date_key,
                (select max(occurred_at) from pos.fact_transaction)::text as at`,
      );
      // What the story needs: a newest date key on the 1st, the newest instant on the day before.
      assert.deepEqual([newest?.date_key, newest?.latest_date_key], [20260301, 20260228]);
      const latest = await latestTransactionAt(warehouse);
      assert.equal(latest?.toISOString(), new Date(String(newest?.at)).toISOString());
      assert.equal(latest?.toISOString(), new Date(honoluluLateEvening.occurred_at).toISOString());
    });

    test('after pos db rebuild-aggregates, the aggregates, the reports and the live figures still equal the facts', async () => {
      const rebuilt = await rebuildAggregates(warehouse);
      assert.ok(
        rebuilt.tables.every((table) => table.rows > 0),
        JSON.stringify(rebuilt),
      );
      for (const aggregate of AGGREGATES) assert.equal(await aggregateDifferences(warehouse, aggregate, 0), 0, aggregate.table);
      await assertReportsEqualFacts(warehouse, await filters(warehouse));
      await assertTodayEqualsFacts(warehouse, [new Date(honoluluLateEvening.occurred_at), new Date('2026-02-23T19:00:00Z')]);
    });
  });
}

test('the aggregate tables are never scanned in parallel: a report plans no worker where a table without the setting gets them', async () => {
  const { warehouse, close } = await migratedWarehouse();
  try {
    for (const { table } of AGGREGATES) {
      const [row] = await warehouse.query<{ options: string[] | null }>(
        'select reloptions as options from pg_class where oid = $1::regclass',
        [table],
      );
      assert.ok(row?.options?.includes('parallel_workers=0'), `${table} has the options ${JSON.stringify(row?.options)}`);
    }
    await warehouse.query(
      `insert into pos.agg_product_day (date_key, store_key, product_key, lines, quantity, net_sales)
       select 20261200 + d, s, p, 1, 1, 1 from generate_series(1, 3) d, generate_series(1, 5) s, generate_series(1, 2000) p`,
    );
    // The same rows in a table without the setting (LIKE copies no storage parameter).
    await warehouse.query('create table public.agg_reference (like pos.agg_product_day including all)');
    await warehouse.query('insert into public.agg_reference select * from pos.agg_product_day');
    await warehouse.query('analyze pos.agg_product_day, public.agg_reference');
    const topProducts = REPORTS.find(({ name }) => name === 'top-products');
    assert.ok(topProducts);
    const plans = await warehouse.transaction(async (tx) => {
      // Workers for free and for any table size.
      await tx.query('set local parallel_setup_cost = 0');
      await tx.query('set local parallel_tuple_cost = 0');
      await tx.query('set local min_parallel_table_scan_size = 0');
      const explain = async (sql: string) =>
        (await tx.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, [20261126, null, null]))
          .map((line) => line['QUERY PLAN'])
          .join('\n');
      return {
        reference: await explain(topProducts.sql.replaceAll('pos.agg_product_day', 'public.agg_reference')),
        report: await explain(topProducts.sql),
      };
    });
    assert.match(plans.reference, /Parallel Seq Scan on agg_reference/, plans.reference);
    assert.match(plans.report, /Seq Scan on agg_product_day/, plans.report);
    assert.doesNotMatch(plans.report, /Parallel Seq Scan on agg_product_day/, plans.report);
  } finally {
    await close();
  }
});

/** No filter, date ranges open and closed, a store, both, and a store with no row. */
async function filters(warehouse: Warehouse): Promise<ReportFilter[]> {
  const stores = await warehouse.query<{ store_id: string }>('select store_id from pos.dim_store order by store_id');
  assert.ok(stores.length >= 10, `only ${stores.length} stores`);
  const some = stores[3]?.store_id as string;
  const other = stores[8]?.store_id as string;
  return [
    {},
    { from: '2026-02-22', to: '2026-02-24' },
    { from: '2026-02-25' },
    { to: '2026-02-21' },
    { storeId: some },
    { from: '2026-02-23', to: '2026-02-26', storeId: other },
    { from: '2026-02-28', to: '2026-03-01' },
    { storeId: 'S999' },
  ];
}

async function assertReportsEqualFacts(warehouse: Warehouse, cases: ReportFilter[]): Promise<void> {
  for (const report of REPORTS) {
    for (const filter of cases) {
      const what = `${report.name} ${JSON.stringify(filter)}`;
      const fromAggregates = (await runReport(warehouse, report, filter)).rows;
      const fromFacts = (await runReport(warehouse, { ...report, sql: report.factSql }, filter)).rows;
      assert.deepEqual(fromAggregates, fromFacts, what);
      // Every comparison but the unknown store's has rows to compare, with the columns the report announces.
      if (filter.storeId !== 'S999') assert.ok(fromFacts.length > 0, `${what}: no rows`);
      for (const row of fromAggregates) assert.deepEqual(Object.keys(row), report.columns, what);
    }
  }
}

async function todayFiguresAt(warehouse: Warehouse, at: Date) {
  return {
    byStore: await salesToday(warehouse, at, 1000),
    top3: await salesToday(warehouse, at, 3),
    byCategory: await categoriesToday(warehouse, at),
    hourly: await hourlyToday(warehouse, at),
    paymentMix: await paymentMixToday(warehouse, at),
    returns: await returnsToday(warehouse, at),
  };
}

async function assertTodayEqualsFacts(warehouse: Warehouse, instants: Date[]): Promise<void> {
  for (const at of instants) {
    assert.deepEqual(
      await todayFiguresAt(warehouse, at),
      {
        byStore: await FACT_DASHBOARD.salesToday(warehouse, at),
        top3: await FACT_DASHBOARD.salesToday(warehouse, at, 3),
        byCategory: await FACT_DASHBOARD.categoriesToday(warehouse, at),
        hourly: await FACT_DASHBOARD.hourlyToday(warehouse, at),
        paymentMix: await FACT_DASHBOARD.paymentMixToday(warehouse, at),
        returns: await FACT_DASHBOARD.returnsToday(warehouse, at),
      },
      at.toISOString(),
    );
  }
}
