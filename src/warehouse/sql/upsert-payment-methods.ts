import type { SqlRunner } from '../database.ts';
import type { WarehouseRows } from '../rows.ts';

/** Adds the (method, card brand) pairs not seen before. */
export async function upsertPaymentMethods(db: SqlRunner, methods: WarehouseRows['paymentMethods']): Promise<void> {
  if (methods.method.length === 0) return;
  await db.query(
    `insert into pos.dim_payment_method (method, card_brand)
     select incoming.*
       from unnest($1::text[], $2::text[]) as incoming (method, card_brand)
      where not exists (select 1 from pos.dim_payment_method known
                         where known.method = incoming.method and known.card_brand is not distinct from incoming.card_brand)
     on conflict (method, card_brand) do nothing`,
    [methods.method, methods.cardBrand],
  );
}
