import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combinedRate, lineTaxes, TaxTable } from '../../../src/tax/engine.ts';
import { formatRate, rate } from '../../../src/tax/rate.ts';

const table = new TaxTable([
  { code: 'FED', jurisdiction: 'XX', regions: ['XX-A', 'XX-B'], categories: ['goods'], rate: rate('0.05') },
  {
    code: 'LOC',
    jurisdiction: 'XX-A',
    regions: ['XX-A'],
    categories: ['goods', 'food'],
    rate: rate('0.09975'),
    until: '2025-04-01',
  },
  { code: 'LOC', jurisdiction: 'XX-A', regions: ['XX-A'], categories: ['goods', 'food'], rate: rate('0.08'), from: '2025-04-01' },
]);

test('a rate change: each side of the date has its own rate; federal first; an untaxed category has none', () => {
  const names = (date: number, category = 'goods') =>
    table.taxesOn('XX-A', category, date).map((tax) => `${tax.code} ${tax.jurisdiction} ${formatRate(tax.rate)}`);
  assert.deepEqual(names(20250331), ['FED XX 0.0500', 'LOC XX-A 0.09975']);
  assert.deepEqual(names(20250401), ['FED XX 0.0500', 'LOC XX-A 0.0800']);
  assert.deepEqual(names(20250401, 'food'), ['LOC XX-A 0.0800']);
  assert.deepEqual(names(20250401, 'services'), []);
  assert.deepEqual(table.taxesOn('XX-B', 'food', 20250401), []);
  assert.throws(() => table.taxesOn('XX-C', 'goods', 20250401), /no tax rules for the region XX-C/);
  // The same objects each time: a line's taxes are shared, not made per line.
  assert.equal(table.taxesOn('XX-A', 'goods', 20250101), table.taxesOn('XX-A', 'goods', 20250301));
});

test('each component is rounded by itself, half away from zero, negative in a return', () => {
  const taxes = table.taxesOn('XX-A', 'goods', 20250101);
  // 9.98 × 0.05 = 0.499 → 0.50; 9.98 × 0.09975 = 0.995505 → 1.00 (one rate of 0.14975: 1.494505 → 1.49)
  assert.deepEqual(
    lineTaxes(taxes, 998).map((tax) => tax.amount),
    [50, 100],
  );
  assert.deepEqual(
    lineTaxes(taxes, -998).map((tax) => tax.amount),
    [-50, -100],
  );
  // 0.10 × 0.05 = 0.005 → 0.01, exactly half
  assert.deepEqual(
    lineTaxes(taxes, 10).map((tax) => tax.amount),
    [1, 1],
  );
  assert.equal(formatRate(combinedRate(taxes)), '0.14975');
});

test('rates are exact millionths, written with 4 to 6 places', () => {
  assert.equal(rate('0.09975'), 99_750);
  assert.equal(formatRate(0), '0.0000');
  assert.equal(formatRate(130_000), '0.1300');
  assert.equal(formatRate(149_750), '0.14975');
  assert.equal(formatRate(123_456), '0.123456');
  assert.throws(() => rate('0.1234567'), /not a tax rate/);
  assert.throws(
    () =>
      new TaxTable([
        { code: 'T', jurisdiction: 'X', regions: ['X'], categories: ['a'], rate: 1 },
        { code: 'T', jurisdiction: 'X', regions: ['X'], categories: ['a'], rate: 2, from: '2020-01-01' },
      ]),
    /two rates of T of X/,
  );
});
