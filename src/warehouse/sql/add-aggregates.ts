import { type Aggregate, BASKET_DAY, PRODUCT_DAY, STORE_HOUR, TAX_DAY, TENDER_DAY } from '../aggregates.ts';
import type { WarehouseRows } from '../rows.ts';
import { textArray } from './array-literal.ts';
import { type DimensionKeys, paymentMethodName, taxName } from './dimension-keys.ts';
import { type Statement, statement } from './statement.ts';

/**
 * The statements that add a batch's deltas (rows.aggregates) to the aggregate tables, their
 * members' surrogate keys filled in: one upsert per table, each row added to the stored one.
 * Rows go in key order, so that writers at the same time lock shared rows in one order and never
 * deadlock; the write path runs them last, just before its commit, so that a row another writer
 * also adds to is held for the length of a commit, not of a copy.
 */
export function aggregateUpserts(rows: WarehouseRows, keys: DimensionKeys): Statement[] {
  const { storeHour, productDay, tenderDay, basketDay, taxDay } = rows.aggregates;
  const storeKeys = rows.stores.storeId.map((storeId) => memberKey(keys.store, storeId, 'store'));
  const storeKey = (indexes: number[]) => indexes.map((index) => storeKeys[index] as number);
  const productKeys = productDay.product.map((index) => memberKey(keys.product, rows.products.sku[index] as string, 'product'));
  const tenderKeys = tenderDay.paymentMethod.map((index) =>
    memberKey(
      keys.paymentMethod,
      paymentMethodName(rows.paymentMethods.method[index] as string, rows.paymentMethods.cardBrand[index] ?? null),
      'payment method',
    ),
  );
  const { taxes } = rows;
  const taxKeys = taxDay.tax.map((index) =>
    memberKey(
      keys.tax,
      taxName(taxes.jurisdiction[index] as string, taxes.code[index] as string, taxes.rate[index] as string),
      'tax',
    ),
  );
  return [
    upsert(STORE_HOUR, [
      storeHour.dateKey,
      storeKey(storeHour.store),
      storeHour.hour,
      storeHour.sales,
      storeHour.returns,
      storeHour.lines,
      storeHour.netSales,
      storeHour.discount,
      storeHour.tax,
      storeHour.total,
      storeHour.returnsTotal,
      storeHour.lastOccurredAt,
    ]),
    upsert(PRODUCT_DAY, [
      productDay.dateKey,
      storeKey(productDay.store),
      productKeys,
      productDay.lines,
      productDay.quantity,
      productDay.netSales,
    ]),
    upsert(TENDER_DAY, [tenderDay.dateKey, storeKey(tenderDay.store), tenderKeys, tenderDay.transactions, tenderDay.total]),
    upsert(BASKET_DAY, [basketDay.dateKey, storeKey(basketDay.store), basketDay.lineCount, basketDay.sales]),
    upsert(TAX_DAY, [taxDay.dateKey, storeKey(taxDay.store), taxKeys, taxDay.lines, taxDay.taxable, taxDay.amount]),
    stockTaken(rows),
  ].filter((each): each is Statement => each !== undefined);
}

/**
 * The stock that the batch's sales took and its returns put back, per store and product (summed
 * by the mapping: aggregate-deltas.ts), subtracted from pos.stock_on_hand. Keyed by the natural
 * keys, as the inventory write path keys it, and in key order like the aggregates, so that
 * writers lock shared rows in one order.
 */
function stockTaken(rows: WarehouseRows): Statement | undefined {
  const { stockTaken } = rows.aggregates;
  if (stockTaken.store.length === 0) return undefined;
  return statement(
    `insert into pos.stock_on_hand as s (store_id, sku, quantity)
     select store_id, sku, -taken from unnest($1::text[], $2::text[], $3::numeric[]) as d(store_id, sku, taken)
     order by store_id, sku
     on conflict (store_id, sku) do update set quantity = s.quantity + excluded.quantity, updated_at = now()`,
    [
      textArray(stockTaken.store.map((index) => rows.stores.storeId[index] as string)),
      textArray(stockTaken.product.map((index) => rows.products.sku[index] as string)),
      `{${stockTaken.quantity.join(',')}}`,
    ],
  );
}

/** One aggregate's upsert: `columns` holds its keys and then its measures, one array each; undefined when there is no row. */
function upsert(aggregate: Aggregate, columns: readonly (readonly (number | string)[])[]): Statement | undefined {
  if ((columns[0]?.length ?? 0) === 0) return undefined;
  const all = [...aggregate.keys, ...aggregate.measures];
  const names = all.map((column) => column.name);
  const arrays = all.map((column, i) => `$${i + 1}::${column.type}[]`).join(', ');
  const merges = aggregate.measures.map(({ name, merge }) =>
    merge === 'add' ? `${name} = a.${name} + excluded.${name}` : `${name} = greatest(a.${name}, excluded.${name})`,
  );
  const keyOrder = aggregate.keys.map((_, i) => i + 1).join(', ');
  return statement(
    `insert into ${aggregate.table} as a (${names.join(', ')})
     select * from unnest(${arrays}) order by ${keyOrder}
     on conflict (${aggregate.keys.map((column) => column.name).join(', ')}) do update set ${merges.join(', ')}`,
    // Numbers, decimal text and ISO times: none needs quoting in an array literal.
    columns.map((values) => `{${values.join(',')}}`),
  );
}

function memberKey(keys: Map<string, number>, naturalKey: string, what: string): number {
  const key = keys.get(naturalKey);
  if (key === undefined) throw new Error(`${what} ${naturalKey} has no row in its dimension after the upserts`);
  return key;
}
