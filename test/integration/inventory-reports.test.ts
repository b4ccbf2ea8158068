import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { InventoryEvent, InventoryReason } from '../../src/contract/inventory.ts';
import type { TransactionMessage } from '../../src/contract/message.ts';
import { formatFixed, parseFixed } from '../../src/domain/money.ts';
import { writeTransactions } from '../../src/ingest/write.ts';
import { decodeInventoryBatch, writeInventoryIsolatingRefusals } from '../../src/ingest/write-inventory.ts';
import { formatReport } from '../../src/reports/format.ts';
import { findReport, type ReportFilter, runReport } from '../../src/reports/reports.ts';
import { lowStock } from '../../src/reports/today.ts';
import type { Warehouse } from '../../src/warehouse/database.ts';
import { migratedEmbeddedWarehouse, migratedWarehouse } from './support/warehouse.ts';

/**
 * The inventory reports over a small chain made by hand, through the write paths (sales, returns,
 * deliveries, counts, a written-off return), whose every figure is worked out below: each report's
 * rows exactly, and each equal to its reference over the facts and movements.
 *
 * S001 (New York, UTC−4 in April) and S002 (Chicago, UTC−5), all in USD. The newest sale is
 * S001's on 28 April at 18:00 (22:00 UTC): the warehouse's "now". Default period: 1–28 April.
 */
interface Product {
  sku: string;
  name: string;
  category: string;
  unit: 'each' | 'kg';
  price: string;
}

const A: Product = { sku: 'A', name: 'Apples', category: 'Produce', unit: 'each', price: '2.00' };
const B: Product = { sku: 'B', name: 'Butter', category: 'Dairy', unit: 'each', price: '5.00' };
const C: Product = { sku: 'C', name: 'Cherries', category: 'Produce', unit: 'kg', price: '10.00' };
/** Delivered, never sold: the warehouse knows no name for it (products are named by the sales). */
const D: Product = { sku: 'D', name: 'Dish soap', category: 'Household', unit: 'each', price: '4.50' };
const E: Product = { sku: 'E', name: 'Eclairs', category: 'Bakery', unit: 'each', price: '3.00' };
const F: Product = { sku: 'F', name: 'Feta', category: 'Dairy', unit: 'each', price: '4.00' };
const H: Product = { sku: 'H', name: 'Hummus', category: 'Deli', unit: 'each', price: '1.00' };

const STORES = {
  S001: { name: 'Buffalo Harbor Market', city: 'Buffalo', region: 'New York', timezone: 'America/New_York', offset: '-04:00' },
  S002: { name: 'Chicago Loop Market', city: 'Chicago', region: 'Illinois', timezone: 'America/Chicago', offset: '-05:00' },
} as const;
type StoreId = keyof typeof STORES;

const cents = (text: string) => BigInt(parseFixed(text, 2) as number);
const money = (amount: bigint) => formatFixed(Number(amount), 2);

/** A cash transaction without tax: `lines` as [product, quantity, discount]; a return has negative quantities. */
function transaction(
  storeId: StoreId,
  local: string,
  lines: [Product, string, string?][],
  original?: TransactionMessage,
): TransactionMessage {
  const store = STORES[storeId];
  const items = lines.map(([product, quantity, discount = '0.00'], index) => {
    const gross = (cents(product.price) * BigInt(parseFixed(quantity, 3) as number)) / 1000n;
    return {
      line_no: index + 1,
      sku: product.sku,
      name: product.name,
      category: product.category,
      brand: 'House',
      unit: product.unit,
      quantity,
      unit_price: product.price,
      discount,
      tax_rate: '0.0000',
      tax: '0.00',
      line_total: money(gross - cents(discount)),
    };
  });
  const total = money(items.reduce((sum, item) => sum + cents(item.line_total), 0n));
  const discount = money(items.reduce((sum, item) => sum + cents(item.discount), 0n));
  return {
    schema_version: 1,
    transaction_id: randomUUID(),
    type: original ? 'return' : 'sale',
    original_transaction_id: original?.transaction_id ?? null,
    occurred_at: `${local}:00.000${store.offset}`,
    store: {
      store_id: storeId,
      name: store.name,
      city: store.city,
      region: store.region,
      country: 'US',
      timezone: store.timezone,
    },
    register_id: `${storeId}-R01`,
    cashier_id: `${storeId}-E001`,
    customer: null,
    currency: 'USD',
    items,
    subtotal: total,
    discount_total: discount,
    tax_total: '0.00',
    total,
    payment: { method: 'cash', card_brand: null, amount: total, tendered: total, change: '0.00' },
  };
}

