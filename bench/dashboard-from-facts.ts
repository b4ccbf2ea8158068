import type { ReturnsToday, WarehouseTotals } from '../src/reports/today.ts';
import type { SqlRunner } from '../src/warehouse/database.ts';
import type { StoreSales } from '../src/warehouse/sql/sales-today.ts';

/**
 * The live dashboard's queries as they were before the aggregates (issue 22), reading the facts:
 * the reference that bench/warehouse.ts times src/reports/today.ts against, and that
 * test/integration/aggregates.test.ts holds it to. The same figures,
 * the same parameters and the same results; "today" is each store's own local date at $1.
 */
const TODAY = `today as (
  select store_key, to_char($1::timestamptz at time zone timezone, 'YYYYMMDD')::int as date_key from pos.dim_store
)`;

export const FACT_DASHBOARD = {
  salesToday: async (db: SqlRunner, at: Date, limit = 1000): Promise<StoreSales[]> => {
    const rows = await db.query<{ store_id: string; name: string; transactions: number; total: string }>(
      `with ${TODAY}
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
  },

  categoriesToday: (db: SqlRunner, at: Date) =>
    db.query(
      `with ${TODAY}
       select p.category, count(*)::int as lines, sum(l.line_total)::text as net_sales
         from today t
         join pos.fact_transaction f on f.store_key = t.store_key and f.date_key = t.date_key
         join pos.fact_sales_line l on l.transaction_id = f.transaction_id
         join pos.dim_product p on p.product_key = l.product_key
        group by p.category
        order by sum(l.line_total) desc, p.category`,
      [at.toISOString()],
    ),

  hourlyToday: (db: SqlRunner, at: Date) =>
    db.query(
      `with ${TODAY},
       facts as (
         select f.date_key, f.local_hour, f.date_key = t.date_key as is_today
           from pos.fact_transaction f join today t on t.store_key = f.store_key and f.date_key <= t.date_key
       ),
       earlier_days as (select greatest(count(distinct date_key), 1) as days from facts where not is_today)
       select h.hour,
              count(f.date_key) filter (where f.is_today)::int as today,
              round(count(f.date_key) filter (where not f.is_today)::numeric / (select days from earlier_days), 1)::text as previous_average
         from generate_series(0, 23) as h(hour)
         left join facts f on f.local_hour = h.hour
        group by h.hour
        order by h.hour`,
      [at.toISOString()],
    ),

  paymentMixToday: (db: SqlRunner, at: Date) =>
    db.query(
      `with ${TODAY}
       select m.method, coalesce(m.card_brand, '') as card_brand, count(*)::int as transactions, sum(f.total)::text as total,
              round(sum(f.total) / nullif(sum(sum(f.total)) over (), 0), 4)::text as share
         from today t
         join pos.fact_transaction f on f.store_key = t.store_key and f.date_key = t.date_key
         join pos.dim_payment_method m on m.payment_method_key = f.payment_method_key
        group by m.method, m.card_brand
        order by sum(f.total) desc, m.method, card_brand`,
      [at.toISOString()],
    ),

  returnsToday: async (db: SqlRunner, at: Date): Promise<ReturnsToday | undefined> => {
    const [row] = await db.query<ReturnsToday & Record<string, unknown>>(
      `with ${TODAY}
       select count(*) filter (where f.type = 'sale')::int as sales,
              count(*) filter (where f.type = 'return')::int as returns,
              round(count(*) filter (where f.type = 'return')::numeric / nullif(count(*) filter (where f.type = 'sale'), 0), 4)::text as return_rate,
              (-coalesce(sum(f.total) filter (where f.type = 'return'), 0))::text as refunded
         from today t
         join pos.fact_transaction f on f.store_key = t.store_key and f.date_key = t.date_key`,
      [at.toISOString()],
    );
    return row;
  },

  warehouseTotals: async (db: SqlRunner): Promise<WarehouseTotals | undefined> => {
    const [row] = await db.query<WarehouseTotals & Record<string, unknown>>(
      `select (select count(*) from pos.fact_transaction)::int as transactions,
              (select count(*) from pos.fact_sales_line)::int as lines,
              (select count(*) from pos.dead_letter)::int as dead_letters`,
    );
    return row;
  },

  latestTransactionAt: async (db: SqlRunner): Promise<Date | undefined> => {
    const [row] = await db.query<{ at: string | null }>(`select max(occurred_at)::text as at from pos.fact_transaction`);
    return row?.at ? new Date(row.at) : undefined;
  },
};

/** todayFigures from the facts: the five queries one after the other, as the dashboard runs them. */
export async function factTodayFigures(db: SqlRunner, at: Date): Promise<void> {
  await FACT_DASHBOARD.salesToday(db, at);
  await FACT_DASHBOARD.categoriesToday(db, at);
  await FACT_DASHBOARD.hourlyToday(db, at);
  await FACT_DASHBOARD.paymentMixToday(db, at);
  await FACT_DASHBOARD.returnsToday(db, at);
}
