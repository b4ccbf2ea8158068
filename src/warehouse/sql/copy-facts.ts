import { copyField } from '../copy.ts';
import type { SqlRunner } from '../database.ts';
import type { WarehouseRows } from '../rows.ts';
import { type DimensionKeys, dimensionKeys, paymentMethodName } from './dimension-keys.ts';

/** The COPY targets: the key columns last, so that a row's text is its fixed part and then its keys. */
export const FACT_TRANSACTION_COLUMNS =
  'pos.fact_transaction (transaction_id, type, original_transaction_id, occurred_at, date_key, local_hour, register_id, ' +
  'cashier_id, currency, subtotal, discount_total, tax_total, total, line_count, source_topic, source_partition, ' +
  'source_offset, payload_hash, store_key, customer_key, payment_method_key)';
export const FACT_SALES_LINE_COLUMNS =
  'pos.fact_sales_line (transaction_id, line_no, quantity, unit_price, discount, tax_rate, tax, line_total, date_key, ' +
  'product_key, store_key, customer_key)';

/**
 * The facts' columns before the dimension keys, in COPY's text format, row by row: the part of
 * the text that needs no database, made ahead (while PostgreSQL writes the previous batch).
 */
export interface FactCopyParts {
  transactions: string[];
  lines: string[];
}

/**
 * Copies the transactions and their lines straight into the fact tables, with the dimension keys
 * looked up in this transaction (after the upserts). Returns false, having written nothing, when
 * one of the transaction ids is already stored (another writer stored it after this batch
 * looked), or when the connection cannot COPY (the embedded database): the caller then takes the
 * INSERT … ON CONFLICT path (insert-transactions.ts), which sorts that out row by row.
 */
export async function copyFacts(
  db: SqlRunner,
  rows: Pick<WarehouseRows, 'stores' | 'products' | 'customers' | 'transactions' | 'lines'>,
  parts: FactCopyParts = factCopyParts(rows),
): Promise<boolean> {
  if (!db.copyFrom) return false;
  if (rows.transactions.transactionId.length === 0) return true;
  const { transactions, lines } = factCopyText(rows, parts, await dimensionKeys(db, rows));
  await db.query('savepoint copy_facts');
  try {
    await db.copyFrom(FACT_TRANSACTION_COLUMNS, transactions);
    await db.copyFrom(FACT_SALES_LINE_COLUMNS, lines);
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
    await db.query('rollback to savepoint copy_facts');
    return false;
  }
  await db.query('release savepoint copy_facts');
  return true;
}

/** Each row's columns before the keys, each followed by a tab. Only ids (free text) may need escaping. */
export function factCopyParts(rows: Pick<WarehouseRows, 'transactions' | 'lines'>): FactCopyParts {
  const t = rows.transactions;
  const l = rows.lines;
  const parts: FactCopyParts = { transactions: new Array(t.transactionId.length), lines: new Array(l.lineNo.length) };
  let line = 0;
  for (let i = 0; i < t.transactionId.length; i++) {
    const id = t.transactionId[i] as string;
    parts.transactions[i] =
      `${id}\t${t.type[i]}\t${t.originalTransactionId[i] ?? '\\N'}\t${t.occurredAt[i]}\t${t.dateKey[i]}\t${t.localHour[i]}\t` +
      `${copyField(t.registerId[i] as string)}\t${copyField(t.cashierId[i] as string)}\t${t.currency[i]}\t${t.subtotal[i]}\t` +
      `${t.discountTotal[i]}\t${t.taxTotal[i]}\t${t.total[i]}\t${t.lineCount[i]}\t${copyField(t.sourceTopic[i] ?? null)}\t` +
      `${t.sourcePartition[i] ?? '\\N'}\t${t.sourceOffset[i] ?? '\\N'}\t\\\\x${t.payloadHash[i]}\t`;
    const dateKey = `\t${t.dateKey[i]}\t`;
    for (const end = line + (t.lineCount[i] as number); line < end; line++) {
      parts.lines[line] =
        `${id}\t${l.lineNo[line]}\t${l.quantity[line]}\t${l.unitPrice[line]}\t${l.discount[line]}\t${l.taxRate[line]}\t` +
        `${l.tax[line]}\t${l.lineTotal[line]}${dateKey}`;
    }
  }
  return parts;
}

/** A batch's facts in COPY's text format for the columns above: each row's parts, then its keys. */
export function factCopyText(
  rows: Pick<WarehouseRows, 'transactions' | 'lines'>,
  parts: FactCopyParts,
  keys: DimensionKeys,
): { transactions: string; lines: string } {
  const t = rows.transactions;
  const l = rows.lines;
  const need = (map: Map<string, number>, naturalKey: string, what: string) => {
    const key = map.get(naturalKey);
    if (key === undefined) throw new Error(`${what} ${naturalKey} has no row in its dimension after the upserts`);
    return key;
  };
  let transactions = '';
  let lines = '';
  let line = 0;
  for (let i = 0; i < t.transactionId.length; i++) {
    const storeKey = need(keys.store, t.storeId[i] as string, 'store');
    const customerId = t.customerId[i] ?? null;
    const customerKey = customerId === null ? '\\N' : String(need(keys.customer, customerId, 'customer'));
    const methodKey = need(
      keys.paymentMethod,
      paymentMethodName(t.method[i] as string, t.cardBrand[i] ?? null),
      'payment method',
    );
    transactions += `${parts.transactions[i]}${storeKey}\t${customerKey}\t${methodKey}\n`;
    const lineKeys = `\t${storeKey}\t${customerKey}\n`;
    for (const end = line + (t.lineCount[i] as number); line < end; line++) {
      lines += `${parts.lines[line]}${need(keys.product, l.sku[line] as string, 'product')}${lineKeys}`;
    }
  }
  return { transactions, lines };
}
