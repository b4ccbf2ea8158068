import type { ReportDefinition } from './definition.ts';

/**
 * The inventory reports: stock on hand with its days of cover, stockouts with the sales they lost,
 * and shrink. Each is one SQL query, as the sales reports are (reports.ts), over stock on hand
 * (pos.stock_on_hand, kept per store and product by the write paths), the movements (the view
 * pos.stock_movement: the inventory messages' and those the sales lines make) and the product
 * aggregate; each has a reference computed another way, from the facts and movements alone.
 *
 * Their period: `--to` or the newest local date with sales, and `--from` or 27 days before it (28
 * days, not counting days before the first sale), rather than "today": a warehouse filled in the
 * past reads as it did then. A product's price is its average net selling price in the period in
 * the stores of the same currency (Σ net sales / Σ quantity): the warehouse keeps no list price.
 */

/** SQL expressions of the filters: the report's parameters, or fixed values (the dashboard's). */
export interface StockParameters {
  from: string;
  to: string;
  store: string;
}

const REPORT_PARAMETERS: StockParameters = { from: '$1::int', to: '$2::int', store: '$3::text' };

/** Where the dates, quantities and net sales of the sales are read: the product aggregate, or the facts for a reference. */
type SalesSource = 'aggregates' | 'facts';

/**
 * CTEs `bounds` and `period` (from_key, to_key, days): the period as described above. A period
 * after the newest date is empty (days 0).
 */
function period(source: SalesSource, parameters: StockParameters): string {
  const sales = source === 'aggregates' ? 'pos.agg_product_day' : 'pos.fact_sales_line';
  return `bounds as (
    select coalesce(${parameters.to}, max(date_key)) as to_key, min(date_key) as first_key from ${sales}
  ),
  period as (
    select from_key, to_key, greatest(to_date(to_key::text, 'YYYYMMDD') - to_date(from_key::text, 'YYYYMMDD') + 1, 0) as days
      from (select coalesce(${parameters.from}, greatest(to_char(to_date(to_key::text, 'YYYYMMDD') - 27, 'YYYYMMDD')::int, first_key)) as from_key,
                   to_key
              from bounds) b
  )`;
}

/**
 * CTE `sold` (store_id, currency, sku, quantity, net_sales): what each store sold of each product
 * in the CTE `span`'s dates, net of returns; with `store` (an SQL expression), only that store's.
 * From the aggregate, summed by its keys before they are named.
 */
function sold(source: SalesSource, span: string, store?: string): string {
  const only = store ? `where ${store} is null or st.store_id = ${store}` : '';
  if (source === 'aggregates') {
    return `sold as (
    select st.store_id, st.currency, p.sku, t.quantity, t.net_sales
      from (select a.store_key, a.product_key, sum(a.quantity) as quantity, sum(a.net_sales) as net_sales
              from ${span} sp
              join pos.agg_product_day a on a.date_key between sp.from_key and sp.to_key
              join pos.dim_store st using (store_key)
             ${only}
             group by a.store_key, a.product_key) t
      join pos.dim_store st using (store_key)
      join pos.dim_product p using (product_key)
  )`;
  }
  return `sold as (
    select st.store_id, st.currency, p.sku, sum(l.quantity) as quantity, sum(l.line_total) as net_sales
      from ${span} sp
      join pos.fact_sales_line l on l.date_key between sp.from_key and sp.to_key
      join pos.dim_store st on st.store_key = l.store_key
      join pos.dim_product p on p.product_key = l.product_key
     ${only}
     group by st.store_id, st.currency, p.sku
  )`;
}

/** CTE `prices` (currency, sku, price): each product's average net selling price over `sold`, per currency. */
const PRICES = `prices as (
    select currency, sku, sum(net_sales) / nullif(sum(quantity), 0) as price from sold group by currency, sku
  )`;

/**
 * CTEs up to `cover` (store_id, sku, name, category, quantity, sold_per_day, days_of_cover): stock
 * on hand with the period's sales per day, and the days it lasts at that rate: 0 when there is
 * none, null (no end) when nothing sold. On hand is pos.stock_on_hand, or for a reference the sum
 * of every movement.
 */
export function stockCover(source: SalesSource, parameters: StockParameters = REPORT_PARAMETERS): string {
  const onHand =
    source === 'aggregates'
      ? `select store_id, sku, quantity from pos.stock_on_hand where ${parameters.store} is null or store_id = ${parameters.store}`
      : `select store_id, sku, sum(quantity) as quantity from pos.stock_movement
          where ${parameters.store} is null or store_id = ${parameters.store} group by store_id, sku`;
  return `${period(source, parameters)},
  ${sold(source, 'period', parameters.store)},
  on_hand as (${onHand}),
  cover as (
    select h.store_id, h.sku, pr.name, pr.category, h.quantity,
           coalesce(sd.quantity, 0) / nullif(p.days, 0) as sold_per_day,
           case when h.quantity <= 0 then 0 when sd.quantity > 0 then h.quantity * p.days / sd.quantity end as days_of_cover
      from on_hand h
      cross join period p
      left join pos.dim_product pr on pr.sku = h.sku
      left join sold sd on sd.store_id = h.store_id and sd.sku = h.sku
  )`;
}

