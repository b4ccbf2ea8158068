import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TaxComponent, TransactionMessageV2 } from '../../../src/contract/message.ts';
import { type DeadLetterCode, decodeTransaction, validateTransaction } from '../../../src/contract/validate.ts';
import { validSale } from '../../fixtures/messages.ts';
import { PROVINCE_TAXES, toV2, validQuebecSale } from '../../fixtures/messages-v2.ts';

// Contract v2: the tax components of each line and the totals per tax (docs/message-contract.md).
// The figures of validQuebecSale are worked out in its comment; those below by hand as well.

const gst = (amount: string): TaxComponent => ({ code: 'GST', jurisdiction: 'CA', rate: '0.05000', amount });
const qst = (amount: string): TaxComponent => ({ code: 'QST', jurisdiction: 'CA-QC', rate: '0.09975', amount });

function quebec(change?: (message: TransactionMessageV2) => void): TransactionMessageV2 {
  const message = validQuebecSale();
  change?.(message);
  return message;
}

function line(message: TransactionMessageV2, index: number): TransactionMessageV2['items'][number] {
  return message.items[index] as TransactionMessageV2['items'][number];
}

function accepted(message: unknown): void {
  const verdict = decodeTransaction(Buffer.from(JSON.stringify(message)));
  assert.ok(verdict.ok, verdict.ok ? '' : `${verdict.code}: ${verdict.detail}`);
  assert.deepEqual(verdict.message, message);
}

function refused(message: unknown, code: DeadLetterCode, detail: RegExp): void {
  const verdict = validateTransaction(message);
  assert.equal(verdict.ok, false, 'expected a dead letter');
  if (verdict.ok) return;
  assert.equal(verdict.code, code, verdict.detail);
  assert.match(verdict.detail, detail);
}

