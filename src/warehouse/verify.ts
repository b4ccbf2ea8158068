import { AGGREGATES, aggregateDifferences, factsFrom } from './aggregates.ts';
import type { SqlRunner } from './database.ts';
import { MOVEMENTS_CHECK, STOCK_CHECK } from './stock.ts';

/** One integrity rule of the star, and how many rows break it. */
export interface VerifyCheck {
  name: string;
  violations: number;
}

/**
 * The rules that the facts' informational foreign keys and the contract's arithmetic promise,
 * each as one set-based count of the rows that break it. The write path keeps them by
 * construction; these checks say so after a crash, an outage or a manual change.
 */
const CHECKS: { name: string; sql: string }[] = [
  keyInDimension('transaction', 'date_key', 'dim_date'),
  keyInDimension('transaction', 'store_key', 'dim_store'),
  keyInDimension('transaction', 'customer_key', 'dim_customer'),
  keyInDimension('transaction', 'payment_method_key', 'dim_payment_method'),
  keyInDimension('line', 'product_key', 'dim_product'),
  keyInDimension('line', 'customer_key', 'dim_customer'),
  {
    name: 'lines without their transaction',
    sql: `select count(*) from pos.fact_sales_line l
           where not exists (select 1 from pos.fact_transaction f where f.transaction_id = l.transaction_id)`,
  },
  {
    name: "lines whose store, date or customer differ from their transaction's",
    sql: `select count(*) from pos.fact_sales_line l
            join pos.fact_transaction f on f.transaction_id = l.transaction_id
           where l.store_key <> f.store_key or l.date_key <> f.date_key or l.customer_key is distinct from f.customer_key`,
  },
  {
    // The contract: subtotal = Σ line_total, tax_total = Σ tax, and line_count lines numbered 1…n.
    name: 'transactions whose lines do not add up to their subtotal, tax and line count',
    sql: `select count(*) from pos.fact_transaction f
            left join (select transaction_id, sum(line_total) as total, sum(tax) as tax, count(*) as lines, max(line_no) as last
                         from pos.fact_sales_line group by transaction_id) l on l.transaction_id = f.transaction_id
           where l.total is distinct from f.subtotal or l.tax is distinct from f.tax_total
              or l.lines is distinct from f.line_count::bigint or l.last is distinct from f.line_count`,
  },
  {
    name: 'tax components whose tax_key is not in dim_tax',
    sql: `select count(*) from pos.fact_line_tax x
           where not exists (select 1 from pos.dim_tax d where d.tax_key = x.tax_key)`,
  },
  {
    // A component is computed on its line's total, and its store and date are its line's.
    name: "tax components without their line, or whose store, date or taxable amount differ from their line's",
    sql: `select count(*) from pos.fact_line_tax x
            left join pos.fact_sales_line l on l.transaction_id = x.transaction_id and l.line_no = x.line_no
           where l.transaction_id is null or l.store_key <> x.store_key or l.date_key <> x.date_key or l.line_total <> x.taxable`,
  },
  {
    // A line's tax is the sum of its components, and its rate the sum of theirs (v1: its one component; untaxed: none).
    name: 'lines whose tax components do not add up to their tax and tax rate',
    sql: `select count(*) from pos.fact_sales_line l
            left join (select x.transaction_id, x.line_no, sum(x.tax) as tax, sum(d.rate) as rate
                         from pos.fact_line_tax x left join pos.dim_tax d using (tax_key)
                        group by x.transaction_id, x.line_no) c on c.transaction_id = l.transaction_id and c.line_no = l.line_no
           where coalesce(c.tax, 0) <> l.tax or coalesce(c.rate, 0) <> l.tax_rate`,
  },
  MOVEMENTS_CHECK,
  STOCK_CHECK,
];

/** The check that every fact's `key` has its row in `dimension` (a null customer is no one, not a broken key). */
function keyInDimension(fact: 'transaction' | 'line', key: string, dimension: string): { name: string; sql: string } {
  const table = fact === 'transaction' ? 'pos.fact_transaction' : 'pos.fact_sales_line';
  return {
    name: `${fact}s whose ${key} is not in ${dimension}`,
    sql: `select count(*) from ${table} f
           where f.${key} is not null
             and not exists (select 1 from pos.${dimension} d where d.${key} = f.${key})`,
  };
}

/** The name of the check that an aggregate table agrees with the facts: "agg_store_hour rows that differ from the facts". */
export function aggregateCheckName(table: string): string {
  return `${table.replace(/^pos\./, '')} rows that differ from the facts`;
}

/**
 * Runs every check; the warehouse is sound when each one counts 0. Then each aggregate against
 * the facts, for the dates the facts still hold (a pruned day's aggregates have nothing to be
 * compared with); `pos db rebuild-aggregates` mends those.
 */
export async function verifyWarehouse(db: SqlRunner): Promise<VerifyCheck[]> {
  const results: VerifyCheck[] = [];
  for (const check of CHECKS) {
    const [row] = await db.query<{ count: string }>(check.sql);
    results.push({ name: check.name, violations: Number(row?.count ?? 0) });
  }
  const from = await factsFrom(db);
  for (const aggregate of AGGREGATES) {
    results.push({ name: aggregateCheckName(aggregate.table), violations: await aggregateDifferences(db, aggregate, from) });
  }
  return results;
}