/** The lowest cover first; among equals (out of stock: 0) the fastest sellers. */
export const COVER_ORDER = 'c.days_of_cover nulls last, c.sold_per_day desc nulls last, c.store_id, c.sku';

function stockOnHandSql(source: SalesSource): string {
  return `with ${stockCover(source)}
    select c.store_id, c.sku, c.name, c.category, c.quantity::text as on_hand,
           round(c.sold_per_day, 3)::text as sold_per_day, round(c.days_of_cover, 1)::text as days_of_cover
      from cover c
     order by ${COVER_ORDER}
     limit $4`;
}

/**
 * CTEs `latest` (the warehouse's "now": its newest transaction), `span` (the period, after the
 * facts `pos db prune` removed: their movements are gone), `stores` (each store's period as
 * instants of its own clock: from the first date's midnight to the last date's end, or to
 * `latest` if that comes first) and `moves` (every movement of those stores since their period's
 * start, later ones included: the opening level is worked back from them).
 */
function stockoutSpan(source: SalesSource): string {
  // Read from agg_store_hour's newest dates by its key, as latestTransactionAt (today.ts) does.
  const latest =
    source === 'aggregates'
      ? `select max(a.last_occurred_at) as at from pos.agg_store_hour a
          where a.date_key between (select to_char(to_date(max(date_key)::text, 'YYYYMMDD') - 2, 'YYYYMMDD')::int from pos.agg_store_hour)
                               and (select max(date_key) from pos.agg_store_hour)`
      : 'select max(occurred_at) as at from pos.fact_transaction';
  return `${period(source, REPORT_PARAMETERS)},
  latest as (${latest}),
  span as (
    select greatest(p.from_key, (select facts_from from pos.retention)) as from_key, p.to_key from period p
  ),
  stores as (
    select * from (
      select st.store_key, st.store_id, st.currency,
             to_date(sp.from_key::text, 'YYYYMMDD')::timestamp at time zone st.timezone as start_at,
             least((to_date(sp.to_key::text, 'YYYYMMDD') + 1)::timestamp at time zone st.timezone, l.at) as end_at
        from span sp cross join latest l cross join pos.dim_store st
       where $3::text is null or st.store_id = $3
    ) s
     where end_at > start_at
  ),
  moves as (
    select m.store_id, m.sku, m.occurred_at, m.quantity
      from pos.stock_movement m
      join stores s on s.store_id = m.store_id
     where m.occurred_at >= s.start_at
  )`;
}

/**
 * The level at the period's start: stock on hand now less every movement since (so the period's
 * movements alone are read), or for the reference the sum of the movements before it.
 */
const OPENINGS_FROM_STOCK_ON_HAND = `openings as (
    select store_id, sku, coalesce(h.quantity, 0) - coalesce(m.quantity, 0) as opening
      from (select h.store_id, h.sku, h.quantity from pos.stock_on_hand h join stores s using (store_id)) h
      full join (select store_id, sku, sum(quantity) as quantity from moves group by store_id, sku) m using (store_id, sku)
  )`;
const OPENINGS_FROM_MOVEMENTS = `openings as (
    select m.store_id, m.sku, coalesce(sum(m.quantity) filter (where m.occurred_at < s.start_at), 0) as opening
      from pos.stock_movement m
      join stores s on s.store_id = m.store_id
     group by m.store_id, m.sku
  )`;

/**
 * The stock level over time, each product of each store from the period's start (its opening
 * level) through each instant a movement changed it, to the period's end, in one pass over the
 * movements in time order: at each, the level after it (movements at the same instant count
 * together) and until when it holds. Out of stock while the level is ≤ 0. Lost sales: the hours
 * out at the period's rate (its units net of returns per hour), valued at the product's price.
 */