describe('contract v2: accepted', () => {
  test('a Quebec sale: GST and QST each on the price before tax, a zero-rated line without components', () => {
    accepted(validQuebecSale());
    const verdict = validateTransaction(validQuebecSale());
    assert.ok(verdict.ok && verdict.message.schema_version === 2);
  });

  test('the same sale in a message whose keys come in another order', () => {
    const message = validQuebecSale();
    const reversed = JSON.parse(JSON.stringify(message), (_key, value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    ) as TransactionMessageV2;
    accepted(reversed);
  });

  test('a v1 sale in v2 by the v1 mapping: one US-STATE component of the store state, with the line rate and tax', () => {
    const message = toV2(validSale());
    assert.deepEqual(line(message, 1).taxes, [{ code: 'US-STATE', jurisdiction: 'US-NY', rate: '0.0800', amount: '1.56' }]);
    assert.deepEqual(line(message, 0).taxes, []);
    assert.deepEqual(message.tax_totals, [{ code: 'US-STATE', jurisdiction: 'US-NY', amount: '1.56' }]);
    assert.equal(message.total, validSale().total);
    accepted(message);
  });

  test('every province, with rates written with 4, 5 and 6 places', () => {
    for (const [province, rules] of Object.entries(PROVINCE_TAXES)) {
      const message = toV2(validSale(), rules);
      assert.equal(line(message, 1).taxes.length, rules.length, province);
      accepted(message);
    }
  });

  test('a line tax_rate written with trailing zeros is the same rate (0.149750 = 0.14975)', () => {
    accepted(quebec((m) => Object.assign(line(m, 0), { tax_rate: '0.149750' })));
  });

  test('a Quebec return refunded in cash: each component rounded half away from zero, below zero', () => {
    // One bag of chips back: −4.99; GST −0.2495 → −0.25; QST −0.4977525 → −0.50; tax −0.75.
    const message = quebec((m) => {
      Object.assign(m, {
        transaction_id: '0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
        type: 'return',
        original_transaction_id: m.transaction_id,
        items: [{ ...line(m, 0), quantity: '-1', tax: '-0.75', taxes: [gst('-0.25'), qst('-0.50')], line_total: '-4.99' }],
        subtotal: '-4.99',
        discount_total: '0.00',
        tax_total: '-0.75',
        tax_totals: [
          { code: 'GST', jurisdiction: 'CA', amount: '-0.25' },
          { code: 'QST', jurisdiction: 'CA-QC', amount: '-0.50' },
        ],
        total: '-5.74',
        payment: { method: 'cash', card_brand: null, amount: '-5.74', tendered: '-5.74', change: '0.00' },
      });
    });
    accepted(message);
  });

  test('a half cent rounds away from zero, and a component may round to 0.00', () => {
    // 0.10 × 0.05 = 0.005 → 0.01; 0.09 × 0.05 = 0.0045 → 0.00; 2.00 × 0.002500 = 0.005 → 0.01.
    const cases: [string, string, string, string][] = [
      ['0.10', '0.05000', '0.01', '0.11'],
      ['0.09', '0.05000', '0.00', '0.09'],
      ['2.00', '0.002500', '0.01', '2.01'],
      ['1.99', '0.002500', '0.00', '1.99'],
    ];
    for (const [price, rate, amount, total] of cases) {
      const message = untaxedQuebec(price);
      Object.assign(line(message, 0), { tax_rate: rate, tax: amount, taxes: [{ ...gst(amount), rate }] });
      Object.assign(message, {
        tax_total: amount,
        tax_totals: [{ code: 'GST', jurisdiction: 'CA', amount }],
        total,
      });
      message.payment.amount = message.total;
      accepted(message);
    }
  });

  test('amounts beyond 2^53 millionths are exact: 999,999,999.99 at 9.975%', () => {
    const price = '999999999.99';
    // 99,999,999,999 cents × 99,750 millionths = 9,974,999,999,900,250 (over 2^53), / 10^6 → 9,975,000,000 cents.
    const amount = ((99_999_999_999n * 99_750n + 500_000n) / 1_000_000n).toString();
    assert.equal(amount, '9975000000');
    const message = untaxedQuebec(price);
    Object.assign(line(message, 0), { tax_rate: '0.09975', tax: '99750000.00', taxes: [qst('99750000.00')] });
    Object.assign(message, {
      tax_total: '99750000.00',
      tax_totals: [{ code: 'QST', jurisdiction: 'CA-QC', amount: '99750000.00' }],
      total: '1099749999.99',
    });
    message.payment.amount = message.total;
    accepted(message);
    const cent = structuredClone(message);
    Object.assign(line(cent, 0).taxes[0] as object, { amount: '99749999.99' });
    refused(
      cent,
      'arithmetic',
      /^items\[0\]\.taxes\[0\]\.amount is 99749999\.99; round\(line_total × rate, 2\) is 99750000\.00$/,
    );
  });

  test('an untaxed transaction has tax_totals: []', () => {
    accepted(untaxedQuebec('5.49'));
  });

  test('one code in two jurisdictions is two taxes', () => {
    const message = quebec((m) => {
      const other = { code: 'GST', jurisdiction: 'CA-QC', rate: '0.09975', amount: '1.00' };
      Object.assign(line(m, 0), { taxes: [gst('0.50'), other] });
      m.tax_totals = [
        { code: 'GST', jurisdiction: 'CA', amount: '0.67' },
        { code: 'GST', jurisdiction: 'CA-QC', amount: '1.00' },
        { code: 'QST', jurisdiction: 'CA-QC', amount: '0.35' },
      ];
    });
    accepted(message);
  });
});

/** A one-line Quebec card sale of one item at `price`, untaxed: the base of the cases that add a component to it. */
function untaxedQuebec(price: string): TransactionMessageV2 {
  const message = validQuebecSale();
  message.items = [{ ...line(message, 1), line_no: 1, unit_price: price, line_total: price }];
  Object.assign(message, { subtotal: price, discount_total: '0.00', tax_total: '0.00', tax_totals: [], total: price });
  message.payment.amount = price;
  return message;
}

describe('contract v2: refused', () => {
  const cases: [string, TransactionMessageV2 | Record<string, unknown>, DeadLetterCode, RegExp][] = [
    [
      'a component off by a cent',
      quebec((m) => Object.assign(line(m, 0).taxes[1] as object, { amount: '0.99' })),
      'arithmetic',
      /^items\[0\]\.taxes\[1\]\.amount is 0\.99; round\(line_total × rate, 2\) is 1\.00$/,
    ],
    [
      'QST computed on the price with GST (as before 2013)',
      quebec((m) => Object.assign(line(m, 0), { tax: '1.55', taxes: [gst('0.50'), qst('1.05')] })),
      'arithmetic',
      /^items\[0\]\.taxes\[1\]\.amount is 1\.05; round\(line_total × rate, 2\) is 1\.00$/,
    ],
    [
      "a line's tax by v1's rule, round(line_total × tax_rate): not the sum of its components",
      quebec((m) => Object.assign(line(m, 0), { tax: '1.49' })),
      'arithmetic',
      /^items\[0\]\.tax is 1\.49; the sum of its taxes' amounts is 1\.50$/,
    ],
    [
      'a tax_rate that is not the sum of the rates',
      quebec((m) => Object.assign(line(m, 2), { tax_rate: '0.1498' })),
      'arithmetic',
      /^items\[2\]\.tax_rate is 0\.1498; the sum of its taxes' rates is 0\.14975$/,
    ],
    [
      'a taxed line whose tax_rate says 0',
      quebec((m) => Object.assign(line(m, 0), { tax_rate: '0.0000' })),
      'arithmetic',
      /^items\[0\]\.tax_rate is 0\.0000; the sum of its taxes' rates is 0\.14975$/,
    ],
    [
      'an untaxed line with a tax_rate',
      quebec((m) => Object.assign(line(m, 1), { tax_rate: '0.0500' })),
      'arithmetic',
      /^items\[1\]\.tax_rate is 0\.0500; the sum of its taxes' rates is 0\.0000$/,
    ],
    [
      'a component at rate 0',
      quebec((m) => line(m, 1).taxes.push({ code: 'GST', jurisdiction: 'CA', rate: '0.0000', amount: '0.00' })),
      'arithmetic',
      /^items\[1\]\.taxes\[0\]\.rate is 0\.0000; a tax's rate is > 0/,
    ],
    [
      'the same tax twice on a line',
      quebec((m) => Object.assign(line(m, 0), { tax: '1.00', tax_rate: '0.1000', taxes: [gst('0.50'), gst('0.50')] })),
      'arithmetic',
      /^items\[0\]\.taxes\[1\] is GST CA again \(as items\[0\]\.taxes\[0\]\); a line has one component per \(code, jurisdiction\)$/,
    ],
    [
      'a rate of 7 places',
      quebec((m) => Object.assign(line(m, 0).taxes[1] as object, { rate: '0.0997500' })),
      'schema',
      /^\/items\/0\/taxes\/1\/rate must match pattern/,
    ],
    [
      'a line tax_rate of 7 places',
      quebec((m) => Object.assign(line(m, 0), { tax_rate: '0.1497500' })),
      'schema',
      /^\/items\/0\/tax_rate must match pattern/,
    ],
    [
      'a rate of 3 places',
      quebec((m) => Object.assign(line(m, 0).taxes[0] as object, { rate: '0.050' })),
      'schema',
      /^\/items\/0\/taxes\/0\/rate/,
    ],
    [
      'a rate as a number',
      quebec((m) => Object.assign(line(m, 0).taxes[0] as object, { rate: 0.05 })),
      'schema',
      /^\/items\/0\/taxes\/0\/rate must be string/,
    ],
    [
      'a code in lower case',
      quebec((m) => Object.assign(line(m, 0).taxes[0] as object, { code: 'gst' })),
      'schema',
      /^\/items\/0\/taxes\/0\/code/,
    ],
    [
      'a jurisdiction that is not ISO 3166',
      quebec((m) => Object.assign(line(m, 0).taxes[1] as object, { jurisdiction: 'CA_QC' })),
      'schema',
      /^\/items\/0\/taxes\/1\/jurisdiction/,
    ],
    [
      'a component with a field of its own',
      quebec((m) => Object.assign(line(m, 0).taxes[0] as object, { taxable: '9.98' })),
      'schema',
      /^\/items\/0\/taxes\/0 must NOT have additional properties/,
    ],
    [
      'a component without its amount',
      quebec((m) => Reflect.deleteProperty(line(m, 0).taxes[0] as object, 'amount')),
      'schema',
      /^\/items\/0\/taxes\/0 must have required property 'amount'/,
    ],
    [
      'nine components on a line',
      quebec((m) => Object.assign(line(m, 0), { taxes: Array.from({ length: 9 }, () => gst('0.50')) })),
      'schema',
      /^\/items\/0\/taxes must NOT have more than 8 items/,
    ],
    [
      'a line without taxes',
      quebec((m) => Reflect.deleteProperty(line(m, 1), 'taxes')),
      'schema',
      /^\/items\/1 must have required property 'taxes'/,
    ],
    ['no tax_totals', quebec((m) => Reflect.deleteProperty(m, 'tax_totals')), 'schema', /required property 'tax_totals'/],
    ['tax_totals as an object', quebec((m) => Object.assign(m, { tax_totals: {} })), 'schema', /^\/tax_totals must be array/],
    [
      'tax_totals with a rate',
      quebec((m) => Object.assign(m.tax_totals[0] as object, { rate: '0.05000' })),
      'schema',
      /^\/tax_totals\/0 must NOT have additional properties/,
    ],
    [
      'tax_totals in another order than the lines give',
      quebec((m) => m.tax_totals.reverse()),
      'arithmetic',
      /^tax_totals\[0\] is QST CA-QC; the lines' taxes make it GST CA \(one entry per \(code, jurisdiction\), in the order each first appears in the lines\)$/,
    ],
    [
      'a total of one tax that is not the sum of its components',
      quebec((m) => Object.assign(m.tax_totals[1] as object, { amount: '1.36' })),
      'arithmetic',
      /^tax_totals\[1\]\.amount is 1\.36; the lines' QST CA-QC taxes sum to 1\.35$/,
    ],
    [
      'a tax total missing',
      quebec((m) => m.tax_totals.pop()),
      'arithmetic',
      /^tax_totals has 1 entries; the lines' taxes have 2 distinct \(code, jurisdiction\): GST CA, QST CA-QC$/,
    ],
    [
      'a tax total of a tax no line has, even at 0.00',
      quebec((m) => m.tax_totals.push({ code: 'PST', jurisdiction: 'CA-BC', amount: '0.00' })),
      'arithmetic',
      /^tax_totals has 3 entries; the lines' taxes have 2/,
    ],
    [
      'a tax total twice',
      quebec((m) => {
        m.tax_totals = [
          { code: 'GST', jurisdiction: 'CA', amount: '0.67' },
          { code: 'GST', jurisdiction: 'CA', amount: '0.00' },
          { code: 'QST', jurisdiction: 'CA-QC', amount: '1.35' },
        ];
      }),
      'arithmetic',
      /^tax_totals\[1\] is GST CA; the lines' taxes make it QST CA-QC/,
    ],
    [
      'an untaxed transaction with a zero total of a tax',
      (() => {
        const m = untaxedQuebec('5.49');
        m.tax_totals = [{ code: 'GST', jurisdiction: 'CA', amount: '0.00' }];
        return m;
      })(),
      'arithmetic',
      /^tax_totals has 1 entries; the lines' taxes have 0 distinct \(code, jurisdiction\): none$/,
    ],
    [
      'a tax_total that is not the sum of the lines',
      quebec((m) => Object.assign(m, { tax_total: '2.03', total: '20.99', payment: { ...m.payment, amount: '20.99' } })),
      'arithmetic',
      /^tax_total is 2\.03; the lines make it 2\.02$/,
    ],
    [
      'a total that leaves out a component',
      quebec((m) => Object.assign(m, { total: '20.97', payment: { ...m.payment, amount: '20.97' } })),
      'arithmetic',
      /^total is 20\.97; the lines make it 20\.98$/,
    ],
    [
      'wrong change in cash',
      quebec((m) =>
        Object.assign(m, { payment: { method: 'cash', card_brand: null, amount: '20.98', tendered: '25.00', change: '4.00' } }),
      ),
      'arithmetic',
      /^payment\.change is 4\.00/,
    ],
    [
      "an offset that is not the store zone's",
      quebec((m) => Object.assign(m, { occurred_at: '2026-03-06T12:31:05.120-04:00' })),
      'schema',
      /^\/occurred_at .* America\/Toronto is at -05:00/,
    ],
    [
      'a wrong line total, as in v1',
      quebec((m) => Object.assign(line(m, 2), { line_total: '3.48' })),
      'arithmetic',
      /^items\[2\]\.line_total is 3\.48/,
    ],
    [
      'a v2 line in a v1 message',
      { ...validSale(), items: [...toV2(validSale()).items] },
      'schema',
      /^\/items\/0 must NOT have additional properties/,
    ],
    [
      'tax_totals in a v1 message',
      { ...validSale(), tax_totals: [] },
      'schema',
      /^\(message\) must NOT have additional properties/,
    ],
  ];
  for (const [what, message, code, detail] of cases) {
    test(`dead-letters ${what} as ${code}`, () => refused(message, code, detail));
  }
});
