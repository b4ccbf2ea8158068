import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { LineItemV2, TaxComponent, TransactionMessageV2 } from '../../../src/contract/message.ts';
import { dryRun, messages } from '../../fixtures/simulated.ts';

// The Canadian chain's taxes, checked line by line against this table and exact decimal
// arithmetic written here, not against the simulator's tax engine.

/** Zero-rated under the GST/HST, exempt from every provincial tax: no component at all. */
const BASIC_GROCERIES = new Set(['Produce', 'Meat & Seafood', 'Dairy & Eggs', 'Bakery', 'Frozen', 'Pantry', 'Juice & Water']);
/** British Columbia's PST: not on food (candy, snacks, prepared food included) nor medicines; on soft drinks since 2021-04-01. */
const BC_PST = new Set(['Soft Drinks', 'Household', 'Personal Care', 'Pet', 'Home & Kitchen']);

type Expected = [code: string, jurisdiction: string, rate: string][];

/** The taxes on a line of `category` in a store of `province` on the local date `date` (YYYY-MM-DD), 2025 on. */
function expectedTaxes(province: string, category: string, date: string): Expected {
  if (BASIC_GROCERIES.has(category)) return [];
  const gst: Expected[number] = ['GST', 'CA', '0.05'];
  switch (province) {
    case 'Ontario':
      return [['HST', 'CA-ON', '0.13']];
    case 'Nova Scotia':
      return [['HST', 'CA-NS', date < '2025-04-01' ? '0.15' : '0.14']];
    case 'New Brunswick':
      return [['HST', 'CA-NB', '0.15']];
    case 'Newfoundland and Labrador':
      return [['HST', 'CA-NL', '0.15']];
    case 'Prince Edward Island':
      return [['HST', 'CA-PE', '0.15']];
    case 'Quebec':
      return [gst, ['QST', 'CA-QC', '0.09975']];
    case 'British Columbia':
      return BC_PST.has(category) ? [gst, ['PST', 'CA-BC', '0.07']] : [gst];
    case 'Manitoba':
      return [gst, ['RST', 'CA-MB', '0.07']];
    case 'Saskatchewan':
      return [gst, ['PST', 'CA-SK', '0.06']];
    case 'Alberta':
    case 'Yukon':
    case 'Northwest Territories':
    case 'Nunavut':
      return [gst];
    default:
      throw new Error(`no expected taxes for ${province}`);
  }
}

/** A decimal string as an integer of `places` implied places. */
function units(text: string, places: number): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole + fraction.padEnd(places, '0'));
  return negative ? -value : value;
}

/** round(money × rate, 2), half away from zero, exactly. */
function taxOn(lineTotal: string, rate: string): bigint {
  const product = units(lineTotal, 2) * units(rate, 6);
  const magnitude = product < 0n ? -product : product;
  const rounded = (magnitude + 500_000n) / 1_000_000n;
  return product < 0n ? -rounded : rounded;
}

const sameRate = (a: string, b: string) => units(a, 6) === units(b, 6);
const localDate = (message: TransactionMessageV2) => message.occurred_at.slice(0, 10);

/** Checks a line's components against the table: codes, jurisdictions, rates, amounts, and their sums. */
function checkLine(line: LineItemV2, expected: Expected, where: string): void {
  assert.deepEqual(
    line.taxes.map((tax) => [tax.code, tax.jurisdiction]),
    expected.map(([code, jurisdiction]) => [code, jurisdiction]),
    where,
  );
  let tax = 0n;
  let rate = 0n;
  line.taxes.forEach((component: TaxComponent, i) => {
    const expectedRate = (expected[i] as Expected[number])[2];
    assert.ok(sameRate(component.rate, expectedRate), `${where}: ${component.code} at ${component.rate}, not ${expectedRate}`);
    assert.equal(units(component.amount, 2), taxOn(line.line_total, expectedRate), `${where}: ${component.code} amount`);
    tax += units(component.amount, 2);
    rate += units(expectedRate, 6);
  });
  assert.equal(units(line.tax, 2), tax, `${where}: tax is the sum of the components`);
  assert.equal(units(line.tax_rate, 6), rate, `${where}: tax_rate is the sum of the rates`);
  assert.match(line.tax_rate, /^0\.\d{4,6}$/);
}

