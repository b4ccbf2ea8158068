import type { SqlRunner } from '../database.ts';
import type { DimensionRows } from '../rows.ts';
import { runTogether, type Statement } from './statement.ts';
import { customersUpsert } from './upsert-customers.ts';
import { productsUpsert } from './upsert-products.ts';
import { storesUpsert } from './upsert-stores.ts';

type Members = Pick<DimensionRows, 'stores' | 'products' | 'customers'>;

/** The statements that upsert these stores, products and customers (new ones inserted, known ones brought up to newer events). */
export function memberUpserts(members: Members): (Statement | undefined)[] {
  return [storesUpsert(members.stores), productsUpsert(members.products), customersUpsert(members.customers)];
}

/** Upserts these stores, products and customers, in one statement. */
export function upsertMembers(db: SqlRunner, members: Members): Promise<void> {
  return runTogether(db, memberUpserts(members));
}
