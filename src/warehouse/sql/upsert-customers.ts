import type { WarehouseRows } from '../rows.ts';
import { textArray } from './array-literal.ts';
import { type Statement, statement } from './statement.ts';

/** The statement that inserts new customers and updates known ones from newer events only (type 1, newest wins). */
export function customersUpsert(customers: WarehouseRows['customers']): Statement | undefined {
  if (customers.customerId.length === 0) return undefined;
  return statement(
    `insert into pos.dim_customer as current (customer_id, name, email, loyalty_tier, attributes_as_of)
     select incoming.*
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
            as incoming (customer_id, name, email, loyalty_tier, as_of)
      where not exists (select 1 from pos.dim_customer known
                         where known.customer_id = incoming.customer_id
                           and (known.attributes_as_of >= incoming.as_of
                                or (known.name, known.email, known.loyalty_tier) is not distinct from (incoming.name, incoming.email, incoming.loyalty_tier)))
     on conflict (customer_id) do update
        set name = excluded.name, email = excluded.email, loyalty_tier = excluded.loyalty_tier,
            attributes_as_of = excluded.attributes_as_of
      where current.attributes_as_of < excluded.attributes_as_of
        and (current.name, current.email, current.loyalty_tier) is distinct from (excluded.name, excluded.email, excluded.loyalty_tier)`,
    [
      textArray(customers.customerId),
      textArray(customers.name),
      textArray(customers.email),
      textArray(customers.loyaltyTier),
      textArray(customers.asOf),
    ],
  );
}
