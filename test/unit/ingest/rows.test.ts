import assert from 'node:assert/strict';
import { test } from 'node:test';
import { payloadHash } from '../../../src/contract/canonical.ts';
import type { TransactionMessage, TransactionMessageV2 } from '../../../src/contract/message.ts';
import { dateKey } from '../../../src/domain/date-key.ts';
import { toWarehouseRows } from '../../../src/ingest/rows.ts';
import type { WarehouseRows } from '../../../src/warehouse/rows.ts';
import {
  FACT_LINE_TAX_COLUMNS,
  FACT_SALES_LINE_COLUMNS,
  FACT_TRANSACTION_COLUMNS,
  factCopyText,
} from '../../../src/warehouse/sql/copy-facts.ts';
import { paymentMethodName, taxName } from '../../../src/warehouse/sql/dimension-keys.ts';
import { validSale } from '../../fixtures/messages.ts';

const accepted = (message: TransactionMessage, source?: { topic: string; partition: number; offset: bigint }) => ({
  message,
  hash: payloadHash(message),
  source,
});

/** Made-up surrogate keys: 100 + the member's position among its dimension's members. */
function keysOf(rows: WarehouseRows) {
  const numbered = (naturalKeys: string[]) => new Map(naturalKeys.map((key, i) => [key, 100 + i]));
  return {
    store: numbered(rows.stores.storeId),
    product: numbered(rows.products.sku),
    customer: numbered(rows.customers.customerId),
    paymentMethod: numbered(
      rows.paymentMethods.method.map((m, i) => paymentMethodName(m, rows.paymentMethods.cardBrand[i] ?? null)),
    ),
    tax: numbered(
      rows.taxes.code.map((code, i) => taxName(rows.taxes.jurisdiction[i] as string, code, rows.taxes.rate[i] as string)),
    ),
  };
}

/** The facts as COPY would read them: one record per row, by column name. */
function copied(rows: WarehouseRows): {
  transactions: Record<string, string>[];
  lines: Record<string, string>[];
  taxes: Record<string, string>[];
} {
  const text = factCopyText(rows, keysOf(rows));
  const records = (columns: string, data: Buffer) => {
    const names = (/\(([^)]*)\)/.exec(columns)?.[1] ?? '').split(', ');
    return data
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => Object.fromEntries(line.split('\t').map((value, i) => [names[i], value])));
  };
  return {
    transactions: records(FACT_TRANSACTION_COLUMNS, text.transactions),
    lines: records(FACT_SALES_LINE_COLUMNS, text.lines),
    taxes: records(FACT_LINE_TAX_COLUMNS, text.taxes),
  };
}

test('the date key and hour are the store-local ones in the timestamp, not UTC', () => {
  assert.equal(dateKey('2026-03-06T23:30:00.000-05:00'), 20260306);
  const rows = toWarehouseRows([accepted({ ...validSale(), occurred_at: '2026-03-06T23:30:00.000-05:00' })]);
  assert.deepEqual(rows.dates, [20260306]);
  const [transaction] = copied(rows).transactions;
  assert.equal(transaction?.date_key, '20260306');
  assert.equal(transaction?.local_hour, '23');
});

test('a dimension member seen several times keeps its newest attributes; members come sorted by natural key', () => {
  const at = (time: string, storeId: string, name: string, id: string): TransactionMessage => ({
    ...validSale(),
    transaction_id: id,
    occurred_at: time,
    store: { ...validSale().store, store_id: storeId, name },
  });
  const rows = toWarehouseRows([
    accepted(at('2026-03-06T12:00:00.000-05:00', 'S2', 'Newer', '00000000-0000-4000-8000-000000000001')),
    accepted(at('2026-03-06T10:00:00.000-05:00', 'S2', 'Older', '00000000-0000-4000-8000-000000000002')),
    accepted(at('2026-03-06T09:00:00.000-08:00', 'S1', 'West', '00000000-0000-4000-8000-000000000003')),
  ]);
  assert.deepEqual(rows.stores.storeId, ['S1', 'S2']);
  assert.deepEqual(rows.stores.name, ['West', 'Newer']);
  assert.deepEqual(rows.stores.asOf, ['2026-03-06T09:00:00.000-08:00', '2026-03-06T12:00:00.000-05:00']);
  // Each fact names its own store's key, whatever order the members were first seen in.
  const { transactions } = copied(rows);
  assert.deepEqual(
    transactions.map((t) => t.store_key),
    ['101', '101', '100'],
  );
});

test('lines keep their decimal strings and their transaction’s keys; payment methods and products are listed once', () => {
  const sale = validSale();
  const rows = toWarehouseRows([accepted(sale), accepted({ ...sale, transaction_id: '00000000-0000-4000-8000-000000000009' })]);
  const { lines } = copied(rows);
  assert.deepEqual(
    lines.map((l) => l.quantity),
    ['0.485', '3', '0.485', '3'],
  );
  assert.deepEqual(
    lines.map((l) => l.line_total),
    ['1.84', '19.47', '1.84', '19.47'],
  );
  assert.deepEqual(
    lines.map((l) => [l.product_key, l.store_key, l.customer_key]),
    [
      ['100', '100', '100'],
      ['101', '100', '100'],
      ['100', '100', '100'],
      ['101', '100', '100'],
    ],
  );
  assert.deepEqual(rows.products.sku, ['P000001', 'P000900']);
  assert.deepEqual(rows.paymentMethods, { method: ['cash'], cardBrand: [null] });
  assert.deepEqual(rows.customers.customerId, ['C0000042']);
});

