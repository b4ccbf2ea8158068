import type { SqlRunner } from '../warehouse/database.ts';
import { type StoreSales, salesToday } from '../warehouse/sql/sales-today.ts';

/**
 * The live dashboard's queries: "today" is each store's own local date at an instant ($1), as
 * in `salesToday`. Money comes out as decimal text, counts as integers, shares as decimals.
 */
const TODAY = `today as (
  select store_key, to_char($1::timestamptz at time zone timezone, 'YYYYMMDD')::int as date_key from pos.dim_store
)`;

export interface CategorySales {
  category: string;
  lines: number;
  net_sales: string;
}

export interface HourSales {
  hour: number;
  /** Today's transactions in this local hour, and the average over the earlier days with any trade. */
  today: number;
  previous_average: string;
}

export interface TenderSales {
  method: string;
  card_brand: string;
  transactions: number;
  total: string;
  share: string;
}

export interface ReturnsToday {
  sales: number;
  returns: number;
  return_rate: string | null;
  refunded: string;
}

export interface WarehouseTotals {
  transactions: number;
  lines: number;
  dead_letters: number;
}

export interface TodayFigures {
  byStore: StoreSales[];
  byCategory: CategorySales[];
  hourly: HourSales[];
  paymentMix: TenderSales[];
  returns: ReturnsToday;
}

/** Today's sales by category, best first. */
export function categoriesToday(db: SqlRunner, at: Date): Promise<CategorySales[]> {
  return db.query<CategorySales & Record<string, unknown>>(
    `with ${TODAY}
     select p.category, count(*)::int as lines, sum(l.line_total)::text as net_sales
       from today t
       join pos.fact_transaction f on f.store_key = t.store_key and f.date_key = t.date_key
       join pos.fact_sales_line l on l.transaction_id = f.transaction_id
       join pos.dim_product p on p.product_key = l.product_key
      group by p.category
      order by sum(l.line_total) desc, p.category`,
    [at.toISOString()],
  );
}

/** Transactions per local hour today against the average of the same hour on each store's earlier days. */
export function hourlyToday(db: SqlRunner, at: Date): Promise<HourSales[]> {
  return db.query<HourSales & Record<string, unknown>>(
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
  );
}

/** Today's tenders: transactions, total and share of the total. */
export function paymentMixToday(db: SqlRunner, at: Date): Promise<TenderSales[]> {
  return db.query<TenderSales & Record<string, unknown>>(
    `with ${TODAY}
     select m.method, coalesce(m.card_brand, '') as card_brand, count(*)::int as transactions, sum(f.total)::text as total,
            round(sum(f.total) / nullif(sum(sum(f.total)) over (), 0), 4)::text as share
       from today t
       join pos.fact_transaction f on f.store_key = t.store_key and f.date_key = t.date_key
       join pos.dim_payment_method m on m.payment_method_key = f.payment_method_key
      group by m.method, m.card_brand
      order by sum(f.total) desc, m.method, card_brand`,
    [at.toISOString()],
  );
}

/** Today's sales and returns across all stores: returns per sale and the amount refunded. */
export async function returnsToday(db: SqlRunner, at: Date): Promise<ReturnsToday> {
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
  return row ?? { sales: 0, returns: 0, return_rate: null, refunded: '0' };
}

/** Everything the warehouse holds: transactions, lines and dead letters (for `pos dashboard`, which has no consumer of its own). */
export async function warehouseTotals(db: SqlRunner): Promise<WarehouseTotals> {
  const [row] = await db.query<WarehouseTotals & Record<string, unknown>>(
    `select (select count(*) from pos.fact_transaction)::int as transactions,
            (select count(*) from pos.fact_sales_line)::int as lines,
            (select count(*) from pos.dead_letter)::int as dead_letters`,
  );
  return row ?? { transactions: 0, lines: 0, dead_letters: 0 };
}

/**
 * All of today's figures, one query after the other: the dashboard shares the pool with the
 * consumer in `pos start`, and must not take all of its connections at once.
 */
export async function todayFigures(db: SqlRunner, at: Date): Promise<TodayFigures> {
  const byStore = await salesToday(db, at, 1000);
  const byCategory = await categoriesToday(db, at);
  const hourly = await hourlyToday(db, at);
  const paymentMix = await paymentMixToday(db, at);
  const returns = await returnsToday(db, at);
  return { byStore, byCategory, hourly, paymentMix, returns };
}

/** When the newest transaction in the warehouse happened (undefined: none yet): "today" for a warehouse filled earlier. */
export async function latestTransactionAt(db: SqlRunner): Promise<Date | undefined> {
  const [row] = await db.query<{ at: string | null }>(`select max(occurred_at)::text as at from pos.fact_transaction`);
  return row?.at ? new Date(row.at) : undefined;
}
