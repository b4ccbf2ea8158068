import { FINE_RATE_PLACES, formatFixed, formatMoney, MONEY_PLACES, parseFixed, taxAtFineRate } from '../domain/money.ts';
import type { LineItemV2, TaxComponent, TransactionMessageV2 } from './message.ts';

// Contract v2's invariants of the tax components (docs/message-contract.md), checked after the
// schema has accepted the message: every string read here matches its pattern already.

const money = (text: string) => parseFixed(text, MONEY_PLACES) as number;
const fineRate = (text: string) => parseFixed(text, FINE_RATE_PLACES) as number;

/**
 * The first broken rule of a v2 line's taxes, its `line_total` (in cents) checked already: each
 * rate > 0, no (code, jurisdiction) twice, each amount round(line_total × rate, 2); the line's
 * `tax` is their sum and its `tax_rate` the sum of their rates, both exact. Each component is
 * rounded by itself, as each jurisdiction rounds its own tax: v1's round(line_total × tax_rate)
 * may differ by a cent, and does not apply.
 */
export function lineTaxesProblem(line: LineItemV2, index: number, lineTotal: number): string | undefined {
  const { taxes } = line;
  let tax = 0;
  let rate = 0;
  for (let c = 0; c < taxes.length; c++) {
    const component = taxes[c] as TaxComponent;
    const componentRate = fineRate(component.rate);
    if (componentRate <= 0)
      return `${componentPath(index, c)}.rate is ${component.rate}; a tax's rate is > 0 (an untaxed line has no component)`;
    for (let earlier = 0; earlier < c; earlier++) {
      if (sameTax(taxes[earlier] as TaxComponent, component)) {
        return `${componentPath(index, c)} is ${taxName(component)} again (as ${componentPath(index, earlier)}); a line has one component per (code, jurisdiction)`;
      }
    }
    const amount = taxAtFineRate(lineTotal, componentRate);
    if (money(component.amount) !== amount) {
      return `${componentPath(index, c)}.amount is ${component.amount}; round(line_total × rate, 2) is ${formatMoney(amount)}`;
    }
    tax += amount;
    rate += componentRate;
  }
  if (money(line.tax) !== tax) return `items[${index}].tax is ${line.tax}; the sum of its taxes' amounts is ${formatMoney(tax)}`;
  if (fineRate(line.tax_rate) !== rate) {
    return `items[${index}].tax_rate is ${line.tax_rate}; the sum of its taxes' rates is ${formatRate(rate)}`;
  }
  return undefined;
}

/**
 * The first broken rule of `tax_totals`, the lines' components checked already: one entry per
 * distinct (code, jurisdiction) among them, in the order each first appears (lines in order,
 * components in order), with the sum of their amounts. That they add up to `tax_total` follows:
 * each line's tax is the sum of its components, and `tax_total` the sum of the lines' taxes.
 */
export function taxTotalsProblem(message: TransactionMessageV2): string | undefined {
  const expected = new Map<string, { code: string; jurisdiction: string; amount: number }>();
  for (const line of message.items) {
    for (const component of line.taxes) {
      const key = taxName(component);
      const sum = expected.get(key);
      if (sum) sum.amount += money(component.amount);
      else expected.set(key, { code: component.code, jurisdiction: component.jurisdiction, amount: money(component.amount) });
    }
  }
  const totals = message.tax_totals;
  const wanted = [...expected.values()];
  for (let i = 0; i < totals.length || i < wanted.length; i++) {
    const total = totals[i];
    const want = wanted[i];
    if (total === undefined || want === undefined) {
      const names = wanted.length === 0 ? 'none' : [...expected.keys()].join(', ');
      return `tax_totals has ${totals.length} entries; the lines' taxes have ${wanted.length} distinct (code, jurisdiction): ${names}`;
    }
    if (!sameTax(total, want)) {
      return `tax_totals[${i}] is ${taxName(total)}; the lines' taxes make it ${taxName(want)} (one entry per (code, jurisdiction), in the order each first appears in the lines)`;
    }
    if (money(total.amount) !== want.amount) {
      return `tax_totals[${i}].amount is ${total.amount}; the lines' ${taxName(want)} taxes sum to ${formatMoney(want.amount)}`;
    }
  }
  return undefined;
}

/** A component's path in a detail (made only when there is a problem to tell: the rules run on every line). */
function componentPath(line: number, component: number): string {
  return `items[${line}].taxes[${component}]`;
}

function sameTax(a: { code: string; jurisdiction: string }, b: { code: string; jurisdiction: string }): boolean {
  return a.code === b.code && a.jurisdiction === b.jurisdiction;
}

/** "QST CA-QC": a tax's name in a detail, and a key (a code has no space). */
function taxName(tax: { code: string; jurisdiction: string }): string {
  return `${tax.code} ${tax.jurisdiction}`;
}

/** A rate in millionths as the contract writes one: 4 to 6 places ("0.14975", "0.0500"). */
function formatRate(millionths: number): string {
  return formatFixed(millionths, FINE_RATE_PLACES).replace(/(\.\d{4}\d*?)0+$/, '$1');
}