test('free text is escaped for COPY; a missing customer and source are nulls; the hash is bytea hex', () => {
  const sale = { ...validSale(), register_id: 'R\t1\\2', customer: null };
  const rows = toWarehouseRows([accepted(sale, { topic: 'PointOfSale', partition: 3, offset: 42n })]);
  const [transaction] = copied(rows).transactions;
  assert.equal(transaction?.register_id, 'R\\t1\\\\2');
  assert.equal(transaction?.customer_key, '\\N');
  assert.deepEqual(
    [transaction?.source_topic, transaction?.source_partition, transaction?.source_offset],
    ['PointOfSale', '3', '42'],
  );
  assert.equal(transaction?.payload_hash, `\\\\x${payloadHash(sale).toString('hex')}`);
  const [unsourced] = copied(toWarehouseRows([accepted(validSale())])).transactions;
  assert.deepEqual([unsourced?.source_topic, unsourced?.source_partition, unsourced?.source_offset], ['\\N', '\\N', '\\N']);
});

test('text beyond ASCII is written as UTF-8, and the fields after it stay in place', () => {
  const sale = { ...validSale(), register_id: 'Kasse-Zoë-東京-🛒', cashier_id: 'E\\ñ' };
  const [transaction] = copied(toWarehouseRows([accepted(sale)])).transactions;
  assert.equal(transaction?.register_id, 'Kasse-Zoë-東京-🛒');
  assert.equal(transaction?.cashier_id, 'E\\\\ñ');
  assert.equal(transaction?.currency, sale.currency);
  assert.equal(transaction?.subtotal, sale.subtotal);
});

test("a v1 line with a rate is one component named by its store's state; an untaxed line has none", () => {
  const rows = toWarehouseRows([accepted(validSale())]);
  assert.deepEqual(rows.taxes, {
    jurisdiction: ['US-NY'],
    code: ['US-STATE'],
    rate: ['0.080000'],
    validFrom: [20260306],
    validTo: [20260306],
  });
  assert.deepEqual(copied(rows).taxes, [
    {
      transaction_id: '5b2a7c1e-8f0d-4c3a-9b1e-2d4f6a8c0e13',
      line_no: '2',
      taxable: '19.47',
      tax: '1.56',
      date_key: '20260306',
      store_key: '100',
      tax_key: '100',
    },
  ]);
  assert.deepEqual(rows.aggregates.taxDay, {
    store: [0],
    dateKey: [20260306],
    tax: [0],
    lines: [1],
    taxable: ['19.47'],
    amount: ['1.56'],
  });
  assert.deepEqual(rows.stores.currency, ['USD']);
});

test("a v2 line's components are its taxes, rates with 6 places; a tax's dates span the batch's lines that carry it", () => {
  const sale = validSale();
  const quebec = (id: string, at: string): TransactionMessageV2 => ({
    ...sale,
    schema_version: 2,
    transaction_id: id,
    occurred_at: at,
    store: { ...sale.store, store_id: 'STORE003', region: 'Quebec', country: 'CA', timezone: 'America/Toronto' },
    currency: 'CAD',
    items: sale.items.map((item) => ({
      ...item,
      tax_rate: item.line_no === 2 ? '0.14975' : '0.0000',
      tax: item.line_no === 2 ? '2.92' : '0.00',
      taxes:
        item.line_no === 2
          ? [
              { code: 'GST', jurisdiction: 'CA', rate: '0.05', amount: '0.97' },
              { code: 'QST', jurisdiction: 'CA-QC', rate: '0.09975', amount: '1.94' },
            ]
          : [],
    })),
    tax_total: '2.91',
    tax_totals: [],
  });
  const rows = toWarehouseRows([
    accepted(quebec('00000000-0000-4000-8000-000000000001', '2026-03-09T10:00:00.000-04:00') as never),
    accepted(quebec('00000000-0000-4000-8000-000000000002', '2026-03-07T10:00:00.000-05:00') as never),
  ]);
  assert.deepEqual(rows.taxes, {
    // Sorted by name, jurisdiction first: "CA-QC/…" before "CA/…".
    jurisdiction: ['CA-QC', 'CA'],
    code: ['QST', 'GST'],
    rate: ['0.099750', '0.050000'],
    validFrom: [20260307, 20260307],
    validTo: [20260309, 20260309],
  });
  const { taxes, lines } = copied(rows);
  assert.deepEqual(
    taxes.map((row) => [row.transaction_id?.slice(-1), row.line_no, row.taxable, row.tax, row.tax_key]),
    [
      ['1', '2', '19.47', '0.97', '101'],
      ['1', '2', '19.47', '1.94', '100'],
      ['2', '2', '19.47', '0.97', '101'],
      ['2', '2', '19.47', '1.94', '100'],
    ],
  );
  assert.deepEqual(
    lines.map((line) => line.tax_rate),
    ['0.0000', '0.14975', '0.0000', '0.14975'],
  );
  assert.deepEqual(rows.stores.currency, ['CAD']);
});
