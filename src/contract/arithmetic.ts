import { formatMoney, lineAmounts, MONEY_PLACES, parseFixed, QUANTITY_PLACES, RATE_PLACES } from '../domain/money.ts';
import type { AnyTransactionMessage, LineItemV2, TransactionMessageV2 } from './message.ts';
import { lineTaxesProblem, taxTotalsProblem } from './tax-components.ts';

/**
 * The contract's arithmetic invariants (docs/message-contract.md), in exact integer arithmetic,
 * on a message the schema has accepted: the first one broken, or undefined. Versions 1 and 2
 * share all but the tax: v1's line has one rate, v2's its components (tax-components.ts).
 */
export function arithmeticProblem(message: AnyTransactionMessage): string | undefined {
  const money = (text: string) => parseFixed(text, MONEY_PLACES) as number;
  const v2 = message.schema_version === 2;
  const sign = message.type === 'sale' ? 1 : -1;
  let subtotal = 0;
  let discountTotal = 0;
  let taxTotal = 0;
  const { items } = message;
  for (let i = 0; i < items.length; i++) {
    const line = items[i] as (typeof items)[number];
    if (line.line_no !== i + 1) return `${itemPath(i)}.line_no is ${line.line_no}; lines are numbered 1, 2, 3… in order`;
    const quantity = parseFixed(line.quantity, QUANTITY_PLACES) as number;
    const unitPrice = money(line.unit_price);
    const discount = money(line.discount);
    // A v2 line's rate may have 6 places; its tax is its components', checked below.
    const rate = v2 ? 0 : (parseFixed(line.tax_rate, RATE_PLACES) as number);
    if (quantity * sign <= 0)
      return `${itemPath(i)}.quantity ${line.quantity} must be ${sign > 0 ? 'positive in a sale' : 'negative in a return'}`;
    if (unitPrice < 0) return `${itemPath(i)}.unit_price ${line.unit_price} is negative`;
    if (discount * sign < 0) return `${itemPath(i)}.discount ${line.discount} has the wrong sign for a ${message.type}`;
    const expected = lineAmounts(quantity, unitPrice, discount, rate);
    if (Math.abs(discount) > Math.abs(expected.gross))
      return `${itemPath(i)}.discount ${line.discount} exceeds the line's amount`;
    if (money(line.line_total) !== expected.lineTotal) {
      return `${itemPath(i)}.line_total is ${line.line_total}; round(quantity × unit_price, 2) − discount is ${formatMoney(expected.lineTotal)}`;
    }
    if (v2) {
      const problem = lineTaxesProblem(line as LineItemV2, i, expected.lineTotal);
      if (problem) return problem;
    } else if (money(line.tax) !== expected.tax) {
      return `${itemPath(i)}.tax is ${line.tax}; round(line_total × tax_rate, 2) is ${formatMoney(expected.tax)}`;
    }
    subtotal += expected.lineTotal;
    discountTotal += discount;
    taxTotal += money(line.tax); // v1: expected.tax; v2: the sum of the components, both checked above
  }
  const checks: [string, number, number][] = [
    ['subtotal', money(message.subtotal), subtotal],
    ['discount_total', money(message.discount_total), discountTotal],
    ['tax_total', money(message.tax_total), taxTotal],
    ['total', money(message.total), subtotal + taxTotal],
    ['payment.amount', money(message.payment.amount), subtotal + taxTotal],
  ];
  for (const [field, actual, expected] of checks) {
    if (actual !== expected) return `${field} is ${formatMoney(actual)}; the lines make it ${formatMoney(expected)}`;
  }
  if (v2) {
    const problem = taxTotalsProblem(message as TransactionMessageV2);
    if (problem) return problem;
  }
  if (message.payment.method === 'cash') {
    const tendered = money(message.payment.tendered as string);
    const change = money(message.payment.change as string);
    if (change !== tendered - money(message.total) || change < 0) {
      return `payment.change is ${message.payment.change}; tendered − total is ${formatMoney(tendered - money(message.total))} and must be ≥ 0`;
    }
  }
  if (message.type === 'return' && message.original_transaction_id?.toLowerCase() === message.transaction_id.toLowerCase()) {
    return 'a return cannot be its own original_transaction_id';
  }
  return undefined;
}

/** A line's path in a problem's text (made only when there is a problem to tell). */
function itemPath(index: number): string {
  return `items[${index}]`;
}
