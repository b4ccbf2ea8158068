import type { SqlRunner } from '../database.ts';

export interface StoreSales {
  storeId: string;
  name: string;
  transactions: number;
  total: string;
}

/**
 * Each store's sales on its own local date at `at` (in its time zone), best first: from the
 * store's hours that day in pos.agg_store_hour, whose key (date, store, hour) finds them.
 */
export async function salesToday(db: SqlRunner, at: Date, limit: number): Promise<StoreSales[]> {
  const rows = await db.query<{ store_id: string; name: string; transactions: number; total: string }>(
    `with today as (
       select store_key, to_char($1::timestamptz at time zone timezone, 'YYYYMMDD')::int as date_key from pos.dim_store
     )
     select s.store_id, s.name, sum(a.sales + a.returns)::int as transactions, sum(a.total)::text as total
       from today t
       join pos.agg_store_hour a on a.store_key = t.store_key and a.date_key = t.date_key
       join pos.dim_store s on s.store_key = t.store_key
      group by s.store_id, s.name
      order by sum(a.total) desc, s.store_id
      limit $2`,
    [at.toISOString(), limit],
  );
  return rows.map((row) => ({ storeId: row.store_id, name: row.name, transactions: row.transactions, total: row.total }));
}
