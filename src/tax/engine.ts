import { dateKey } from '../domain/date-key.ts';
import { taxAtFineRate } from '../domain/money.ts';

/**
 * The tax engine: which taxes a line pays, from data. A chain's taxes are a list of rules, each
 * one tax (a code of a jurisdiction: GST of "CA", HST of "CA-NS", the sales tax of "US-FL") at
 * one rate, charged by the stores of some regions on some product tax categories, over a span of
 * local dates. A rate change is two rules, one ending the day the other starts, so a backfill
 * across the change taxes each side at its own rate.
 */

/** A product's tax category, in the words of its chain's rules ('basic-grocery', 'soft-drink', 'general'…). */
export type TaxCategory = string;

export interface TaxRule {
  code: string;
  /** Who levies it, ISO 3166: "CA" for a federal tax, "CA-QC" or "US-FL" for a province's or a state's. */
  jurisdiction: string;
  /** Where it is charged: the ISO 3166-2 codes of the stores' regions. */
  regions: readonly string[];
  /** What it is charged on. */
  categories: readonly TaxCategory[];
  /** Millionths (see rate.ts). */
  rate: number;
  /** The first local date it applies, YYYY-MM-DD; since ever when absent. */
  from?: string;
  /** The local date it no longer applies (exclusive), YYYY-MM-DD; for good when absent. */
  until?: string;
}

/** One tax as a line is charged it; the same object for every line it applies to. */
export interface AppliedTax {
  code: string;
  jurisdiction: string;
  /** Millionths. */
  rate: number;
}

/** One tax on one line: round(line total × rate, 2), half away from zero, in cents. */
export interface LineTax {
  tax: AppliedTax;
  amount: number;
}

/** The taxes of a (region, category) from a date on, up to the next period's. */
interface Period {
  from: number;
  taxes: readonly AppliedTax[];
}

const NONE: readonly AppliedTax[] = Object.freeze([]);

export class TaxTable {
  /** region → category → periods, in date order. */
  readonly #periods = new Map<string, Map<TaxCategory, Period[]>>();

  /** The rules in the order a line lists its taxes (federal first). */
  constructor(rules: readonly TaxRule[]) {
    const byKey = new Map<string, Map<TaxCategory, { rule: TaxRule; tax: AppliedTax }[]>>();
    for (const rule of rules) {
      const tax: AppliedTax = Object.freeze({ code: rule.code, jurisdiction: rule.jurisdiction, rate: rule.rate });
      for (const region of rule.regions) {
        let categories = byKey.get(region);
        if (!categories) {
          categories = new Map();
          byKey.set(region, categories);
        }
        for (const category of rule.categories) {
          const list = categories.get(category) ?? [];
          list.push({ rule, tax });
          categories.set(category, list);
        }
      }
    }
    for (const [region, categories] of byKey) {
      const periods = new Map<TaxCategory, Period[]>();
      for (const [category, list] of categories) periods.set(category, compile(region, category, list));
      this.#periods.set(region, periods);
    }
  }

  /** The regions the table knows. */
  get regions(): string[] {
    return [...this.#periods.keys()];
  }

  /**
   * The taxes a store in `region` charges on `category` on the local date `localDate` (YYYYMMDD):
   * none for a zero-rated or exempt category. A region the table does not know is an error, not
   * a tax-free zone.
   */
  taxesOn(region: string, category: TaxCategory, localDate: number): readonly AppliedTax[] {
    const categories = this.#periods.get(region);
    if (!categories) throw new RangeError(`no tax rules for the region ${region}`);
    const periods = categories.get(category);
    if (!periods) return NONE;
    for (let i = periods.length - 1; i >= 0; i--) {
      const period = periods[i] as Period;
      if (period.from <= localDate) return period.taxes;
    }
    return NONE;
  }
}

/** Each tax on a line of `lineTotal` cents (negative in a return), rounded one by one. */
export function lineTaxes(taxes: readonly AppliedTax[], lineTotal: number): LineTax[] {
  return taxes.map((tax) => ({ tax, amount: taxAtFineRate(lineTotal, tax.rate) }));
}

/** The sum of the rates, in millionths: a v2 line's `tax_rate`. */
export function combinedRate(taxes: readonly AppliedTax[]): number {
  let sum = 0;
  for (const tax of taxes) sum += tax.rate;
  return sum;
}

const SINCE_EVER = 0;

/** The periods of one (region, category): a new one wherever a rule starts or ends. */
function compile(region: string, category: TaxCategory, list: { rule: TaxRule; tax: AppliedTax }[]): Period[] {
  const bounds = new Set<number>([SINCE_EVER]);
  for (const { rule } of list) {
    if (rule.from) bounds.add(dateKey(rule.from));
    if (rule.until) bounds.add(dateKey(rule.until));
  }
  const periods: Period[] = [];
  for (const from of [...bounds].sort((a, b) => a - b)) {
    const taxes = list
      .filter(
        ({ rule }) =>
          (rule.from ? dateKey(rule.from) : SINCE_EVER) <= from && from < (rule.until ? dateKey(rule.until) : Infinity),
      )
      .map(({ tax }) => tax);
    const seen = new Set<string>();
    for (const tax of taxes) {
      const name = `${tax.code} of ${tax.jurisdiction}`;
      if (seen.has(name)) throw new Error(`two rates of ${name} for ${category} in ${region} from ${from}`);
      seen.add(name);
    }
    periods.push({ from, taxes: taxes.length === 0 ? NONE : Object.freeze(taxes) });
  }
  return periods;
}
