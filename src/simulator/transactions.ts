import type { Catalog } from '../catalog/catalog.ts';
import type { Customer } from '../catalog/customers.ts';
import { cashTendered, chooseTender, type Tender } from '../catalog/payments.ts';
import type { Product } from '../catalog/products.ts';
import type { Store } from '../catalog/stores.ts';
import { divideRounded, lineAmounts } from '../domain/money.ts';
import type { Random } from '../plumbing/random.ts';
import { type AppliedTax, combinedRate, type LineTax, lineTaxes } from '../tax/engine.ts';

/** Share of sales without a loyalty card. */
const ANONYMOUS_SHARE = 0.35;
/** Basket size: lognormal around this mean, so most baskets are small and a few are very large. */
const MEAN_BASKET_LINES = 4;
const BASKET_SPREAD = 0.8;
const MAX_LINES = 200;
/** The mean number of lines of a basket as drawn: the lognormal's mean, and a little for the baskets rounded up to one line. */
export const EXPECTED_BASKET_LINES = 4.02;
/** Share of lines on promotion, and the promotions (percent off). */
const PROMOTION_SHARE = 0.12;
const PROMOTIONS = [10, 15, 20, 25, 30, 50];

/** One line, amounts in integers (money in cents, quantity in thousandths; negative in a return). */
export interface Line {
  product: Product;
  quantity: number;
  discount: number;
  /** Each tax on the line, rounded by itself; none when it is untaxed. */
  taxes: LineTax[];
  /** The sum of the taxes' rates, in millionths. */
  taxRate: number;
  lineTotal: number;
  /** The sum of the taxes' amounts. */
  tax: number;
}

/** A transaction's total of one tax (one code of one jurisdiction). */
export interface TaxTotal {
  tax: AppliedTax;
  amount: number;
}

/** A transaction as the simulator holds it; `encodeTransaction` writes it as a message of contract v1 or v2. */
export interface Transaction {
  id: string;
  type: 'sale' | 'return';
  originalId: string | null;
  /** UTC milliseconds. */
  at: number;
  store: Store;
  register: number;
  cashier: number;
  customer: Customer | null;
  lines: Line[];
  subtotal: number;
  discount: number;
  tax: number;
  /** Per tax, in the order each first appears in the lines. */
  taxTotals: TaxTotal[];
  total: number;
  tender: Tender;
  /** Cash handed over; undefined for other tenders. */
  tendered: number | undefined;
}

/**
 * What the shelves give a line that wants `quantity` (thousandths) of `product`: all of it, less,
 * or 0. The stock (stock.ts) takes it from the store as it answers.
 */
export type TakeFromShelf = (product: Product, quantity: number) => number;

/**
 * A sale at `store` at `at`: who buys, what, at which discounts and taxes, and how they pay.
 * The taxes are those in force on `localDate` (YYYYMMDD), the store's own calendar day. With
 * `take`, each line sells what the shelves give it (priced for that quantity; a line given nothing
 * is dropped), and a basket left empty is no sale (undefined). The draws from `random` are the
 * same either way, so the stock changes the quantities and never which products are chosen.
 */
export function makeSale(catalog: Catalog, random: Random, store: Store, at: number, localDate: number): Transaction;
export function makeSale(
  catalog: Catalog,
  random: Random,
  store: Store,
  at: number,
  localDate: number,
  take: TakeFromShelf,
): Transaction | undefined;
export function makeSale(
  catalog: Catalog,
  random: Random,
  store: Store,
  at: number,
  localDate: number,
  take?: TakeFromShelf,
): Transaction | undefined {
  const { taxes, tenders } = catalog.chain;
  const customer = random.chance(ANONYMOUS_SHARE) ? null : catalog.customers.sample(random, store.index);
  const lineCount = Math.min(MAX_LINES, Math.max(1, Math.round(random.lognormal(MEAN_BASKET_LINES, BASKET_SPREAD))));
  const member = customer?.loyaltyTier === 'gold' || customer?.loyaltyTier === 'platinum';
  const lines: Line[] = [];
  for (let i = 0; i < lineCount; i++) {
    const product = catalog.products.sample(random);
    const wanted = pickQuantity(random, product);
    let percentOff = random.chance(PROMOTION_SHARE) ? random.pick(PROMOTIONS) : 0;
    if (member && random.chance(0.2)) percentOff += 5;
    const quantity = take ? take(product, wanted) : wanted;
    if (quantity === 0) continue;
    const discount = percentOff === 0 ? 0 : divideRounded(lineAmounts(quantity, product.unitPrice, 0, 0).gross * percentOff, 100);
    lines.push(priced(product, quantity, discount, taxes.taxesOn(store.region.code, product.category.taxCategory, localDate)));
  }
  if (lines.length === 0) return undefined;
  const transaction = assemble(random, store, at, 'sale', null, customer, lines);
  transaction.tender = chooseTender(random, transaction.total, customer === null, tenders);
  if (transaction.tender.method === 'cash') transaction.tendered = cashTendered(random, transaction.total);
  return transaction;
}