function inventory(storeId: StoreId, local: string, reason: InventoryReason, lines: [Product, string][]): InventoryEvent {
  const store = STORES[storeId];
  return {
    schema_version: 1,
    event_id: randomUUID(),
    type: reason === 'delivery' ? 'receipt' : 'adjustment',
    reason,
    occurred_at: `${local}:00.000${store.offset}`,
    store_id: storeId,
    timezone: store.timezone,
    reference: null,
    lines: lines.map(([product, quantity]) => ({ sku: product.sku, unit: product.unit, quantity })),
  };
}

const aprilFirstSale = transaction('S001', '2026-04-01T10:00', [
  [A, '20'],
  [B, '4'],
]);
const SALES: TransactionMessage[] = [
  transaction('S001', '2026-03-25T10:00', [[A, '10']]), // before the period: in stock on hand, not in the rate
  aprilFirstSale,
  transaction('S001', '2026-04-15T11:00', [[E, '4']]), // E sold out: out from then on, 319 h
  transaction('S001', '2026-04-27T12:00', [[B, '6']]), // B sold out until the delivery the next morning: 21 h
  transaction('S001', '2026-04-28T12:00', [[A, '-2']], aprilFirstSale), // a return: puts 2 A back
  transaction('S001', '2026-04-28T18:00', [
    [A, '8', '0.80'],
    [B, '2'],
    [C, '1.500'],
  ]),
  transaction('S002', '2026-04-28T10:00', [[F, '10']]), // F sold out: 10:00 to 22:00 UTC, 7 h
  transaction('S002', '2026-04-28T11:00', [[H, '29']]), // H: 1 left, under a day of cover
];
const INVENTORY: InventoryEvent[] = [
  inventory('S001', '2026-03-25T08:00', 'opening', [
    [A, '100'],
    [B, '10'],
    [C, '5.000'],
    [E, '4'],
  ]),
  inventory('S002', '2026-03-25T08:00', 'opening', [
    [F, '10'],
    [H, '30'],
  ]),
  inventory('S001', '2026-04-10T08:00', 'delivery', [[D, '5']]), // D: none before (out 224 h), never sold since
  inventory('S001', '2026-04-20T07:00', 'count', [
    [A, '-3'],
    [C, '0.200'],
  ]),
  inventory('S001', '2026-04-28T09:00', 'delivery', [[B, '12']]),
  inventory('S001', '2026-04-28T12:05', 'unsellable_return', [[A, '-1']]),
];

/** `events` through the inventory topic's write path, as `pos consume` writes them (without offsets). */
async function storeInventory(warehouse: Warehouse, events: readonly InventoryEvent[]): Promise<void> {
  const values = events.map((event) => Buffer.from(JSON.stringify(event)));
  const result = await writeInventoryIsolatingRefusals(
    warehouse,
    decodeInventoryBatch({
      length: values.length,
      source: () => undefined,
      record: (index) => ({ key: null, value: values[index] as Buffer, source: undefined }),
    }),
  );
  assert.deepEqual(result.rejected, []);
  assert.equal(result.landed, events.length);
}

