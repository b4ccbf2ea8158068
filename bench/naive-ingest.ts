import type { AnyTransactionMessage } from '../src/contract/message.ts';
import type { Warehouse } from '../src/warehouse/database.ts';

/**
 * The original prototype's approach, for comparison only: one message at a time, one statement
 * per row, one commit per message (SQLAlchemy's session.add + session.commit). Same schema,
 * same constraints; nothing batched, nothing set-based.
 */
export async function naiveIngest(warehouse: Warehouse, messages: AnyTransactionMessage[]): Promise<void> {
  for (const message of messages) {
    await warehouse.transaction(async (tx) => {
      const localDate = message.occurred_at.slice(0, 10);
      const dateKey = Number(localDate.replaceAll('-', ''));
      await tx.query(
        `insert into pos.dim_date (date_key, full_date, year, quarter, month, month_name, day_of_month, iso_day_of_week, day_name, iso_week, iso_year, is_weekend)
         select $1, d, extract(year from d), extract(quarter from d), extract(month from d), to_char(d, 'FMMonth'), extract(day from d),
                extract(isodow from d), to_char(d, 'FMDay'), extract(week from d), extract(isoyear from d), extract(isodow from d) >= 6
           from (select $2::date as d) x
         on conflict do nothing`,
        [dateKey, localDate],
      );
      const { store } = message;
      const [storeRow] = await tx.query<{ store_key: number }>(
        `insert into pos.dim_store (store_id, name, city, region, country, timezone, attributes_as_of) values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (store_id) do update set name = excluded.name returning store_key`,
        [store.store_id, store.name, store.city, store.region, store.country, store.timezone, message.occurred_at],
      );
      let customerKey: number | null = null;
      if (message.customer) {
        const [row] = await tx.query<{ customer_key: number }>(
          `insert into pos.dim_customer (customer_id, name, email, loyalty_tier, attributes_as_of) values ($1, $2, $3, $4, $5)
           on conflict (customer_id) do update set name = excluded.name returning customer_key`,
          [
            message.customer.customer_id,
            message.customer.name,
            message.customer.email,
            message.customer.loyalty_tier,
            message.occurred_at,
          ],
        );
        customerKey = row?.customer_key ?? null;
      }
      const [method] = await tx.query<{ payment_method_key: number }>(
        `insert into pos.dim_payment_method (method, card_brand) values ($1, $2)
         on conflict (method, card_brand) do update set method = excluded.method returning payment_method_key`,
        [message.payment.method, message.payment.card_brand],
      );
      await tx.query(
        `insert into pos.fact_transaction (transaction_id, type, original_transaction_id, occurred_at, date_key, local_hour, store_key, register_id,
                                           cashier_id, customer_key, payment_method_key, currency, subtotal, discount_total, tax_total, total,
                                           line_count, payload_hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, '\\x00')`,
        [
          message.transaction_id,
          message.type,
          message.original_transaction_id,
          message.occurred_at,
          dateKey,
          Number(message.occurred_at.slice(11, 13)),
          storeRow?.store_key,
          message.register_id,
          message.cashier_id,
          customerKey,
          method?.payment_method_key,
          message.currency,
          message.subtotal,
          message.discount_total,
          message.tax_total,
          message.total,
          message.items.length,
        ],
      );
      for (const item of message.items) {
        const [product] = await tx.query<{ product_key: number }>(
          `insert into pos.dim_product (sku, name, category, brand, unit, attributes_as_of) values ($1, $2, $3, $4, $5, $6)
           on conflict (sku) do update set name = excluded.name returning product_key`,
          [item.sku, item.name, item.category, item.brand, item.unit, message.occurred_at],
        );
        await tx.query(
          `insert into pos.fact_sales_line (transaction_id, line_no, product_key, store_key, date_key, customer_key, quantity, unit_price,
                                            discount, tax_rate, tax, line_total)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
            message.transaction_id,
            item.line_no,
            product?.product_key,
            storeRow?.store_key,
            dateKey,
            customerKey,
            item.quantity,
            item.unit_price,
            item.discount,
            item.tax_rate,
            item.tax,
            item.line_total,
          ],
        );
      }
    });
  }
}
