import assert from 'node:assert/strict';
import { test } from 'node:test';
import { payloadHash } from '../../../src/contract/canonical.ts';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import { toWarehouseRows } from '../../../src/ingest/rows.ts';
import { validSale } from '../../fixtures/messages.ts';

const accepted = (message: TransactionMessage) => ({ message, hash: payloadHash(message), source: undefined });

/** validSale with another id, time, store and amounts; one line per entry of `lines` (sku, quantity, line_total). */
function sale(
  id: string,
  occurredAt: string,
  storeId: string,
  lines: [string, string, string][],
  type: 'sale' | 'return' = 'sale',
): TransactionMessage {
  const base = validSale();
  const template = base.items[0] as TransactionMessage['items'][number];
  return {
    ...base,
    transaction_id: id,
    type,
    original_transaction_id: type === 'return' ? '00000000-0000-4000-8000-000000000001' : null,
    occurred_at: occurredAt,
    store: { ...base.store, store_id: storeId },
    items: lines.map(([sku, quantity, lineTotal], i) => ({
      ...template,
      line_no: i + 1,
      sku,
      quantity,
      line_total: lineTotal,
    })),
    subtotal: '10.00',
    discount_total: '0.50',
    tax_total: '1.25',
    total: type === 'return' ? '-11.25' : '11.25',
  };
}

test("a batch's deltas sum its transactions per store, local date and hour, product and basket size, members in sorted order", () => {
  const rows = toWarehouseRows(
    [
      sale('00000000-0000-4000-8000-00000000000a', '2026-03-06T23:30:00.000-05:00', 'S002', [
        ['P2', '1', '4.00'],
        ['P1', '0.5', '6.00'],
      ]),
      sale('00000000-0000-4000-8000-00000000000b', '2026-03-06T23:59:59.999-05:00', 'S002', [['P2', '2', '8.00']], 'return'),
      sale('00000000-0000-4000-8000-00000000000c', '2026-03-07T00:00:00.000-05:00', 'S001', [['P2', '1.250', '10.00']]),
    ].map(accepted),
  );
  const { storeHour, productDay, basketDay, tenderDay } = rows.aggregates;
  const byIndex = (i: number) => rows.stores.storeId[i];
  const hours = storeHour.store.map((store, i) => ({
    store: byIndex(store),
    date: storeHour.dateKey[i],
    hour: storeHour.hour[i],
    sales: storeHour.sales[i],
    returns: storeHour.returns[i],
    lines: storeHour.lines[i],
    net: storeHour.netSales[i],
    total: storeHour.total[i],
    returnsTotal: storeHour.returnsTotal[i],
    last: storeHour.lastOccurredAt[i],
  }));
  assert.deepEqual(hours, [
    {
      store: 'S002',
      date: 20260306,
      hour: 23,
      sales: 1,
      returns: 1,
      lines: 3,
      net: '20.00',
      total: '0.00',
      returnsTotal: '-11.25',
      last: '2026-03-07T04:59:59.999Z',
    },
    {
      store: 'S001',
      date: 20260307,
      hour: 0,
      sales: 1,
      returns: 0,
      lines: 1,
      net: '10.00',
      total: '11.25',
      returnsTotal: '0.00',
      last: '2026-03-07T05:00:00.000Z',
    },
  ]);
  const products = productDay.store.map((store, i) => [
    byIndex(store),
    productDay.dateKey[i],
    rows.products.sku[productDay.product[i] as number],
    productDay.lines[i],
    productDay.quantity[i],
    productDay.netSales[i],
  ]);
  assert.deepEqual(products, [
    ['S002', 20260306, 'P2', 2, '3.000', '12.00'],
    ['S002', 20260306, 'P1', 1, '0.500', '6.00'],
    ['S001', 20260307, 'P2', 1, '1.250', '10.00'],
  ]);
  // Only sales count in the baskets.
  assert.deepEqual(
    basketDay.store.map((store, i) => [byIndex(store), basketDay.lineCount[i], basketDay.sales[i]]),
    [
      ['S002', 2, 1],
      ['S001', 1, 1],
    ],
  );
  assert.deepEqual(tenderDay.transactions, [2, 1]);
  assert.deepEqual(tenderDay.total, ['0.00', '11.25']);
});

test('the stock a batch takes is one sum per store and product, whatever the dates; a return (negative quantity) puts back', () => {
  const rows = toWarehouseRows(
    [
      sale('00000000-0000-4000-8000-00000000000a', '2026-03-06T23:30:00.000-05:00', 'S001', [
        ['P1', '2', '4.00'],
        ['P2', '0.250', '6.00'],
      ]),
      sale('00000000-0000-4000-8000-00000000000b', '2026-03-07T08:00:00.000-05:00', 'S001', [['P1', '3', '6.00']]),
      sale('00000000-0000-4000-8000-00000000000c', '2026-03-08T08:00:00.000-05:00', 'S001', [['P1', '-1', '-2.00']], 'return'),
      sale('00000000-0000-4000-8000-00000000000d', '2026-03-07T09:00:00.000-05:00', 'S002', [['P1', '1', '2.00']]),
    ].map(accepted),
  );
  const { stockTaken, productDay } = rows.aggregates;
  assert.equal(productDay.store.length, 5, 'three dates of S001/P1, one of S001/P2, one of S002/P1');
  const taken = stockTaken.store.map((store, i) => [
    rows.stores.storeId[store],
    rows.products.sku[stockTaken.product[i] as number],
    stockTaken.quantity[i],
  ]);
  assert.deepEqual(
    taken.sort((a, b) => String(a).localeCompare(String(b))),
    [
      ['S001', 'P1', '4.000'],
      ['S001', 'P2', '0.250'],
      ['S002', 'P1', '1.000'],
    ],
  );
});

test("sums stay exact beyond the safe integers: money at the contract's largest amounts", () => {
  const largest = '999999999999.99';
  const many = Array.from({ length: 1000 }, (_, i) => {
    const message = sale(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, '2026-03-06T12:00:00.000Z', 'S001', [
      ['P1', '1', largest],
    ]);
    return accepted({ ...message, total: largest });
  });
  const rows = toWarehouseRows(many);
  // 1000 × 99,999,999,999,999 cents: far beyond 2^53 cents, and exact.
  assert.deepEqual(rows.aggregates.storeHour.total, ['999999999999990.00']);
  assert.deepEqual(rows.aggregates.productDay.netSales, ['999999999999990.00']);
  assert.deepEqual(rows.aggregates.tenderDay.total, ['999999999999990.00']);
});
