import type { SqlRunner } from '../database.ts';
import type { DimensionRows } from '../rows.ts';
import { textArray } from './array-literal.ts';

/** Surrogate keys by natural key, for the members of one batch. */
export interface DimensionKeys {
  store: Map<string, number>;
  product: Map<string, number>;
  customer: Map<string, number>;
  /** By `paymentMethodName(method, cardBrand)`. */
  paymentMethod: Map<string, number>;
  /** By `taxName(jurisdiction, code, rate)`; looked up by sql/upsert-taxes.ts, not here. */
  tax: Map<string, number>;
}

/** How a (method, card brand) pair is named in DimensionKeys. */
export function paymentMethodName(method: string, cardBrand: string | null): string {
  return `${method}/${cardBrand ?? ''}`;
}

/** How a tax is named in DimensionKeys: its rate with dim_tax's 6 places ("0.050000"), so that equal rates are one name. */
export function taxName(jurisdiction: string, code: string, rate: string): string {
  return `${jurisdiction}/${code}/${rate}`;
}

/**
 * The surrogate keys of a batch's dimension members, in one statement (after the upserts, in the
 * same transaction, so every member has its row). The payment methods are few: all of them.
 */
export async function dimensionKeys(
  db: SqlRunner,
  rows: Pick<DimensionRows, 'stores' | 'products' | 'customers'>,
): Promise<DimensionKeys> {
  const found = await db.query<{ kind: number; natural_key: string; key: number }>(
    `select 0 as kind, store_id as natural_key, store_key as key from pos.dim_store where store_id = any($1::text[])
     union all
     select 1, sku, product_key from pos.dim_product where sku = any($2::text[])
     union all
     select 2, customer_id, customer_key from pos.dim_customer where customer_id = any($3::text[])
     union all
     select 3, method || '/' || coalesce(card_brand, ''), payment_method_key from pos.dim_payment_method`,
    [textArray(rows.stores.storeId), textArray(rows.products.sku), textArray(rows.customers.customerId)],
  );
  const keys: DimensionKeys = {
    store: new Map(),
    product: new Map(),
    customer: new Map(),
    paymentMethod: new Map(),
    tax: new Map(),
  };
  const byKind = [keys.store, keys.product, keys.customer, keys.paymentMethod];
  for (const { kind, natural_key: naturalKey, key } of found) byKind[kind]?.set(naturalKey, key);
  return keys;
}

/** The members of these rows that have no key yet (not stored), or undefined when every one has. */
export function membersWithoutKeys(
  rows: Pick<DimensionRows, 'stores' | 'products' | 'customers'>,
  keys: DimensionKeys,
): Pick<DimensionRows, 'stores' | 'products' | 'customers'> | undefined {
  const stores = withoutKeys(rows.stores, rows.stores.storeId, keys.store);
  const products = withoutKeys(rows.products, rows.products.sku, keys.product);
  const customers = withoutKeys(rows.customers, rows.customers.customerId, keys.customer);
  return stores || products || customers
    ? {
        stores: stores ?? pick(rows.stores, []),
        products: products ?? pick(rows.products, []),
        customers: customers ?? pick(rows.customers, []),
      }
    : undefined;
}

/** Adds the keys of `more` to `keys`. */
export function addKeys(keys: DimensionKeys, more: DimensionKeys): void {
  for (const [naturalKey, key] of more.store) keys.store.set(naturalKey, key);
  for (const [naturalKey, key] of more.product) keys.product.set(naturalKey, key);
  for (const [naturalKey, key] of more.customer) keys.customer.set(naturalKey, key);
  for (const [naturalKey, key] of more.tax) keys.tax.set(naturalKey, key);
}

function withoutKeys<Columns extends Record<string, unknown[]>>(
  columns: Columns,
  naturalKeys: string[],
  keys: Map<string, number>,
): Columns | undefined {
  const missing = naturalKeys.flatMap((naturalKey, index) => (keys.has(naturalKey) ? [] : [index]));
  return missing.length > 0 ? pick(columns, missing) : undefined;
}

/** The rows at these positions, column by column. */
function pick<Columns extends Record<string, unknown[]>>(columns: Columns, indexes: number[]): Columns {
  return Object.fromEntries(
    Object.entries(columns).map(([name, values]) => [name, indexes.map((index) => values[index])]),
  ) as Columns;
}
