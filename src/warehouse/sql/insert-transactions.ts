import type { SqlRunner } from '../database.ts';
import type { WarehouseRows } from '../rows.ts';

/**
 * Inserts the transactions and their lines in one statement, resolving the dimension keys by
 * joins on the natural keys. A transaction already stored is left alone (ON CONFLICT DO
 * NOTHING) and so are its lines: only the lines of transactions inserted here are written.
 * Returns the ids inserted.
 */
export async function insertTransactions(
  db: SqlRunner,
  rows: Pick<WarehouseRows, 'transactions' | 'lines'>,
): Promise<Set<string>> {
  const t = rows.transactions;
  const l = rows.lines;
  if (t.transactionId.length === 0) return new Set();
  const inserted = await db.query<{ transaction_id: string }>(
    `with incoming as (
       select * from unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[], $5::int[], $6::smallint[], $7::text[],
                            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::char(3)[], $14::numeric[],
                            $15::numeric[], $16::numeric[], $17::numeric[], $18::smallint[], $19::text[], $20::int[],
                            $21::bigint[], $22::text[])
         with ordinality as incoming (transaction_id, type, original_transaction_id, occurred_at, date_key, local_hour,
                                      store_id, register_id, cashier_id, customer_id, method, card_brand, currency,
                                      subtotal, discount_total, tax_total, total, line_count, source_topic,
                                      source_partition, source_offset, payload_hash, position)
     ), transactions as (
       insert into pos.fact_transaction (transaction_id, type, original_transaction_id, occurred_at, date_key, local_hour,
                                         store_key, register_id, cashier_id, customer_key, payment_method_key, currency,
                                         subtotal, discount_total, tax_total, total, line_count, source_topic,
                                         source_partition, source_offset, payload_hash)
       select i.transaction_id, i.type, i.original_transaction_id, i.occurred_at, i.date_key, i.local_hour,
              s.store_key, i.register_id, i.cashier_id, c.customer_key, m.payment_method_key, i.currency,
              i.subtotal, i.discount_total, i.tax_total, i.total, i.line_count, i.source_topic,
              i.source_partition, i.source_offset, decode(i.payload_hash, 'hex')
         from incoming i
         join pos.dim_store s on s.store_id = i.store_id
         join pos.dim_payment_method m on m.method = i.method and m.card_brand is not distinct from i.card_brand
         left join pos.dim_customer c on c.customer_id = i.customer_id
        order by i.position
       on conflict (transaction_id) do nothing
       returning transaction_id, store_key, date_key, customer_key
     ), lines as (
       insert into pos.fact_sales_line (transaction_id, line_no, product_key, store_key, date_key, customer_key,
                                        quantity, unit_price, discount, tax_rate, tax, line_total)
       select l.transaction_id, l.line_no, p.product_key, t.store_key, t.date_key, t.customer_key,
              l.quantity, l.unit_price, l.discount, l.tax_rate, l.tax, l.line_total
         from unnest($23::uuid[], $24::smallint[], $25::text[], $26::numeric[], $27::numeric[], $28::numeric[],
                     $29::numeric[], $30::numeric[], $31::numeric[])
              as l (transaction_id, line_no, sku, quantity, unit_price, discount, tax_rate, tax, line_total)
         join transactions t on t.transaction_id = l.transaction_id
         join pos.dim_product p on p.sku = l.sku
     )
     select transaction_id::text from transactions`,
    [
      t.transactionId,
      t.type,
      t.originalTransactionId,
      t.occurredAt,
      t.dateKey,
      t.localHour,
      t.storeId,
      t.registerId,
      t.cashierId,
      t.customerId,
      t.method,
      t.cardBrand,
      t.currency,
      t.subtotal,
      t.discountTotal,
      t.taxTotal,
      t.total,
      t.lineCount,
      t.sourceTopic,
      t.sourcePartition,
      t.sourceOffset,
      t.payloadHash,
      l.transactionId,
      l.lineNo,
      l.sku,
      l.quantity,
      l.unitPrice,
      l.discount,
      l.taxRate,
      l.tax,
      l.lineTotal,
    ],
  );
  return new Set(inserted.map((row) => row.transaction_id));
}
