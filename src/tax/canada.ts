import type { TaxRule } from './engine.ts';
import { rate } from './rate.ts';

/**
 * Canada's sales taxes on what a grocery chain sells, as rules for the tax engine (engine.ts).
 *
 * Rates, GST/HST: the Canada Revenue Agency's table of GST/HST rates, current and previous:
 *   https://www.canada.ca/en/revenue-agency/services/tax/businesses/topics/gst-hst-businesses/charge-collect-which-rate.html
 *   GST 5% everywhere; HST 13% in Ontario, 15% in New Brunswick, Newfoundland and Labrador and
 *   Prince Edward Island; Nova Scotia 15% until 2025-03-31 and 14% from 2025-04-01. (NB and NL
 *   were at 13% until 2016-06-30, PE at 14% until 2016-09-30.) Nova Scotia's change: the
 *   Regulations Amending Various GST/HST Regulations, No. 14 (Nova Scotia), SOR/2025-77, set its
 *   part of the HST at 9% (Canada Gazette, Part II, 2025-03-26), and CRA's GST/HST Notice 342
 *   says 15% applies to tax payable before April 1, 2025 and 14% on or after:
 *   https://gazette.gc.ca/rp-pr/p2/2025/2025-03-26/html/sor-dors77-eng.html
 * Quebec: GST 5% and QST 9.975%, each on the selling price (the QST is no longer charged on the
 *   GST since 2013-01-01), Revenu Québec, "Calculating the taxes":
 *   https://www.revenuquebec.ca/en/businesses/consumption-taxes/gsthst-and-qst/basic-rules-for-applying-the-gsthst-and-qst/calculating-the-taxes/
 * British Columbia PST 7%: https://www2.gov.bc.ca/gov/content/taxes/sales-taxes/pst
 * Manitoba RST 7% since 2019-07-01 (8% from 2013-07-01): https://www.gov.mb.ca/finance/taxation/taxes/retail.html
 * Saskatchewan PST 6% since 2017-03-23 (5% before): https://www.saskatchewan.ca/business/taxes-licensing-and-reporting/provincial-taxes-policies-and-bulletins/provincial-sales-tax
 * Alberta, Yukon, the Northwest Territories and Nunavut levy no sales tax of their own: GST only.
 *
 * What is taxed (the product tax categories below):
 * - GST/HST: basic groceries are zero-rated (Excise Tax Act, Schedule VI, Part III; GST/HST
 *   Memorandum 4.3, Basic Groceries:
 *   https://www.canada.ca/en/revenue-agency/services/forms-publications/publications/4-3/basic-groceries.html).
 *   Taxable: carbonated beverages, candies and confectionery, chips and other salted snacks,
 *   food heated or prepared for immediate consumption (prepared food), and everything that is
 *   not food: household goods, personal care, and medicines sold without a prescription (only
 *   prescription drugs are zero-rated, Schedule VI, Part I). A zero-rated line carries no
 *   component at all (contract v2: a component's rate is > 0).
 * - QST follows the GST on food and drugs: the same supplies are zero-rated (Revenu Québec,
 *   https://www.revenuquebec.ca/en/businesses/consumption-taxes/gsthst-and-qst/special-cases-gsthst-and-qst/).
 * - BC PST exempts food for human consumption, candy and snack foods included, and prepared food
 *   and restaurant meals (Bulletin PST 206, Grocery and Drug Stores), and health products such as
 *   non-prescription medicines (same bulletin); soda beverages (sweetened carbonated drinks) are
 *   taxable since 2021-04-01 (Notice to Sellers of Soda Beverages, 2021):
 *   https://www2.gov.bc.ca/gov/content/taxes/sales-taxes/pst/publications
 * - Manitoba RST exempts basic groceries and uses the GST's rulings to tell them apart: snack
 *   foods, candy, soft drinks and prepared food are taxable (Bulletin No. 029, Food and
 *   Beverages); only prescription and listed drugs are exempt (Bulletin No. 002), so
 *   non-prescription medicines are taxable: https://www.gov.mb.ca/finance/taxation/publications.html
 * - Saskatchewan PST follows the GST on food since 2017-04-01: snack foods, candy, carbonated
 *   beverages and prepared food are taxable, basic groceries exempt (Information Notice IN 2017-03);
 *   before, all food was exempt. Only prescription drugs are exempt (Bulletin PST-2, Grocery,
 *   Convenience and Drug Stores), so non-prescription medicines are taxable.
 * Not modelled: feminine hygiene products (zero-rated), Ontario's point-of-sale rebates (children's
 * clothing, diapers), single-serving rules (a category stands for its usual pack size).
 */

