/**
 * Exact decimal arithmetic for money, quantities and tax rates, as integers in code:
 * money in cents (2 places), quantities in thousandths (3 places), tax rates in ten-thousandths
 * (4 places). Every rounding rounds half away from zero, in `divideRounded` or `multiplyDivideRounded`.
 */

export const MONEY_PLACES = 2;
export const QUANTITY_PLACES = 3;
export const RATE_PLACES = 4;

const QUANTITY_SCALE = 1000;
const RATE_SCALE = 10_000;

/** a × b / denominator, rounded half away from zero; exact even when a × b is beyond 2^53. */
export function multiplyDivideRounded(a: number, b: number, denominator: number): number {
  const product = a * b;
  if (Number.isSafeInteger(product)) return divideRounded(product, denominator);
  const exact = BigInt(a) * BigInt(b);
  const magnitude = exact < 0n ? -exact : exact;
  const big = BigInt(denominator);
  const rounded = magnitude / big + ((magnitude % big) * 2n >= big ? 1n : 0n);
  return Number(exact < 0n ? -rounded : rounded);
}

/** numerator / denominator, rounded half away from zero (denominator > 0; exact for safe integers). */
export function divideRounded(numerator: number, denominator: number): number {
  const magnitude = Math.abs(numerator);
  let quotient = Math.trunc(magnitude / denominator);
  let remainder = magnitude - quotient * denominator;
  // Correct a floating-point division that landed one off.
  if (remainder < 0) {
    quotient -= 1;
    remainder += denominator;
  } else if (remainder >= denominator) {
    quotient += 1;
    remainder -= denominator;
  }
  if (remainder * 2 >= denominator) quotient += 1;
  return numerator < 0 ? -quotient : quotient;
}

/** An integer of `places` implied decimals as a decimal string: (-1234, 2) → "-12.34". */
export function formatFixed(units: number, places: number): string {
  const sign = units < 0 ? '-' : '';
  const digits = String(units < 0 ? -units : units);
  if (places === 0) return sign + digits;
  if (digits.length > places) return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return `${sign}0.${digits.padStart(places, '0')}`;
}

/**
 * A decimal string (`-?digits(.digits)?`) as an integer of `places` implied decimals; undefined
 * if it has more places, is not such a decimal, or is beyond the safe integers. Read character by
 * character: the consumer reads a dozen of these per message.
 */
export function parseFixed(text: string, places: number): number | undefined {
  const length = text.length;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const negative = i === 1;
  let units = 0;
  let integerDigits = 0;
  let fractionDigits = -1; // −1: no decimal point yet
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 /* . */) {
      if (fractionDigits >= 0 || integerDigits === 0) return undefined;
      fractionDigits = 0;
      continue;
    }
    if (code < 48 || code > 57) return undefined;
    units = units * 10 + (code - 48);
    if (fractionDigits >= 0) fractionDigits++;
    else integerDigits++;
  }
  if (integerDigits === 0 || fractionDigits === 0 || fractionDigits > places) return undefined;
  units *= 10 ** (places - Math.max(fractionDigits, 0));
  if (!Number.isSafeInteger(units)) return undefined;
  return negative && units !== 0 ? -units : units;
}

export const formatMoney = (cents: number): string => formatFixed(cents, MONEY_PLACES);

/** Whole units for goods sold `each` ("2"), three places for goods sold by weight ("0.485"). */
export function formatQuantity(thousandths: number, unit: 'each' | 'kg'): string {
  return unit === 'each' ? formatFixed(thousandths / QUANTITY_SCALE, 0) : formatFixed(thousandths, QUANTITY_PLACES);
}

export interface LineAmounts {
  /** round(quantity × unit price, 2), in cents. */
  gross: number;
  /** gross − discount. */
  lineTotal: number;
  /** round(line total × tax rate, 2). */
  tax: number;
}

/** The contract's line arithmetic, used both to make lines (simulator) and to check them (consumer). */
export function lineAmounts(quantity: number, unitPrice: number, discount: number, taxRate: number): LineAmounts {
  const gross = multiplyDivideRounded(quantity, unitPrice, QUANTITY_SCALE);
  const lineTotal = gross - discount;
  return { gross, lineTotal, tax: multiplyDivideRounded(lineTotal, taxRate, RATE_SCALE) };
}

/** Contract v2's rates (a tax component's, and a v2 line's `tax_rate`): up to 6 places, in millionths. */
export const FINE_RATE_PLACES = 6;

const FINE_RATE_SCALE = 1_000_000;

/** round(amount × rate, 2), half away from zero, for a rate in millionths: a v2 tax component on a line total in cents. */
export function taxAtFineRate(amount: number, rate: number): number {
  return multiplyDivideRounded(amount, rate, FINE_RATE_SCALE);
}
