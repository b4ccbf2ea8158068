import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport } from '../../../src/reports/format.ts';
import { INVENTORY_REPORTS } from '../../../src/reports/inventory.ts';
import { EVERY_REPORT, findReport, REPORTS } from '../../../src/reports/reports.ts';

/** The tables and views a query reads, by the names after `from` and `join`. */
const tablesRead = (sql: string) =>
  [...new Set([...sql.matchAll(/\b(?:from|join)\s+(pos\.\w+)/g)].map((match) => match[1]))].sort();

test('the inventory reports read stock on hand, the movements and the aggregates, never the sales facts themselves', () => {
  const read = Object.fromEntries(INVENTORY_REPORTS.map((report) => [report.name, tablesRead(report.sql)]));
  assert.deepEqual(read, {
    'stock-on-hand': ['pos.agg_product_day', 'pos.dim_product', 'pos.dim_store', 'pos.stock_on_hand'],
    stockouts: [
      'pos.agg_product_day',
      'pos.agg_store_hour',
      'pos.dim_product',
      'pos.dim_store',
      'pos.retention',
      'pos.stock_movement',
      'pos.stock_on_hand',
    ],
    shrink: ['pos.agg_product_day', 'pos.dim_product', 'pos.dim_store', 'pos.fact_inventory_movement'],
  });
});

test('their references read the facts and movements: no stock on hand, no aggregate', () => {
  for (const report of INVENTORY_REPORTS) {
    const reference = tablesRead(report.factSql);
    assert.ok(reference.includes('pos.fact_sales_line'), `${report.name}'s factSql reads no sales line`);
    assert.deepEqual(
      reference.filter((table) => !/^pos\.(fact_\w+|dim_\w+|stock_movement|retention)$/.test(table ?? '')),
      [],
      `${report.name}'s factSql reads more than facts, movements and dimensions`,
    );
  }
});

test('pos report knows every report once; the sales reports come first, as before', () => {
  const names = EVERY_REPORT.map((report) => report.name);
  assert.deepEqual([...new Set(names)], names);
  assert.deepEqual(
    names.slice(0, REPORTS.length),
    REPORTS.map((report) => report.name),
  );
  assert.deepEqual(names.slice(REPORTS.length), ['stock-on-hand', 'stockouts', 'shrink']);
  assert.equal(findReport('stockouts'), INVENTORY_REPORTS[1]);
});

test('each inventory report stops at $4 rows in the database (the stock of every product of every store is long)', () => {
  for (const report of INVENTORY_REPORTS) {
    assert.equal(report.limitParameter, true);
    for (const sql of [report.sql, report.factSql]) assert.match(sql, /\blimit \$4\s*$/);
  }
});

test('an empty days of cover is ∞ in a table, right-aligned with the numbers, and empty in CSV and JSON', () => {
  const result = {
    columns: ['sku', 'days_of_cover'],
    rows: [
      { sku: 'P1', days_of_cover: '0.0' },
      { sku: 'P2', days_of_cover: '12.5' },
      { sku: 'P3', days_of_cover: null },
    ],
    nullShownAs: { days_of_cover: '∞' },
  };
  assert.equal(
    formatReport(result, 'table'),
    ['sku  days_of_cover', '---  -------------', 'P1             0.0', 'P2            12.5', 'P3               ∞', ''].join('\n'),
  );
  assert.equal(formatReport(result, 'csv'), 'sku,days_of_cover\r\nP1,0.0\r\nP2,12.5\r\nP3,\r\n');
  assert.equal(JSON.parse(formatReport(result, 'json'))[2].days_of_cover, null);
});
