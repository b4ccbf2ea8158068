import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { writeTransactions } from '../../src/ingest/write.ts';
import { formatReport } from '../../src/reports/format.ts';
import { findReport, runReport } from '../../src/reports/reports.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { validSale } from '../fixtures/messages.ts';
import { migratedWarehouse } from './support/warehouse.ts';

let warehouse: Warehouse;
let close: () => Promise<void>;

before(async () => {
  ({ warehouse, close } = await migratedWarehouse());
});
after(() => close());

async function csv(name: string): Promise<string[]> {
  const report = findReport(name);
  assert.ok(report, name);
  return formatReport(await runReport(warehouse, report), 'csv')
    .trimEnd()
    .split('\r\n');
}

test('pos report --format csv: names from Kafka that a spreadsheet would run are text; negative money stays a number', async () => {
  const sale: TransactionMessage = {
    ...validSale(),
    store: { ...validSale().store, name: '=HYPERLINK("http://evil.example","Click")' },
  };
  // A return of a product the warehouse has seen in no sale: its net quantity and sales are negative.
  const refund: TransactionMessage = {
    ...sale,
    transaction_id: '0b9f2c4e-1d3a-4e5f-8a7b-9c0d1e2f3a4b',
    type: 'return',
    original_transaction_id: '5b2a7c1e-8f0d-4c3a-9b1e-2d4f6a8c0e13',
    items: [
      {
        line_no: 1,
        sku: 'P000777',
        name: '-2+3+cmd|calc',
        category: '@SUM(A1:A9)',
        brand: '+Brightway',
        unit: 'each',
        quantity: '-1',
        unit_price: '6.49',
        discount: '0.00',
        tax_rate: '0.0800',
        tax: '-0.52',
        line_total: '-6.49',
      },
    ],
    subtotal: '-6.49',
    discount_total: '0.00',
    tax_total: '-0.52',
    total: '-7.01',
    payment: { method: 'cash', card_brand: null, amount: '-7.01', tendered: '-7.01', change: '0.00' },
  };
  const result = await writeTransactions(warehouse, [sale, refund]);
  assert.equal(result.landed, 2, JSON.stringify(result.rejected));

  assert.deepEqual(await csv('sales-by-store'), [
    'store_id,name,region,transactions,net_sales,tax,total',
    `S001,"'=HYPERLINK(""http://evil.example"",""Click"")",New York,2,14.82,1.04,15.86`,
  ]);
  assert.deepEqual((await csv('top-products')).slice(-1), ["P000777,'-2+3+cmd|calc,'@SUM(A1:A9),'+Brightway,-1.000,-6.49"]);
});
