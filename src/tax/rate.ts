import { FINE_RATE_PLACES, formatFixed, parseFixed } from '../domain/money.ts';

/**
 * Tax rates as whole millionths (Quebec's QST, 9.975%, is 99_750): exact, and fine enough for
 * every rate in force. Written in the tables as the decimal a tax authority publishes.
 */
export function rate(decimal: string): number {
  const millionths = parseFixed(decimal, FINE_RATE_PLACES);
  if (millionths === undefined || millionths < 0 || millionths >= 1_000_000) throw new RangeError(`not a tax rate: ${decimal}`);
  return millionths;
}

/** A rate in millionths as contract v2 writes it: 4 to 6 places ("0.1300", "0.14975", "0.0000"). */
export function formatRate(millionths: number): string {
  let text = formatFixed(millionths, FINE_RATE_PLACES);
  for (let spare = 2; spare > 0 && text.endsWith('0'); spare--) text = text.slice(0, -1);
  return text;
}