const STOCKOUT_ROWS = `steps as (
    select m.store_id, m.sku, m.occurred_at as at, sum(m.quantity) over w as moved,
           coalesce(lead(m.occurred_at) over w, s.end_at) as until
      from moves m
      join stores s using (store_id)
     where m.occurred_at < s.end_at
    window w as (partition by m.store_id, m.sku order by m.occurred_at)
  ),
  out_of_stock as (
    select o.store_id, o.sku,
           case when o.opening <= 0 then extract(epoch from coalesce(min(st.at), s.end_at) - s.start_at) else 0 end
             + coalesce(sum(extract(epoch from st.until - st.at)) filter (where o.opening + st.moved <= 0), 0) as seconds
      from openings o
      join stores s using (store_id)
      left join steps st on st.store_id = o.store_id and st.sku = o.sku
     group by o.store_id, o.sku, o.opening, s.start_at, s.end_at
  ),
  lost as (
    select o.store_id, o.sku, s.currency, o.seconds, pc.price,
           o.seconds * greatest(coalesce(sd.quantity, 0), 0) / extract(epoch from s.end_at - s.start_at) as units
      from out_of_stock o
      join stores s using (store_id)
      left join sold sd on sd.store_id = o.store_id and sd.sku = o.sku
      left join prices pc on pc.currency = s.currency and pc.sku = o.sku
     where o.seconds > 0
  )
  select l.store_id, l.sku, pr.name, pr.category, round(l.seconds / 3600, 2)::text as hours_out,
         round(l.units, 3)::text as lost_units,
         (case when l.units = 0 then 0.00 else round(l.units * l.price, 2) end)::text as lost_value, l.currency
    from lost l
    left join pos.dim_product pr on pr.sku = l.sku
   order by case when l.units = 0 then 0 else l.units * l.price end desc nulls last, l.seconds desc, l.store_id, l.sku
   limit $4`;

function stockoutsSql(source: SalesSource): string {
  const openings = source === 'aggregates' ? OPENINGS_FROM_STOCK_ON_HAND : OPENINGS_FROM_MOVEMENTS;
  return `with ${stockoutSpan(source)},
  ${openings},
  ${sold(source, 'span')},
  ${PRICES},
  ${STOCKOUT_ROWS}`;
}

/** Shrink: the adjustments that lose stock, counts' differences (found items net) and written-off returns. */
function shrinkSql(source: SalesSource): string {
  const movements = source === 'aggregates' ? 'pos.fact_inventory_movement' : 'pos.stock_movement';
  return `with ${period(source, REPORT_PARAMETERS)},
  ${sold(source, 'period')},
  ${PRICES},
  adjustments as (
    select m.store_id, m.sku, m.reason, m.quantity
      from period p
      join ${movements} m on m.date_key between p.from_key and p.to_key
     where m.kind = 'adjustment' and m.reason in ('count', 'unsellable_return') and ($3::text is null or m.store_id = $3)
  )
  select m.store_id, pr.category, count(*)::int as adjustments,
         coalesce(-sum(m.quantity) filter (where m.reason = 'count'), 0.000)::text as shrink_units,
         coalesce(-sum(m.quantity) filter (where m.reason = 'unsellable_return'), 0.000)::text as written_off_units,
         (-sum(m.quantity))::text as units_lost,
         round(-sum(m.quantity * pc.price), 2)::text as value_lost,
         st.currency
    from adjustments m
    left join pos.dim_store st on st.store_id = m.store_id
    left join pos.dim_product pr on pr.sku = m.sku
    left join prices pc on pc.currency = st.currency and pc.sku = m.sku
   group by m.store_id, pr.category, st.currency
   order by -sum(m.quantity * pc.price) desc nulls last, -sum(m.quantity) desc, m.store_id, pr.category
   limit $4`;
}

export const INVENTORY_REPORTS: readonly ReportDefinition[] = [
  {
    name: 'stock-on-hand',
    columns: ['store_id', 'sku', 'name', 'category', 'on_hand', 'sold_per_day', 'days_of_cover'],
    description: 'per store and product: stock on hand, units sold per day in the period, and the days it lasts (fewest first)',
    sql: stockOnHandSql('aggregates'),
    factSql: stockOnHandSql('facts'),
    limitParameter: true,
    nullShownAs: { days_of_cover: '∞' },
  },
  {
    name: 'stockouts',
    columns: ['store_id', 'sku', 'name', 'category', 'hours_out', 'lost_units', 'lost_value', 'currency'],
    description: 'per store and product out of stock in the period: hours out of stock, and the sales lost (units and value)',
    sql: stockoutsSql('aggregates'),
    factSql: stockoutsSql('facts'),
    limitParameter: true,
  },
  {
    name: 'shrink',
    columns: ['store_id', 'category', 'adjustments', 'shrink_units', 'written_off_units', 'units_lost', 'value_lost', 'currency'],
    description:
      'per store and category: stock lost in the period to counts (shrink) and to written-off returns, units and value',
    sql: shrinkSql('aggregates'),
    factSql: shrinkSql('facts'),
    limitParameter: true,
  },
];
