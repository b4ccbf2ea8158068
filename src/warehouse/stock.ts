import type { SqlRunner } from './database.ts';

/**
 * Stock on hand as its movements give it, per store and product: every inventory movement, less
 * what the sales took and plus what the returns put back, read from agg_product_day (the sales'
 * own aggregate, which `pos db prune` keeps when it removes old facts).
 */
const STOCK_FROM_MOVEMENTS = `
  select store_id, sku, sum(quantity) as quantity from (
    select store_id, sku, quantity from pos.fact_inventory_movement
    union all
    select st.store_id, p.sku, -a.quantity
      from pos.agg_product_day a
      join pos.dim_store st on st.store_key = a.store_key
      join pos.dim_product p on p.product_key = a.product_key
  ) m group by store_id, sku`;

/** The check `pos db verify` runs: store and product pairs whose stock on hand is not the sum of their movements. */
export const STOCK_CHECK = {
  name: 'stock_on_hand rows that differ from the sum of their movements',
  sql: `select count(*) from pos.stock_on_hand s
          full join (${STOCK_FROM_MOVEMENTS}) m on m.store_id = s.store_id and m.sku = s.sku
         where coalesce(s.quantity, 0) <> coalesce(m.quantity, 0)`,
};

/** The check that every inventory event's movements are there: as many as it had lines, dated as it is. */
export const MOVEMENTS_CHECK = {
  name: 'inventory events without all their movements',
  sql: `select count(*) from pos.inventory_event e
          left join (select event_id, count(*) as lines, min(store_id) as store_id, min(date_key) as date_key
                       from pos.fact_inventory_movement group by event_id) m on m.event_id = e.event_id
         where m.lines is distinct from e.lines::bigint or m.store_id is distinct from e.store_id
            or m.date_key is distinct from e.date_key`,
};

/**
 * Replaces stock on hand with the sum of the movements (`pos db rebuild-aggregates`), a row for
 * every store and product that ever moved (one at zero is out of stock, not unknown); returns the rows written.
 */
export async function rebuildStock(tx: SqlRunner): Promise<number> {
  await tx.query('delete from pos.stock_on_hand');
  const rows = await tx.query<{ count: string }>(
    `with written as (insert into pos.stock_on_hand (store_id, sku, quantity)
       select store_id, sku, quantity from (${STOCK_FROM_MOVEMENTS}) m order by store_id, sku returning 1)
     select count(*) from written`,
  );
  return Number(rows[0]?.count ?? 0);
}
