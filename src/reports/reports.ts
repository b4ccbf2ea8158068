import { dateKey } from '../domain/date-key.ts';
import type { SqlRunner } from '../warehouse/database.ts';
import type { ReportDefinition, ReportFilter, ReportResult } from './definition.ts';
import { INVENTORY_REPORTS } from './inventory.ts';

export type { ReportDefinition, ReportFilter, ReportResult } from './definition.ts';

/**
 * The sales reports: each one SQL query over the aggregate tables (src/warehouse/aggregates.ts), run as
 * it is on the server and on the embedded database, so that a report answers as fast over years
 * of facts as over a day. Filters are parameters: $1 first local date (YYYYMMDD or null), $2 last
 * local date (or null), $3 store id (or null). Money comes out as decimal text, counts as
 * integers, shares as decimals of 4 places. The inventory reports are in inventory.ts.
 */

/** The filter every report applies, on its fact or aggregate row (`alias`) and its store (alias s). */
const filterOn = (alias: string) =>
  `($1::int is null or ${alias}.date_key >= $1) and ($2::int is null or ${alias}.date_key <= $2) and ($3::text is null or s.store_id = $3)`;
const FILTER = filterOn('f');
const AGGREGATE_FILTER = filterOn('a');

/**
 * The product aggregate's rows within the filter, summed per product before anything joins them:
 * its rows are many (stores × products × days), and a product key hashes faster than its names.
 */
const BY_PRODUCT = `select a.product_key, sum(a.lines) as lines, sum(a.quantity) as quantity, sum(a.net_sales) as net_sales
                      from pos.agg_product_day a
                      join pos.dim_store s using (store_key)
                     where ${AGGREGATE_FILTER}
                     group by a.product_key`;

/*
 * Reading the aggregates gives the facts' text exactly: their money sums are of decimals with 2
 * places (3 for quantities), as the facts' numeric(18,2) and (12,3) are, so sums and shares carry
 * the same scale; each count is a sum of counts (bigint), cast to int as count(*) is; and an
 * aggregate row exists only where a fact does, so no group appears that the facts lack.
 */
