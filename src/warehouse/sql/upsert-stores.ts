import type { WarehouseRows } from '../rows.ts';
import { textArray } from './array-literal.ts';
import { type Statement, statement } from './statement.ts';

/**
 * The statement that inserts new stores and updates known ones from newer events only (type 1, newest wins).
 * Members already as new as the batch are filtered out first, so they are not even locked.
 */
export function storesUpsert(stores: WarehouseRows['stores']): Statement | undefined {
  if (stores.storeId.length === 0) return undefined;
  return statement(
    `insert into pos.dim_store as current (store_id, name, city, region, country, timezone, currency, attributes_as_of)
     select incoming.*
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
            as incoming (store_id, name, city, region, country, timezone, currency, as_of)
      where not exists (select 1 from pos.dim_store known
                         where known.store_id = incoming.store_id
                           and (known.attributes_as_of >= incoming.as_of
                                or (known.name, known.city, known.region, known.country, known.timezone, known.currency) is not distinct from (incoming.name, incoming.city, incoming.region, incoming.country, incoming.timezone, incoming.currency)))
     on conflict (store_id) do update
        set name = excluded.name, city = excluded.city, region = excluded.region, country = excluded.country,
            timezone = excluded.timezone, currency = excluded.currency, attributes_as_of = excluded.attributes_as_of
      where current.attributes_as_of < excluded.attributes_as_of
        and (current.name, current.city, current.region, current.country, current.timezone, current.currency) is distinct from (excluded.name, excluded.city, excluded.region, excluded.country, excluded.timezone, excluded.currency)`,
    [
      textArray(stores.storeId),
      textArray(stores.name),
      textArray(stores.city),
      textArray(stores.region),
      textArray(stores.country),
      textArray(stores.timezone),
      textArray(stores.currency),
      textArray(stores.asOf),
    ],
  );
}