for (const kind of ['server', 'embedded'] as const) {
  describe(`the inventory reports, on the ${kind} database`, () => {
    let warehouse: Warehouse;
    let close: () => Promise<void>;

    async function report(name: string, filter: ReportFilter = {}) {
      const definition = findReport(name);
      assert.ok(definition, name);
      const rows = (await runReport(warehouse, definition, filter)).rows;
      const reference = (await runReport(warehouse, { ...definition, sql: definition.factSql }, filter)).rows;
      assert.deepEqual(rows, reference, `${name} ${JSON.stringify(filter)}: its reference over the facts and movements`);
      for (const row of rows) assert.deepEqual(Object.keys(row), definition.columns);
      return rows.map((row) => Object.values(row));
    }

    before(async () => {
      ({ warehouse, close } = kind === 'server' ? await migratedWarehouse() : await migratedEmbeddedWarehouse());
      await storeInventory(warehouse, INVENTORY);
      const sold = await writeTransactions(warehouse, SALES);
      assert.deepEqual(sold.rejected, []);
      assert.equal(sold.landed, SALES.length);
    });
    after(() => close());

    test('stock-on-hand: on hand, sold per day over 1–28 April (net of returns) and days of cover, fewest first', async () => {
      // A: 100 − 10 − 20 − 3 (count) + 2 (return) − 1 (written off) − 8 = 60 on hand; 20 + 8 − 2 = 26 sold in the 28 days.
      assert.deepEqual(await report('stock-on-hand'), [
        ['S002', 'F', 'Feta', 'Dairy', '0.000', '0.357', '0.0'], // out: the faster seller first
        ['S001', 'E', 'Eclairs', 'Bakery', '0.000', '0.143', '0.0'],
        ['S002', 'H', 'Hummus', 'Deli', '1.000', '1.036', '1.0'], // 1 × 28 / 29
        ['S001', 'B', 'Butter', 'Dairy', '10.000', '0.429', '23.3'], // 10 × 28 / 12
        ['S001', 'A', 'Apples', 'Produce', '60.000', '0.929', '64.6'],
        ['S001', 'C', 'Cherries', 'Produce', '3.700', '0.054', '69.1'], // 5 + 0.2 − 1.5 kg, 3.7 × 28 / 1.5
        ['S001', 'D', null, null, '5.000', '0.000', null], // never sold: no end, and no name (the sales name products)
      ]);
      assert.deepEqual(await report('stock-on-hand', { storeId: 'S002' }), [
        ['S002', 'F', 'Feta', 'Dairy', '0.000', '0.357', '0.0'],
        ['S002', 'H', 'Hummus', 'Deli', '1.000', '1.036', '1.0'],
      ]);
      // The rate of 28 April alone: A 8 − 2 = 6 a day, 10 days; B 2 a day, 5 days; C 1.5 kg a day.
      assert.deepEqual(await report('stock-on-hand', { from: '2026-04-28', to: '2026-04-28', limit: 4 }), [
        ['S002', 'F', 'Feta', 'Dairy', '0.000', '10.000', '0.0'],
        ['S001', 'E', 'Eclairs', 'Bakery', '0.000', '0.000', '0.0'],
        ['S002', 'H', 'Hummus', 'Deli', '1.000', '29.000', '0.0'],
        ['S001', 'C', 'Cherries', 'Produce', '3.700', '1.500', '2.5'],
      ]);
      // --to alone: the 28 days up to it, but from the first sale on 25 March: 8 days, A 10 + 20 sold, B 4.
      assert.deepEqual((await report('stock-on-hand', { to: '2026-04-01', storeId: 'S001' })).slice(0, 3), [
        ['S001', 'E', 'Eclairs', 'Bakery', '0.000', '0.000', '0.0'],
        ['S001', 'A', 'Apples', 'Produce', '60.000', '3.750', '16.0'],
        ['S001', 'B', 'Butter', 'Dairy', '10.000', '0.500', '20.0'],
      ]);
    });

    test('stock-on-hand as a table shows ∞ where nothing sold; CSV and JSON leave it empty', async () => {
      const definition = findReport('stock-on-hand');
      assert.ok(definition);
      const result = await runReport(warehouse, definition, { storeId: 'S001' });
      const table = formatReport(result, 'table').split('\n');
      assert.match(table.find((line) => /^S001\s+D\s/.test(line)) ?? '', /5\.000\s+0\.000\s+∞$/);
      assert.match(formatReport(result, 'csv'), /\r\nS001,D,,,5\.000,0\.000,\r\n$/);
      assert.equal(JSON.parse(formatReport(result, 'json')).at(-1).days_of_cover, null);
    });

    test('stockouts: hours out of stock from the stock level over time, and the sales lost at the period rate', async () => {
      // S001's period: 1 April 00:00 (04:00 UTC) to the newest sale, 28 April 22:00 UTC: 666 h; S002's from 05:00 UTC: 665 h.
      // E: 319 h × 4 sold / 666 h = 1.916 units, at 3.00; B: 21 h × 12 / 666 = 0.378 units at 5.00;
      // F: 7 h × 10 / 665 = 0.105 units at 4.00; D: 224 h (1 April 00:00 to its delivery on the 10th at 08:00), none sold.
      assert.deepEqual(await report('stockouts'), [
        ['S001', 'E', 'Eclairs', 'Bakery', '319.00', '1.916', '5.75', 'USD'],
        ['S001', 'B', 'Butter', 'Dairy', '21.00', '0.378', '1.89', 'USD'],
        ['S002', 'F', 'Feta', 'Dairy', '7.00', '0.105', '0.42', 'USD'],
        ['S001', 'D', null, null, '224.00', '0.000', '0.00', 'USD'],
      ]);
      // A past day: its opening level is stock on hand now less everything since. B out from noon (12 h), at
      // that day's rate (6 in 24 h) and price; E out all day, unsold.
      assert.deepEqual(await report('stockouts', { from: '2026-04-27', to: '2026-04-27' }), [
        ['S001', 'B', 'Butter', 'Dairy', '12.00', '3.000', '15.00', 'USD'],
        ['S001', 'E', 'Eclairs', 'Bakery', '24.00', '0.000', '0.00', 'USD'],
      ]);
      assert.deepEqual(await report('stockouts', { storeId: 'S002' }), [
        ['S002', 'F', 'Feta', 'Dairy', '7.00', '0.105', '0.42', 'USD'],
      ]);
      assert.deepEqual(await report('stockouts', { limit: 1 }), [
        ['S001', 'E', 'Eclairs', 'Bakery', '319.00', '1.916', '5.75', 'USD'],
      ]);
    });

    test('stockouts start after the days pos db prune removed: their movements are gone', async () => {
      await warehouse.query('insert into pos.retention (facts_from) values (20260416)');
      try {
        // From 16 April 00:00 (04:00 UTC) to 22:00 UTC on the 28th, 306 h: E out all along, B its 21 h (8 sold
        // since: 21 × 8 / 306 units at 5.00, 2.75, before E's none).
        const rows = await report('stockouts', { storeId: 'S001' });
        assert.deepEqual(
          rows.map((row) => [row[1], row[4]]),
          [
            ['B', '21.00'],
            ['E', '306.00'],
          ],
        );
      } finally {
        await warehouse.query('delete from pos.retention');
      }
    });

    test('shrink: counts and written-off returns by store and category, valued at the period price', async () => {
      // Produce: A −3 counted and −1 written off, C +0.2 found. A's price: (40.00 + 15.20 − 4.00) / 26 a unit;
      // C's 10.00: 4 × 51.20 / 26 − 0.2 × 10 = 5.88.
      assert.deepEqual(await report('shrink'), [['S001', 'Produce', 3, '2.800', '1.000', '3.800', '5.88', 'USD']]);
      assert.deepEqual(await report('shrink', { storeId: 'S002' }), []);
      // From 21 April: the written-off return alone, at A's price since: (15.20 − 4.00) / 6.
      assert.deepEqual(await report('shrink', { from: '2026-04-21' }), [
        ['S001', 'Produce', 1, '0.000', '1.000', '1.000', '1.87', 'USD'],
      ]);
    });

    test("the dashboard's low stock: pairs out of stock, under 2 days of cover, and the lowest", async () => {
      const figures = await lowStock(warehouse, 3);
      assert.deepEqual(figures, {
        outOfStock: 2,
        underTwoDays: 1,
        lowest: [
          { store_id: 'S002', sku: 'F', name: 'Feta', on_hand: '0.000', sold_per_day: '0.357', days_of_cover: '0.0' },
          { store_id: 'S001', sku: 'E', name: 'Eclairs', on_hand: '0.000', sold_per_day: '0.143', days_of_cover: '0.0' },
          { store_id: 'S002', sku: 'H', name: 'Hummus', on_hand: '1.000', sold_per_day: '1.036', days_of_cover: '1.0' },
        ],
      });
    });
  });
}

describe('the dashboard where stock is not tracked', () => {
  test('no inventory message: no low-stock figures (the sales alone would put every product out of stock)', async () => {
    const { warehouse, close } = await migratedWarehouse();
    try {
      assert.deepEqual((await writeTransactions(warehouse, SALES.slice(0, 2))).rejected, []);
      assert.equal(await lowStock(warehouse), null);
    } finally {
      await close();
    }
  });
});