export const REPORTS: readonly ReportDefinition[] = [
  {
    name: 'sales-by-day',
    columns: ['date', 'day', 'sales', 'returns', 'net_sales', 'tax', 'total'],
    description: 'per local calendar day: sales, returns, net sales before tax, tax and total',
    sql: `select d.full_date::text as date, d.day_name as day,
                 sum(a.sales)::int as sales, sum(a.returns)::int as returns,
                 sum(a.net_sales)::text as net_sales, sum(a.tax)::text as tax, sum(a.total)::text as total
            from pos.agg_store_hour a
            join pos.dim_date d using (date_key)
            join pos.dim_store s using (store_key)
           where ${AGGREGATE_FILTER}
           group by d.full_date, d.day_name
           order by d.full_date`,
    factSql: `select d.full_date::text as date, d.day_name as day,
                 count(*) filter (where f.type = 'sale')::int as sales,
                 count(*) filter (where f.type = 'return')::int as returns,
                 sum(f.subtotal)::text as net_sales, sum(f.tax_total)::text as tax, sum(f.total)::text as total
            from pos.fact_transaction f
            join pos.dim_date d using (date_key)
            join pos.dim_store s using (store_key)
           where ${FILTER}
           group by d.full_date, d.day_name
           order by d.full_date`,
  },
  {
    name: 'sales-by-store',
    columns: ['store_id', 'name', 'region', 'transactions', 'net_sales', 'tax', 'total'],
    description: 'per store: transactions, net sales before tax, tax and total',
    sql: `select s.store_id, s.name, s.region,
                 sum(a.sales + a.returns)::int as transactions,
                 sum(a.net_sales)::text as net_sales, sum(a.tax)::text as tax, sum(a.total)::text as total
            from pos.agg_store_hour a
            join pos.dim_store s using (store_key)
           where ${AGGREGATE_FILTER}
           group by s.store_id, s.name, s.region
           order by s.store_id`,
    factSql: `select s.store_id, s.name, s.region,
                 count(*)::int as transactions,
                 sum(f.subtotal)::text as net_sales, sum(f.tax_total)::text as tax, sum(f.total)::text as total
            from pos.fact_transaction f
            join pos.dim_store s using (store_key)
           where ${FILTER}
           group by s.store_id, s.name, s.region
           order by s.store_id`,
  },
  {
    name: 'sales-by-category',
    columns: ['category', 'lines', 'net_sales', 'share'],
    description: 'per product category: lines, net sales before tax and share of net sales',
    sql: `select p.category, sum(t.lines)::int as lines, sum(t.net_sales)::text as net_sales,
                 round(sum(t.net_sales) / nullif(sum(sum(t.net_sales)) over (), 0), 4)::text as share
            from (${BY_PRODUCT}) t
            join pos.dim_product p using (product_key)
           group by p.category
           order by sum(t.net_sales) desc, p.category`,
    factSql: `select p.category, count(*)::int as lines, sum(l.line_total)::text as net_sales,
                 round(sum(l.line_total) / nullif(sum(sum(l.line_total)) over (), 0), 4)::text as share
            from pos.fact_sales_line l
            join pos.fact_transaction f using (transaction_id)
            join pos.dim_store s on s.store_key = f.store_key
            join pos.dim_product p using (product_key)
           where ${FILTER}
           group by p.category
           order by sum(l.line_total) desc, p.category`,
  },
  {
    name: 'top-products',
    columns: ['sku', 'name', 'category', 'brand', 'quantity', 'net_sales'],
    description: 'the 20 products with the most net sales: quantity sold (net of returns) and net sales',
    sql: `select p.sku, p.name, p.category, p.brand, t.quantity::text as quantity, t.net_sales::text as net_sales
            from (${BY_PRODUCT}) t
            join pos.dim_product p using (product_key)
           order by t.net_sales desc, p.sku
           limit 20`,
    factSql: `select p.sku, p.name, p.category, p.brand, sum(l.quantity)::text as quantity, sum(l.line_total)::text as net_sales
            from pos.fact_sales_line l
            join pos.fact_transaction f using (transaction_id)
            join pos.dim_store s on s.store_key = f.store_key
            join pos.dim_product p using (product_key)
           where ${FILTER}
           group by p.sku, p.name, p.category, p.brand
           order by sum(l.line_total) desc, p.sku
           limit 20`,
  },
  {
    name: 'payment-mix',
    columns: ['method', 'card_brand', 'transactions', 'total', 'share'],
    description: 'per tender (method and card brand): transactions, total and share of the total',
    sql: `select m.method, coalesce(m.card_brand, '') as card_brand, sum(a.transactions)::int as transactions, sum(a.total)::text as total,
                 round(sum(a.total) / nullif(sum(sum(a.total)) over (), 0), 4)::text as share
            from pos.agg_tender_day a
            join pos.dim_payment_method m using (payment_method_key)
            join pos.dim_store s using (store_key)
           where ${AGGREGATE_FILTER}
           group by m.method, m.card_brand
           order by sum(a.total) desc, m.method, card_brand`,
    factSql: `select m.method, coalesce(m.card_brand, '') as card_brand, count(*)::int as transactions, sum(f.total)::text as total,
                 round(sum(f.total) / nullif(sum(sum(f.total)) over (), 0), 4)::text as share
            from pos.fact_transaction f
            join pos.dim_payment_method m using (payment_method_key)
            join pos.dim_store s using (store_key)
           where ${FILTER}
           group by m.method, m.card_brand
           order by sum(f.total) desc, m.method, card_brand`,
  },
  {
    name: 'basket-size',
    columns: ['lines', 'sales', 'share'],
    description: 'distribution of sales by number of lines (20 and more together)',
    // agg_basket_day counts the sales alone.
    sql: `select case when a.line_count >= 20 then '20+' else a.line_count::text end as lines,
                 sum(a.sales)::int as sales,
                 round(sum(a.sales)::numeric / nullif(sum(sum(a.sales)) over (), 0), 4)::text as share
            from pos.agg_basket_day a
            join pos.dim_store s using (store_key)
           where ${AGGREGATE_FILTER}
           group by 1, least(a.line_count, 20)
           order by least(a.line_count, 20)`,
    factSql: `select case when f.line_count >= 20 then '20+' else f.line_count::text end as lines,
                 count(*)::int as sales,
                 round(count(*)::numeric / nullif(sum(count(*)) over (), 0), 4)::text as share
            from pos.fact_transaction f
            join pos.dim_store s using (store_key)
           where f.type = 'sale' and ${FILTER}
           group by 1, least(f.line_count, 20)
           order by least(f.line_count, 20)`,
  },
  {
    name: 'hourly-profile',
    columns: ['hour', 'transactions', 'total', 'share'],
    description: 'per local hour of the day: transactions, total and share of transactions',
    sql: `select a.local_hour as hour, sum(a.sales + a.returns)::int as transactions, sum(a.total)::text as total,
                 round(sum(a.sales + a.returns)::numeric / nullif(sum(sum(a.sales + a.returns)) over (), 0), 4)::text as share
            from pos.agg_store_hour a
            join pos.dim_store s using (store_key)
           where ${AGGREGATE_FILTER}
           group by a.local_hour
           order by a.local_hour`,
    factSql: `select f.local_hour as hour, count(*)::int as transactions, sum(f.total)::text as total,
                 round(count(*)::numeric / nullif(sum(count(*)) over (), 0), 4)::text as share
            from pos.fact_transaction f
            join pos.dim_store s using (store_key)
           where ${FILTER}
           group by f.local_hour
           order by f.local_hour`,
  },
  {
    name: 'returns-rate',
    columns: ['store_id', 'name', 'sales', 'returns', 'return_rate', 'refunded', 'refund_share'],
    description: 'per store: sales, returns, returns per sale, and refunds as a share of sales',
    // Only rows with returns are summed into refunded: without any, it is 0 as the facts' coalesce
    // gives (not 0.00). A row's sales total is its total less its returns'.
    sql: `select s.store_id, s.name,
                 sum(a.sales)::int as sales,
                 sum(a.returns)::int as returns,
                 round(sum(a.returns)::numeric / nullif(sum(a.sales), 0), 4)::text as return_rate,
                 (-coalesce(sum(a.returns_total) filter (where a.returns > 0), 0))::text as refunded,
                 round(-coalesce(sum(a.returns_total) filter (where a.returns > 0), 0)
                       / nullif(sum(a.total - a.returns_total) filter (where a.sales > 0), 0), 4)::text as refund_share
            from pos.agg_store_hour a
            join pos.dim_store s using (store_key)
           where ${AGGREGATE_FILTER}
           group by s.store_id, s.name
           order by s.store_id`,
    factSql: `select s.store_id, s.name,
                 count(*) filter (where f.type = 'sale')::int as sales,
                 count(*) filter (where f.type = 'return')::int as returns,
                 round(count(*) filter (where f.type = 'return')::numeric / nullif(count(*) filter (where f.type = 'sale'), 0), 4)::text as return_rate,
                 (-coalesce(sum(f.total) filter (where f.type = 'return'), 0))::text as refunded,
                 round(-coalesce(sum(f.total) filter (where f.type = 'return'), 0) / nullif(sum(f.total) filter (where f.type = 'sale'), 0), 4)::text as refund_share
            from pos.fact_transaction f
            join pos.dim_store s using (store_key)
           where ${FILTER}
           group by s.store_id, s.name
           order by s.store_id`,
  },
  {
    name: 'tax-collected',
    columns: ['month', 'jurisdiction', 'code', 'lines', 'taxable', 'tax'],
    description: 'per month, jurisdiction and tax (GST, HST, PST, QST, US-STATE…): lines taxed, taxable sales and tax collected',
    // What a retailer files: each tax of each jurisdiction on its own, whatever its rates in the month.
    sql: `select to_char(d.full_date, 'YYYY-MM') as month, t.jurisdiction, t.code,
                 sum(a.lines)::int as lines, sum(a.taxable)::text as taxable, sum(a.tax)::text as tax
            from pos.agg_tax_day a
            join pos.dim_tax t using (tax_key)
            join pos.dim_date d using (date_key)
            join pos.dim_store s using (store_key)
           where ${AGGREGATE_FILTER}
           group by 1, t.jurisdiction, t.code
           order by 1, t.jurisdiction, t.code`,
    factSql: `select to_char(d.full_date, 'YYYY-MM') as month, t.jurisdiction, t.code,
                 count(*)::int as lines, sum(f.taxable)::text as taxable, sum(f.tax)::text as tax
            from pos.fact_line_tax f
            join pos.dim_tax t using (tax_key)
            join pos.dim_date d using (date_key)
            join pos.dim_store s using (store_key)
           where ${FILTER}
           group by 1, t.jurisdiction, t.code
           order by 1, t.jurisdiction, t.code`,
  },
  {
    name: 'sales-by-province',
    columns: ['country', 'region', 'currency', 'stores', 'transactions', 'net_sales', 'tax', 'total'],
    description:
      'per state or province of the stores: stores, transactions, net sales before tax, tax and total, in its currency',
    // A store trades in one currency, kept on dim_store: the facts' currency is its store's.
    sql: `select s.country, s.region, s.currency, count(distinct s.store_key)::int as stores,
                 sum(a.sales + a.returns)::int as transactions,
                 sum(a.net_sales)::text as net_sales, sum(a.tax)::text as tax, sum(a.total)::text as total
            from pos.agg_store_hour a
            join pos.dim_store s using (store_key)
           where ${AGGREGATE_FILTER}
           group by s.country, s.region, s.currency
           order by s.country, s.region, s.currency`,
    factSql: `select s.country, s.region, f.currency, count(distinct s.store_key)::int as stores,
                 count(*)::int as transactions,
                 sum(f.subtotal)::text as net_sales, sum(f.tax_total)::text as tax, sum(f.total)::text as total
            from pos.fact_transaction f
            join pos.dim_store s using (store_key)
           where ${FILTER}
           group by s.country, s.region, f.currency
           order by s.country, s.region, f.currency`,
  },
];

/** Every report `pos report` knows: the sales reports, then the inventory ones. */
export const EVERY_REPORT: readonly ReportDefinition[] = [...REPORTS, ...INVENTORY_REPORTS];

export function findReport(name: string): ReportDefinition | undefined {
  return EVERY_REPORT.find((report) => report.name === name);
}

export async function runReport(db: SqlRunner, report: ReportDefinition, filter: ReportFilter = {}): Promise<ReportResult> {
  const key = (date: string | undefined) => (date === undefined ? null : dateKey(date));
  const parameters: unknown[] = [key(filter.from), key(filter.to), filter.storeId ?? null];
  if (report.limitParameter) parameters.push(filter.limit ?? null);
  const rows = await db.query(report.sql, parameters);
  return {
    columns: report.columns,
    rows: filter.limit === undefined || report.limitParameter ? rows : rows.slice(0, filter.limit),
    ...(report.nullShownAs ? { nullShownAs: report.nullShownAs } : {}),
  };
}
