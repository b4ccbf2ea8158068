import type { WarehouseRows } from '../rows.ts';
import { textArray } from './array-literal.ts';
import { type Statement, statement } from './statement.ts';

/** The statement that inserts new products and updates known ones from newer events only (type 1, newest wins). */
export function productsUpsert(products: WarehouseRows['products']): Statement | undefined {
  if (products.sku.length === 0) return undefined;
  return statement(
    `insert into pos.dim_product as current (sku, name, category, brand, unit, attributes_as_of)
     select incoming.*
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
            as incoming (sku, name, category, brand, unit, as_of)
      where not exists (select 1 from pos.dim_product known
                         where known.sku = incoming.sku
                           and (known.attributes_as_of >= incoming.as_of
                                or (known.name, known.category, known.brand, known.unit) is not distinct from (incoming.name, incoming.category, incoming.brand, incoming.unit)))
     on conflict (sku) do update
        set name = excluded.name, category = excluded.category, brand = excluded.brand, unit = excluded.unit,
            attributes_as_of = excluded.attributes_as_of
      where current.attributes_as_of < excluded.attributes_as_of
        and (current.name, current.category, current.brand, current.unit) is distinct from (excluded.name, excluded.category, excluded.brand, excluded.unit)`,
    [
      textArray(products.sku),
      textArray(products.name),
      textArray(products.category),
      textArray(products.brand),
      textArray(products.unit),
      textArray(products.asOf),
    ],
  );
}
