import assert from 'node:assert/strict';
import { test } from 'node:test';
import { payloadHash } from '../../../src/contract/canonical.ts';
import type { TransactionMessage } from '../../../src/contract/message.ts';
import { dateKey } from '../../../src/date-key.ts';
import { toWarehouseRows } from '../../../src/ingest/rows.ts';
import { validSale } from '../../fixtures/messages.ts';

const accepted = (message: TransactionMessage) => ({ message, hash: payloadHash(message), source: undefined });

test('the date key and hour are the store-local ones in the timestamp, not UTC', () => {
  assert.equal(dateKey('2026-03-06T23:30:00.000-05:00'), 20260306);
  const rows = toWarehouseRows([accepted({ ...validSale(), occurred_at: '2026-03-06T23:30:00.000-05:00' })]);
  assert.deepEqual(rows.dates, [20260306]);
  assert.deepEqual(rows.transactions.dateKey, [20260306]);
  assert.deepEqual(rows.transactions.localHour, [23]);
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
  assert.equal(rows.transactions.transactionId.length, 3);
});

test('lines keep their decimal strings; payment methods and products are listed once', () => {
  const sale = validSale();
  const rows = toWarehouseRows([accepted(sale), accepted({ ...sale, transaction_id: '00000000-0000-4000-8000-000000000009' })]);
  assert.deepEqual(rows.lines.quantity, ['0.485', '3', '0.485', '3']);
  assert.deepEqual(rows.lines.lineTotal, ['1.84', '19.47', '1.84', '19.47']);
  assert.deepEqual(rows.products.sku, ['P000001', 'P000900']);
  assert.deepEqual(rows.paymentMethods, { method: ['cash'], cardBrand: [null] });
  assert.deepEqual(rows.customers.customerId, ['C0000042']);
});
