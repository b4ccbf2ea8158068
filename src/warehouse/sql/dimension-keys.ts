import type { SqlRunner } from '../database.ts';
import type { WarehouseRows } from '../rows.ts';

/**
 * Which members an upsert writes: `new` inserts those not stored yet and leaves the stored ones
 * alone (not even locked); `all` also brings the stored ones up to newer attributes.
 */
export type DimensionMembers = 'new' | 'all';

/** Surrogate keys by natural key, for the members of one batch. */
export interface DimensionKeys {
  store: Map<string, number>;
  product: Map<string, number>;
  customer: Map<string, number>;
  /** By `paymentMethodName(method, cardBrand)`. */
  paymentMethod: Map<string, number>;
}

/** How a (method, card brand) pair is named in DimensionKeys. */
export function paymentMethodName(method: string, cardBrand: string | null): string {
  return `${method}/${cardBrand ?? ''}`;
}

/**
 * The surrogate keys of a batch's dimension members, in one statement (after the upserts, in the
 * same transaction, so every member has its row). The payment methods are few: all of them.
 */
export async function dimensionKeys(
  db: SqlRunner,
  rows: Pick<WarehouseRows, 'stores' | 'products' | 'customers'>,
): Promise<DimensionKeys> {
  const found = await db.query<{ kind: number; natural_key: string; key: number }>(
    `select 0 as kind, store_id as natural_key, store_key as key from pos.dim_store where store_id = any($1::text[])
     union all
     select 1, sku, product_key from pos.dim_product where sku = any($2::text[])
     union all
     select 2, customer_id, customer_key from pos.dim_customer where customer_id = any($3::text[])
     union all
     select 3, method || '/' || coalesce(card_brand, ''), payment_method_key from pos.dim_payment_method`,
    [rows.stores.storeId, rows.products.sku, rows.customers.customerId],
  );
  const keys: DimensionKeys = { store: new Map(), product: new Map(), customer: new Map(), paymentMethod: new Map() };
  const byKind = [keys.store, keys.product, keys.customer, keys.paymentMethod];
  for (const { kind, natural_key: naturalKey, key } of found) byKind[kind]?.set(naturalKey, key);
  return keys;
}
