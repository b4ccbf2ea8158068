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
  {
    name: 'transactions whose date_key is not in dim_date',
    sql: `select count(*) from pos.fact_transaction f
           where not exists (select 1 from pos.dim_date d where d.date_key = f.date_key)`,
  },
  {
    name: 'transactions whose store_key is not in dim_store',
    sql: `select count(*) from pos.fact_transaction f
           where not exists (select 1 from pos.dim_store s where s.store_key = f.store_key)`,
  },
  {
    name: 'transactions whose customer_key is not in dim_customer',
    sql: `select count(*) from pos.fact_transaction f
           where f.customer_key is not null
             and not exists (select 1 from pos.dim_customer c where c.customer_key = f.customer_key)`,
  },
  {
    name: 'transactions whose payment_method_key is not in dim_payment_method',
    sql: `select count(*) from pos.fact_transaction f
           where not exists (select 1 from pos.dim_payment_method m where m.payment_method_key = f.payment_method_key)`,
  },
  {
    name: 'lines whose product_key is not in dim_product',
    sql: `select count(*) from pos.fact_sales_line l
           where not exists (select 1 from pos.dim_product p where p.product_key = l.product_key)`,
  },
  {
    name: 'lines whose customer_key is not in dim_customer',
    sql: `select count(*) from pos.fact_sales_line l
           where l.customer_key is not null
             and not exists (select 1 from pos.dim_customer c where c.customer_key = l.customer_key)`,
  },
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

/** Runs every check; the warehouse is sound when each one counts 0. */
export async function verifyWarehouse(db: SqlRunner): Promise<VerifyCheck[]> {
  const results: VerifyCheck[] = [];
  for (const check of CHECKS) {
    const [row] = await db.query<{ count: string }>(check.sql);
    results.push({ name: check.name, violations: Number(row?.count ?? 0) });
  }
  return results;
}