export const CANADIAN_TAX_CATEGORIES = [
  /** Fruit, vegetables, meat, dairy, bread, pantry staples, juice, water: zero-rated. */
  'basic-grocery',
  /** Chips, pretzels, popcorn, salted nuts, granola bars. */
  'snack',
  /** Candy, chocolate bars, gum. */
  'candy',
  /** Sweetened carbonated beverages. */
  'soft-drink',
  /** Hot food, sandwiches, salads and meals for immediate consumption. */
  'prepared-food',
  'household',
  /** Non-prescription medicines and vitamins. */
  'health',
  'personal-care',
  /** Everything else: kitchenware, pet supplies… */
  'general',
] as const;

export type CanadianTaxCategory = (typeof CANADIAN_TAX_CATEGORIES)[number];

type Categories = readonly CanadianTaxCategory[];

/** What the GST/HST taxes: everything but basic groceries (QST alike). */
const GST_BASE: Categories = CANADIAN_TAX_CATEGORIES.filter((category) => category !== 'basic-grocery');
/** Manitoba's RST, and Saskatchewan's PST since 2017-04-01, on the GST's base. */
const FOLLOWS_GST: Categories = GST_BASE;
/** Saskatchewan before 2017-04-01: no food. */
const NOT_FOOD: Categories = ['household', 'health', 'personal-care', 'general'];
/** British Columbia: no food, no medicines (soft drinks from 2021-04-01, below). */
const BC_PST_BASE: Categories = ['household', 'personal-care', 'general'];

const GST_REGIONS = ['CA-AB', 'CA-BC', 'CA-MB', 'CA-NT', 'CA-NU', 'CA-QC', 'CA-SK', 'CA-YT'];

const hst = (province: string, decimal: string, span: { from?: string; until?: string } = {}): TaxRule => ({
  code: 'HST',
  jurisdiction: province,
  regions: [province],
  categories: GST_BASE,
  rate: rate(decimal),
  ...span,
});

const provincial = (
  code: 'PST' | 'QST' | 'RST',
  province: string,
  decimal: string,
  categories: Categories,
  span: { from?: string; until?: string } = {},
): TaxRule => ({ code, jurisdiction: province, regions: [province], categories, rate: rate(decimal), ...span });

/** In the order a line lists them: the GST first, then the provincial tax; HST alone. */
export const CANADIAN_TAX_RULES: readonly TaxRule[] = [
  { code: 'GST', jurisdiction: 'CA', regions: GST_REGIONS, categories: GST_BASE, rate: rate('0.05') },
  hst('CA-ON', '0.13'),
  hst('CA-NB', '0.13', { until: '2016-07-01' }),
  hst('CA-NB', '0.15', { from: '2016-07-01' }),
  hst('CA-NL', '0.13', { until: '2016-07-01' }),
  hst('CA-NL', '0.15', { from: '2016-07-01' }),
  hst('CA-PE', '0.14', { until: '2016-10-01' }),
  hst('CA-PE', '0.15', { from: '2016-10-01' }),
  hst('CA-NS', '0.15', { until: '2025-04-01' }),
  hst('CA-NS', '0.14', { from: '2025-04-01' }),
  provincial('PST', 'CA-BC', '0.07', BC_PST_BASE),
  provincial('PST', 'CA-BC', '0.07', ['soft-drink'], { from: '2021-04-01' }),
  provincial('RST', 'CA-MB', '0.08', FOLLOWS_GST, { until: '2019-07-01' }),
  provincial('RST', 'CA-MB', '0.07', FOLLOWS_GST, { from: '2019-07-01' }),
  provincial('PST', 'CA-SK', '0.05', NOT_FOOD, { until: '2017-03-23' }),
  provincial('PST', 'CA-SK', '0.06', NOT_FOOD, { from: '2017-03-23' }),
  provincial(
    'PST',
    'CA-SK',
    '0.06',
    FOLLOWS_GST.filter((category) => !NOT_FOOD.includes(category)),
    { from: '2017-04-01' },
  ),
  provincial('QST', 'CA-QC', '0.09975', GST_BASE),
];
