import type { SqlRunner } from '../database.ts';

export interface StoreSales {
  storeId: string;
  name: string;
  transactions: number;
  total: string;
}

/** Each store's sales on its own local date at `at` (in its time zone), best first. */
export async function salesToday(db: SqlRunner, at: Date, limit: number): Promise<StoreSales[]> {
  const rows = await db.query<{ store_id: string; name: string; transactions: number; total: string }>(
    `with today as (
       select store_key, to_char($1::timestamptz at time zone timezone, 'YYYYMMDD')::int as date_key from pos.dim_store
     )
     select s.store_id, s.name, count(*)::int as transactions, sum(f.total)::text as total
       from today t
       join pos.fact_transaction f on f.store_key = t.store_key and f.date_key = t.date_key
       join pos.dim_store s on s.store_key = t.store_key
      group by s.store_id, s.name
      order by sum(f.total) desc, s.store_id
      limit $2`,
    [at.toISOString(), limit],
  );
  return rows.map((row) => ({ storeId: row.store_id, name: row.name, transactions: row.transactions, total: row.total }));
}