/**
 * A return at `store` of some lines of an earlier sale: equal or smaller quantities, negative,
 * with the discount given back in proportion and the taxes the sale was charged (the same codes
 * and rates, even after a rate change; see Chain.returnsTaxedWhereReturned for a return at a
 * store of another region), refunded to the tender it was paid with (cash exactly, without change).
 */
export function makeReturn(catalog: Catalog, random: Random, store: Store, at: number, sale: Transaction): Transaction {
  const chosen = sale.lines.filter(() => random.chance(0.6));
  if (chosen.length === 0) chosen.push(random.pick(sale.lines));
  const elsewhere = catalog.chain.returnsTaxedWhereReturned && store.region !== sale.store.region;
  const lines = chosen.map((line) => {
    const quantity =
      line.product.unit === 'kg' || random.chance(0.7) ? line.quantity : random.int(1, line.quantity / 1000) * 1000;
    const taxes = line.taxes.map(({ tax }) => (elsewhere ? { ...tax, jurisdiction: store.region.code } : tax));
    return priced(line.product, -quantity, -divideRounded(line.discount * quantity, line.quantity), taxes);
  });
  const transaction = assemble(random, store, at, 'return', sale.id, sale.customer, lines);
  transaction.tender = sale.tender;
  if (sale.tender.method === 'cash') transaction.tendered = transaction.total;
  return transaction;
}

function pickQuantity(random: Random, product: Product): number {
  if (product.unit === 'kg') return Math.max(50, Math.round(random.lognormal(800, 0.6)));
  return (random.chance(0.75) ? 1 : 2 + Math.floor(random.exponential(1.2))) * 1000;
}

/**
 * The mean quantity of a line of a product, and the mean of its square, in thousandths (and
 * thousandths squared), for sizing stock (stock.ts): what pickQuantity draws. Sold each, 1 three
 * times in four and else 2 + K, K = ⌊exponential(1.2)⌋ being geometric (1.44 units on average);
 * by weight, a lognormal of mean 0.8 kg. Kept beside the draws they sum up.
 */
export function lineQuantityMoments(unit: Product['unit']): { mean: number; meanSquare: number } {
  if (unit === 'kg') return { mean: 800, meanSquare: 800 * 800 * Math.exp(0.6 * 0.6) };
  const q = Math.exp(-1 / 1.2);
  const k = q / (1 - q);
  const kSquare = (q * (1 + q)) / (1 - q) ** 2;
  return { mean: (0.75 + 0.25 * (2 + k)) * 1000, meanSquare: (0.75 + 0.25 * (4 + 4 * k + kSquare)) * 1e6 };
}

function priced(product: Product, quantity: number, discount: number, applied: readonly AppliedTax[]): Line {
  const { lineTotal } = lineAmounts(quantity, product.unitPrice, discount, 0);
  const taxes = lineTaxes(applied, lineTotal);
  let tax = 0;
  for (const { amount } of taxes) tax += amount;
  return { product, quantity, discount, taxes, taxRate: combinedRate(applied), lineTotal, tax };
}

/**
 * A UUIDv7 for the moment `at` (UTC ms): the time in its first 48 bits, so that the warehouse's
 * indexes on transaction ids grow at their end instead of everywhere (random ids scatter the
 * inserts over the whole index, which slows ingest as the warehouse grows). The random bits come
 * from the seeded stream, as many draws as before, so a backfill still repeats with its seed.
 */
export function timeOrderedId(random: Random, at: number): string {
  const bits = random.uuid(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: version 4, the variant already set
  const time = Math.floor(at).toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${bits.slice(15)}`;
}

function assemble(
  random: Random,
  store: Store,
  at: number,
  type: 'sale' | 'return',
  originalId: string | null,
  customer: Customer | null,
  lines: Line[],
): Transaction {
  let subtotal = 0;
  let discount = 0;
  let tax = 0;
  const taxTotals: TaxTotal[] = [];
  for (const line of lines) {
    subtotal += line.lineTotal;
    discount += line.discount;
    tax += line.tax;
    for (const { tax: applied, amount } of line.taxes) {
      const total = taxTotals.find((entry) => entry.tax.code === applied.code && entry.tax.jurisdiction === applied.jurisdiction);
      if (total) total.amount += amount;
      else taxTotals.push({ tax: applied, amount });
    }
  }
  return {
    id: timeOrderedId(random, at),
    type,
    originalId,
    at,
    store,
    register: random.int(1, store.registers),
    cashier: random.int(1, store.cashiers),
    customer,
    lines,
    subtotal,
    discount,
    tax,
    taxTotals,
    total: subtotal + tax,
    tender: { method: 'cash', cardBrand: null },
    tendered: undefined,
  };
}
