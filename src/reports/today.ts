import type { SqlRunner } from '../warehouse/database.ts';
import { type StoreSales, salesToday } from '../warehouse/sql/sales-today.ts';
import { COVER_ORDER, stockCover } from './inventory.ts';

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
     select p.category, sum(a.lines)::int as lines, sum(a.net_sales)::text as net_sales
       from today t
       join pos.agg_product_day a on a.date_key = t.date_key and a.store_key = t.store_key
       join pos.dim_product p on p.product_key = a.product_key
      group by p.category
      order by sum(a.net_sales) desc, p.category`,
    [at.toISOString()],
  );
}

/**
 * Transactions per local hour today against the average of the same hour on each store's earlier
 * days: the earlier transactions in that hour over the number of earlier dates with any trade.
 */
export function hourlyToday(db: SqlRunner, at: Date): Promise<HourSales[]> {
  return db.query<HourSales & Record<string, unknown>>(
    `with ${TODAY},
     hours as (
       select a.date_key, a.local_hour, a.sales + a.returns as transactions, a.date_key = t.date_key as is_today
         from pos.agg_store_hour a join today t on t.store_key = a.store_key and a.date_key <= t.date_key
     ),
     earlier_days as (select greatest(count(distinct date_key), 1) as days from hours where not is_today)
     select h.hour,
            coalesce(sum(a.transactions) filter (where a.is_today), 0)::int as today,
            round(coalesce(sum(a.transactions) filter (where not a.is_today), 0)::numeric / (select days from earlier_days), 1)::text
              as previous_average
       from generate_series(0, 23) as h(hour)
       left join hours a on a.local_hour = h.hour
      group by h.hour
      order by h.hour`,
    [at.toISOString()],
  );
}

/** Today's tenders: transactions, total and share of the total. */
export function paymentMixToday(db: SqlRunner, at: Date): Promise<TenderSales[]> {
  return db.query<TenderSales & Record<string, unknown>>(
    `with ${TODAY}
     select m.method, coalesce(m.card_brand, '') as card_brand, sum(a.transactions)::int as transactions, sum(a.total)::text as total,
            round(sum(a.total) / nullif(sum(sum(a.total)) over (), 0), 4)::text as share
       from today t
       join pos.agg_tender_day a on a.date_key = t.date_key and a.store_key = t.store_key
       join pos.dim_payment_method m on m.payment_method_key = a.payment_method_key
      group by m.method, m.card_brand
      order by sum(a.total) desc, m.method, card_brand`,
    [at.toISOString()],
  );
}

/** Today's sales and returns across all stores: returns per sale and the amount refunded. */
export async function returnsToday(db: SqlRunner, at: Date): Promise<ReturnsToday> {
  // Without a row today the sums are null where the facts' counts were 0: coalesced. Refunded sums
  // only the hours with returns, so that a day without any shows 0, as over the facts, not 0.00.
  const [row] = await db.query<ReturnsToday & Record<string, unknown>>(
    `with ${TODAY},
     totals as (
       select coalesce(sum(a.sales), 0) as sales, coalesce(sum(a.returns), 0) as returns,
              coalesce(sum(a.returns_total) filter (where a.returns > 0), 0) as returns_total
         from today t
         join pos.agg_store_hour a on a.date_key = t.date_key and a.store_key = t.store_key
     )
     select sales::int, returns::int,
            round(returns::numeric / nullif(sales, 0), 4)::text as return_rate,
            (-returns_total)::text as refunded
       from totals`,
    [at.toISOString()],
  );
  return row ?? { sales: 0, returns: 0, return_rate: null, refunded: '0' };
}

/**
 * Everything the warehouse has taken in: transactions and lines (from pos.agg_store_hour, so the
 * days `pos db prune` removed from the facts still count), and dead letters; for `pos dashboard`,
 * which has no consumer of its own.
 */
export async function warehouseTotals(db: SqlRunner): Promise<WarehouseTotals> {
  // Sums of counts are bigint: carried as text, so that billions of lines do not overflow an int.
  const [row] = await db.query<{ transactions: string; lines: string; dead_letters: string }>(
    `select coalesce(sum(sales + returns), 0)::text as transactions, coalesce(sum(lines), 0)::text as lines,
            (select count(*) from pos.dead_letter)::text as dead_letters
       from pos.agg_store_hour`,
  );
  return {
    transactions: Number(row?.transactions ?? 0),
    lines: Number(row?.lines ?? 0),
    dead_letters: Number(row?.dead_letters ?? 0),
  };
}

/**
 * Each store's currency by store id: what the dashboard's store table shows beside its amounts.
 * From dim_store (a store trades in one currency, kept there by the store upsert): a few rows.
 */
export async function storeCurrencies(db: SqlRunner): Promise<Record<string, string>> {
  const rows = await db.query<{ store_id: string; currency: string }>(
    'select store_id, currency from pos.dim_store where currency is not null',
  );
  return Object.fromEntries(rows.map((row) => [row.store_id, row.currency]));
}

/** A product of a store with little stock: on hand, units sold per day and days of cover as in `pos report stock-on-hand`. */
export interface LowStockRow {
  store_id: string;
  sku: string;
  name: string | null;
  on_hand: string;
  sold_per_day: string | null;
  /** null: nothing sold in the period, so no end in sight. */
  days_of_cover: string | null;
}

export interface LowStock {
  /** Store and product pairs with nothing on hand (≤ 0). */
  outOfStock: number;
  /** Pairs in stock for less than 2 days at the period's rate. */
  underTwoDays: number;
  /** The lowest cover first, as the stock-on-hand report orders it. */
  lowest: LowStockRow[];
}

/**
 * The dashboard's low-stock figures: the stock-on-hand report's rows over the whole chain, counted,
 * and the `limit` lowest. Null when no inventory message ever landed: stock is not tracked (a
 * chain simulated without stock), and the sales alone would make every product out of stock.
 * It reads pos.stock_on_hand and the product aggregate's last 28 days (LiveFeed spaces its runs).
 */
export async function lowStock(db: SqlRunner, limit = 10): Promise<LowStock | null> {
  const [tracked] = await db.query<{ tracked: boolean }>('select exists (select 1 from pos.inventory_event) as tracked');
  if (!tracked?.tracked) return null;
  const rows = await db.query<LowStockRow & { out_of_stock: number; under_two_days: number } & Record<string, unknown>>(
    `with ${stockCover('aggregates', { from: 'null::int', to: 'null::int', store: 'null::text' })}
     select c.store_id, c.sku, c.name, c.quantity::text as on_hand, round(c.sold_per_day, 3)::text as sold_per_day,
            round(c.days_of_cover, 1)::text as days_of_cover,
            (count(*) filter (where c.quantity <= 0) over ())::int as out_of_stock,
            (count(*) filter (where c.quantity > 0 and c.days_of_cover < 2) over ())::int as under_two_days
       from cover c
      order by ${COVER_ORDER}
      limit $1`,
    [limit],
  );
  return {
    outOfStock: rows[0]?.out_of_stock ?? 0,
    underTwoDays: rows[0]?.under_two_days ?? 0,
    lowest: rows.map(({ out_of_stock: _, under_two_days: __, ...row }) => row),
  };
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

/**
 * When the newest transaction in the warehouse happened (undefined: none yet): "today" for a
 * warehouse filled earlier. Read from the rows of pos.agg_store_hour's newest dates, found by its
 * key: UTC offsets span 26 hours (−12:00 to +14:00), so the newest instant falls on a local date
 * at most two days before the newest date key. The range is bounded on both sides because the
 * planner does not know the dates when it plans: it expects few rows from a range, and reads the
 * key, where from a lower bound alone it would expect a third of the table, and read all of it.
 */
export async function latestTransactionAt(db: SqlRunner): Promise<Date | undefined> {
  const [row] = await db.query<{ at: string | null }>(
    `with newest as (select max(date_key) as date_key from pos.agg_store_hour)
     select max(last_occurred_at)::text as at from pos.agg_store_hour
      where date_key between (select to_char(to_date(date_key::text, 'YYYYMMDD') - 2, 'YYYYMMDD')::int from newest)
                         and (select date_key from newest)`,
  );
  return row?.at ? new Date(row.at) : undefined;
}
