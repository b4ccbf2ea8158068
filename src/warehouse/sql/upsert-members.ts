import type { SqlRunner } from '../database.ts';
import type { DimensionRows } from '../rows.ts';
import { runTogether } from './statement.ts';
import { customersUpsert } from './upsert-customers.ts';
import { productsUpsert } from './upsert-products.ts';
import { storesUpsert } from './upsert-stores.ts';

/** Upserts these stores, products and customers (new ones inserted, known ones brought up to newer events), in one statement. */
export function upsertMembers(db: SqlRunner, members: Pick<DimensionRows, 'stores' | 'products' | 'customers'>): Promise<void> {
  return runTogether(db, [storesUpsert(members.stores), productsUpsert(members.products), customersUpsert(members.customers)]);
}
