import { AGGREGATES, aggregateDifferences, factsFrom } from './aggregates.ts';
import type { SqlRunner } from './database.ts';

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
    // The contract: subtotal = Σ line_total, and line_count lines numbered 1…n.
    name: 'transactions whose lines do not add up to their subtotal and line count',
    sql: `select count(*) from pos.fact_transaction f
            left join (select transaction_id, sum(line_total) as total, count(*) as lines, max(line_no) as last
                         from pos.fact_sales_line group by transaction_id) l on l.transaction_id = f.transaction_id
           where l.total is distinct from f.subtotal or l.lines is distinct from f.line_count::bigint
              or l.last is distinct from f.line_count`,
  },
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