// Sales only where a store's own taxes are meant: a return refunds the sale's, wherever it was.
describe('the Canadian chain: a backfill across Nova Scotia’s HST cut (2025-03-25 to 2025-04-07)', () => {
  let all: TransactionMessageV2[];
  const lines = (filter: (message: TransactionMessageV2, line: LineItemV2) => boolean) =>
    all.flatMap((message) => message.items.filter((line) => filter(message, line)).map((line) => ({ message, line })));

  before(async () => {
    all = messages<TransactionMessageV2>(
      await dryRun({ chain: 'canada', seed: 23, count: 12_000, startDate: '2025-03-25', days: 14 }),
    );
  });

  test('every sale line is taxed as the table says, to the cent, in every province and territory', () => {
    const provinces = new Set<string>();
    for (const message of all.filter((candidate) => candidate.type === 'sale')) {
      provinces.add(message.store.region);
      for (const line of message.items) {
        checkLine(
          line,
          expectedTaxes(message.store.region, line.category, localDate(message)),
          `${message.transaction_id} line ${line.line_no}`,
        );
      }
    }
    assert.equal(provinces.size, 13);
  });

  test('Halifax: 15% HST up to 2025-03-31 and 14% from 2025-04-01, by the store’s local date', () => {
    const halifax = lines(
      (message, line) => message.store.city === 'Halifax' && message.type === 'sale' && line.taxes.length > 0,
    );
    const before = halifax.filter(({ message }) => localDate(message) < '2025-04-01');
    const after = halifax.filter(({ message }) => localDate(message) >= '2025-04-01');
    assert.ok(before.length > 50 && after.length > 50, `${before.length} lines before, ${after.length} after`);
    for (const { line } of before)
      assert.deepEqual(
        line.taxes.map((tax) => [tax.code, tax.jurisdiction, tax.rate]),
        [['HST', 'CA-NS', '0.1500']],
      );
    for (const { line } of after)
      assert.deepEqual(
        line.taxes.map((tax) => [tax.code, tax.jurisdiction, tax.rate]),
        [['HST', 'CA-NS', '0.1400']],
      );
    // The last evening at 15% and the first morning at 14%, both traded.
    assert.ok(before.some(({ message }) => localDate(message) === '2025-03-31'));
    assert.ok(after.some(({ message }) => localDate(message) === '2025-04-01'));
    for (const { line } of after) assert.equal(units(line.tax, 2), taxOn(line.line_total, '0.14'));
  });

  test('Quebec: GST and QST, the QST on the price before GST', () => {
    const quebec = lines(
      (message, line) => message.store.region === 'Quebec' && message.type === 'sale' && line.taxes.length > 0,
    );
    assert.ok(quebec.length > 100);
    let differs = 0;
    for (const { line } of quebec) {
      const [gst, qst] = line.taxes as [TaxComponent, TaxComponent];
      assert.deepEqual([gst.code, gst.rate, qst.code, qst.jurisdiction, qst.rate], ['GST', '0.0500', 'QST', 'CA-QC', '0.09975']);
      assert.equal(units(qst.amount, 2), taxOn(line.line_total, '0.09975'));
      assert.equal(line.tax_rate, '0.14975');
      // QST on the price with GST (as before 2013) would differ here.
      const withGst = units(line.line_total, 2) + units(gst.amount, 2);
      if (
        taxOn(
          `${withGst / 100n}.${String(withGst % 100n)
            .replace('-', '')
            .padStart(2, '0')}`,
          '0.09975',
        ) !== units(qst.amount, 2)
      )
        differs++;
    }
    assert.ok(differs > 10, `${differs} lines tell the two bases apart`);
  });

  test('Alberta (and the territories): GST only', () => {
    const alberta = lines(
      (message, line) => message.store.region === 'Alberta' && message.type === 'sale' && line.taxes.length > 0,
    );
    assert.ok(alberta.length > 50);
    for (const { line } of alberta) {
      assert.deepEqual(
        line.taxes.map((tax) => [tax.code, tax.jurisdiction, tax.rate]),
        [['GST', 'CA', '0.0500']],
      );
      assert.equal(line.tax_rate, '0.0500');
    }
  });

  test('a zero-rated grocery line carries no tax at all', () => {
    const groceries = lines((_message, line) => BASIC_GROCERIES.has(line.category));
    assert.ok(groceries.length > 1000);
    for (const { line } of groceries) {
      assert.deepEqual(line.taxes, []);
      assert.equal(line.tax, '0.00');
      assert.equal(line.tax_rate, '0.0000');
    }
    // The prototype's 20 groceries are among them.
    assert.ok(groceries.some(({ line }) => line.sku === 'PROD001' && line.name === 'Apples' && line.unit_price === '2.50'));
  });

  test('Ontario: HST 13%; British Columbia: GST and PST 7% on a taxable item, GST alone on snacks', () => {
    const ontario = lines(
      (message, line) => message.store.region === 'Ontario' && message.type === 'sale' && line.taxes.length > 0,
    );
    assert.ok(ontario.length > 100);
    for (const { line } of ontario) {
      assert.deepEqual(
        line.taxes.map((tax) => [tax.code, tax.jurisdiction, tax.rate]),
        [['HST', 'CA-ON', '0.1300']],
      );
      assert.equal(units(line.tax, 2), taxOn(line.line_total, '0.13'));
    }
    const bc = lines((message) => message.store.region === 'British Columbia' && message.type === 'sale');
    const household = bc.filter(({ line }) => line.category === 'Household');
    const snacks = bc.filter(({ line }) => line.category === 'Snacks');
    assert.ok(household.length > 5 && snacks.length > 5);
    for (const { line } of household) {
      assert.deepEqual(
        line.taxes.map((tax) => [tax.code, tax.rate]),
        [
          ['GST', '0.0500'],
          ['PST', '0.0700'],
        ],
      );
      assert.equal(units((line.taxes[1] as TaxComponent).amount, 2), taxOn(line.line_total, '0.07'));
    }
    for (const { line } of snacks)
      assert.deepEqual(
        line.taxes.map((tax) => tax.code),
        ['GST'],
      );
  });

  test('a return carries the components of the sale it returns, negative, and the totals add up per tax', () => {
    const sales = new Map(all.map((message) => [message.transaction_id, message]));
    const returns = all.filter((message) => message.type === 'return');
    assert.ok(returns.length > 50);
    for (const message of returns) {
      const sale = sales.get(message.original_transaction_id as string);
      if (!sale) continue;
      for (const line of message.items) {
        const sold = sale.items.find((candidate) => candidate.sku === line.sku) as LineItemV2;
        const expected: Expected = sold.taxes.map((tax) => [tax.code, tax.jurisdiction, tax.rate]);
        checkLine(line, expected, `return ${message.transaction_id}`);
        for (const tax of line.taxes) assert.ok(units(tax.amount, 2) <= 0n);
      }
    }
    for (const message of all) {
      const totals = new Map<string, bigint>();
      for (const line of message.items) {
        for (const tax of line.taxes)
          totals.set(
            `${tax.code} ${tax.jurisdiction}`,
            (totals.get(`${tax.code} ${tax.jurisdiction}`) ?? 0n) + units(tax.amount, 2),
          );
      }
      assert.deepEqual(
        message.tax_totals.map((total) => [`${total.code} ${total.jurisdiction}`, units(total.amount, 2)]),
        [...totals],
      );
      assert.equal(
        units(message.tax_total, 2),
        message.items.reduce((sum, line) => sum + units(line.tax, 2), 0n),
      );
    }
  });
});
