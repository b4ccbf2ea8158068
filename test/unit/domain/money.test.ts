import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  divideRounded,
  formatFixed,
  formatQuantity,
  lineAmounts,
  multiplyDivideRounded,
  parseFixed,
} from '../../../src/domain/money.ts';

describe('money', () => {
  test('rounds half away from zero, for positive and negative amounts', () => {
    assert.equal(divideRounded(125, 10), 13);
    assert.equal(divideRounded(-125, 10), -13);
    assert.equal(divideRounded(124, 10), 12);
    assert.equal(divideRounded(-124, 10), -12);
    assert.equal(divideRounded(5, 10), 1);
    assert.equal(divideRounded(4, 10), 0);
    assert.equal(divideRounded(9_007_199_254_740_991, 3), 3_002_399_751_580_330);
  });

  test('multiplies and divides exactly beyond 2^53, as the largest contract values need', () => {
    // The tax on the largest line total: the product has 18 digits, the result 14.
    assert.equal(multiplyDivideRounded(99_999_999_999_999, 9_999, 10_000), 99_989_999_999_999);
    assert.equal(multiplyDivideRounded(-99_999_999_999_999, 9_999, 10_000), -99_989_999_999_999);
    assert.equal(multiplyDivideRounded(99_999_999_999_999, 5_000, 10_000), 50_000_000_000_000);
    assert.equal(multiplyDivideRounded(-99_999_999_999_999, 5_000, 10_000), -50_000_000_000_000);
    assert.equal(multiplyDivideRounded(3, 5, 2), 8);
    assert.equal(multiplyDivideRounded(-3, 5, 2), -8);
  });

  test('formats and parses fixed-point decimals exactly', () => {
    assert.equal(formatFixed(-1234, 2), '-12.34');
    assert.equal(formatFixed(5, 2), '0.05');
    assert.equal(formatFixed(-5, 2), '-0.05');
    assert.equal(formatFixed(0, 2), '0.00');
    assert.equal(formatFixed(825, 4), '0.0825');
    assert.equal(parseFixed('12.34', 2), 1234);
    assert.equal(parseFixed('-0.05', 2), -5);
    assert.equal(parseFixed('7', 2), 700);
    assert.equal(parseFixed('0.485', 3), 485);
    assert.equal(parseFixed('-0.00', 2), 0);
    assert.equal(parseFixed('1.234', 2), undefined);
    assert.equal(parseFixed('1e3', 2), undefined);
    assert.equal(parseFixed('', 2), undefined);
    assert.equal(parseFixed('99999999999999999999', 2), undefined);
  });

  test('quantities: whole units for each, three places for kg', () => {
    assert.equal(formatQuantity(3000, 'each'), '3');
    assert.equal(formatQuantity(-2000, 'each'), '-2');
    assert.equal(formatQuantity(485, 'kg'), '0.485');
    assert.equal(formatQuantity(-1250, 'kg'), '-1.250');
  });

  test('line arithmetic: line_total = round(q × price, 2) − discount, tax = round(line_total × rate, 2)', () => {
    // 0.485 kg at 3.99 = 1.93515 → 1.94; minus 0.10 → 1.84; × 0.0825 = 0.1518 → 0.15
    assert.deepEqual(lineAmounts(485, 399, 10, 825), { gross: 194, lineTotal: 184, tax: 15 });
    // a return mirrors it with negative quantity and discount
    assert.deepEqual(lineAmounts(-485, 399, -10, 825), { gross: -194, lineTotal: -184, tax: -15 });
    // 3 × 0.35 at 7.25%: 1.05 × 0.0725 = 0.076125 → 0.08
    assert.deepEqual(lineAmounts(3000, 35, 0, 725), { gross: 105, lineTotal: 105, tax: 8 });
  });
});
