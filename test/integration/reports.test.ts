import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { divideRounded, formatFixed, parseFixed } from '../../src/domain/money.ts';
import { writeTransactions } from '../../src/ingest/write.ts';
import { findReport, type ReportFilter, runReport } from '../../src/reports/reports.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { backfillLines, parse } from '../fixtures/simulated.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse } from './support/warehouse.ts';

/**
 * Each report against a second, independent computation of its numbers: another SQL query over
 * the facts (the reports read the aggregates), written another way (from the lines instead of the
 * transactions, from the time zone instead of the stored hour…), with shares computed here in
 * exact integers. aggregates.test.ts holds each report to its own `factSql`, row for row.
 */
const cents = (text: unknown) => parseFixed(String(text), 2) as number;
const share = (part: number, whole: number) => formatFixed(divideRounded(part * 10_000, whole), 4);

async function report(warehouse: Warehouse, name: string, filter: ReportFilter = {}) {
  const definition = findReport(name);
  assert.ok(definition, name);
  return (await runReport(warehouse, definition, filter)).rows;
}

for (const kind of ['server', 'embedded'] as const) {
  describe(`pos report, on the ${kind} database`, () => {
    let warehouse: Warehouse;
    let close: () => Promise<void>;

    before(async () => {
      ({ warehouse, close } = kind === 'server' ? await migratedWarehouse() : await migratedEmbeddedWarehouse());
      const result = await writeTransactions(
        warehouse,
        parse(await backfillLines({ seed: 77, count: 1500, startDate: '2026-04-06', days: 7 })),
      );
      assert.equal(result.landed, 1500);
    });
    after(() => close());

    test('sales-by-day: net sales and tax equal the sums of the lines per local date; sales and returns the counts', async () => {
      const expected = await warehouse.query<{ date: string; net: string; tax: string; sales: number; returns: number }>(
        `select to_char(to_date(l.date_key::text, 'YYYYMMDD'), 'YYYY-MM-DD') as date, sum(l.line_total)::text as net, sum(l.tax)::text as tax,
                count(distinct l.transaction_id) filter (where f.type = 'sale')::int as sales,
                count(distinct l.transaction_id) filter (where f.type = 'return')::int as returns
           from pos.fact_sales_line l join pos.fact_transaction f using (transaction_id)
          group by l.date_key order by l.date_key`,
      );
      const rows = await report(warehouse, 'sales-by-day');
      assert.equal(rows.length, 7);
      assert.deepEqual(
        rows.map((row) => [row.date, cents(row.net_sales), cents(row.tax), row.sales, row.returns, cents(row.total)]),
        expected.map((row) => [
          row.date,
          cents(row.net),
          cents(row.tax),
          row.sales,
          row.returns,
          cents(row.net) + cents(row.tax),
        ]),
      );
    });

    test('sales-by-store equals a direct sum over the facts, and its filters narrow it the same way', async () => {
      const direct = (where: string, params: unknown[]) =>
        warehouse.query<{ store_id: string; n: number; total: string }>(
          `select s.store_id, count(*)::int as n, sum(f.total)::text as total
             from pos.fact_transaction f join pos.dim_store s on s.store_key = f.store_key
            where ${where} group by s.store_id order by s.store_id`,
          params,
        );
      const all = await report(warehouse, 'sales-by-store');
      assert.deepEqual(
        all.map((row) => [row.store_id, row.transactions, cents(row.total)]),
        (await direct('true', [])).map((row) => [row.store_id, row.n, cents(row.total)]),
      );
      const filtered = await report(warehouse, 'sales-by-store', { from: '2026-04-08', to: '2026-04-09', storeId: 'S004' });
      const expected = await direct('f.date_key between 20260408 and 20260409 and s.store_id = $1', ['S004']);
      assert.equal(filtered.length, 1);
      assert.deepEqual(
        filtered.map((row) => [row.store_id, row.transactions, cents(row.total)]),
        expected.map((row) => [row.store_id, row.n, cents(row.total)]),
      );
    });

    test('sales-by-category: net sales per category from the lines, shares of the whole', async () => {
      const expected = await warehouse.query<{ category: string; lines: number; net: string }>(
        `select p.category, count(*)::int as lines, sum(l.line_total)::text as net
           from pos.dim_product p join pos.fact_sales_line l on l.product_key = p.product_key
          group by p.category`,
      );
      const whole = expected.reduce((sum, row) => sum + cents(row.net), 0);
      const rows = await report(warehouse, 'sales-by-category');
      assert.deepEqual(
        rows.map((row) => [row.category, row.lines, cents(row.net_sales), row.share]).sort(),
        expected.map((row) => [row.category, row.lines, cents(row.net), share(cents(row.net), whole)]).sort(),
      );
    });

    test('top-products: the 20 best sellers by net sales, with their net quantities', async () => {
      const expected = await warehouse.query<{ sku: string; quantity: string; net: string }>(
        `select p.sku, sum(l.quantity)::text as quantity, sum(l.line_total)::text as net
           from pos.fact_sales_line l join pos.dim_product p on p.product_key = l.product_key
          group by p.sku order by sum(l.line_total) desc, p.sku limit 20`,
      );
      const rows = await report(warehouse, 'top-products');
      assert.equal(rows.length, 20);
      assert.deepEqual(
        rows.map((row) => [row.sku, parseFixed(String(row.quantity), 3), cents(row.net_sales)]),
        expected.map((row) => [row.sku, parseFixed(row.quantity, 3), cents(row.net)]),
      );
    });

    test('payment-mix: transactions and totals per tender, shares of the total', async () => {
      const expected = await warehouse.query<{ tender: string; n: number; total: string }>(
        `select m.method || '/' || coalesce(m.card_brand, '') as tender, count(*)::int as n, sum(f.total)::text as total
           from pos.dim_payment_method m join pos.fact_transaction f on f.payment_method_key = m.payment_method_key
          group by m.method, m.card_brand`,
      );
      const whole = expected.reduce((sum, row) => sum + cents(row.total), 0);
      const rows = await report(warehouse, 'payment-mix');
      assert.deepEqual(
        rows.map((row) => [`${row.method}/${row.card_brand}`, row.transactions, cents(row.total), row.share]).sort(),
        expected.map((row) => [row.tender, row.n, cents(row.total), share(cents(row.total), whole)]).sort(),
      );
    });

    test('basket-size: the distribution of sales by number of lines, counted from the lines', async () => {
      const expected = await warehouse.query<{ lines: string; sales: number }>(
        `select case when n >= 20 then '20+' else n::text end as lines, count(*)::int as sales
           from (select l.transaction_id, count(*) as n from pos.fact_sales_line l join pos.fact_transaction f using (transaction_id)
                  where f.type = 'sale' group by l.transaction_id) as baskets
          group by 1 order by min(n)`,
      );
      const sales = expected.reduce((sum, row) => sum + row.sales, 0);
      const rows = await report(warehouse, 'basket-size');
      assert.deepEqual(
        rows.map((row) => [row.lines, row.sales, row.share]),
        expected.map((row) => [row.lines, row.sales, share(row.sales, sales)]),
      );
    });

    test("hourly-profile: transactions per hour of the store's own clock, from the time zone database", async () => {
      const expected = await warehouse.query<{ hour: number; n: number; total: string }>(
        `select extract(hour from f.occurred_at at time zone s.timezone)::int as hour, count(*)::int as n, sum(f.total)::text as total
           from pos.fact_transaction f join pos.dim_store s on s.store_key = f.store_key
          group by 1 order by 1`,
      );
      const all = expected.reduce((sum, row) => sum + row.n, 0);
      const rows = await report(warehouse, 'hourly-profile');
      assert.deepEqual(
        rows.map((row) => [row.hour, row.transactions, cents(row.total), row.share]),
        expected.map((row) => [row.hour, row.n, cents(row.total), share(row.n, all)]),
      );
    });

    test('returns-rate: returns per sale and refunds per store, from the original-transaction links and the lines', async () => {
      const expected = await warehouse.query<{
        store_id: string;
        sales: number;
        returns: number;
        sold: string;
        refunded: string;
      }>(
        `select s.store_id,
                count(*) filter (where f.original_transaction_id is null)::int as sales,
                count(*) filter (where f.original_transaction_id is not null)::int as returns,
                coalesce(sum(f.subtotal + f.tax_total) filter (where f.original_transaction_id is null), 0)::text as sold,
                coalesce(-sum(f.subtotal + f.tax_total) filter (where f.original_transaction_id is not null), 0)::text as refunded
           from pos.fact_transaction f join pos.dim_store s on s.store_key = f.store_key
          group by s.store_id order by s.store_id`,
      );
      const rows = await report(warehouse, 'returns-rate');
      assert.ok(rows.some((row) => Number(row.returns) > 0));
      assert.deepEqual(
        rows.map((row) => [row.store_id, row.sales, row.returns, row.return_rate, cents(row.refunded), row.refund_share]),
        expected.map((row) => [
          row.store_id,
          row.sales,
          row.returns,
          share(row.returns, row.sales),
          cents(row.refunded),
          share(cents(row.refunded), cents(row.sold)),
        ]),
      );
    });
  });
}
