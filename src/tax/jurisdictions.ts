/**
 * Jurisdictions by ISO 3166: a country ("CA", "US") levies a federal tax, a subdivision ("CA-QC",
 * "US-FL") its own. Names are those the messages carry in `store.region`. A v1 message names its
 * store's region only, so the warehouse finds its tax's jurisdiction here (ingest/rows.ts).
 */

export const US_STATES: Readonly<Record<string, string>> = {
  Alabama: 'US-AL',
  Alaska: 'US-AK',
  Arizona: 'US-AZ',
  Arkansas: 'US-AR',
  California: 'US-CA',
  Colorado: 'US-CO',
  Connecticut: 'US-CT',
  Delaware: 'US-DE',
  'District of Columbia': 'US-DC',
  Florida: 'US-FL',
  Georgia: 'US-GA',
  Hawaii: 'US-HI',
  Idaho: 'US-ID',
  Illinois: 'US-IL',
  Indiana: 'US-IN',
  Iowa: 'US-IA',
  Kansas: 'US-KS',
  Kentucky: 'US-KY',
  Louisiana: 'US-LA',
  Maine: 'US-ME',
  Maryland: 'US-MD',
  Massachusetts: 'US-MA',
  Michigan: 'US-MI',
  Minnesota: 'US-MN',
  Mississippi: 'US-MS',
  Missouri: 'US-MO',
  Montana: 'US-MT',
  Nebraska: 'US-NE',
  Nevada: 'US-NV',
  'New Hampshire': 'US-NH',
  'New Jersey': 'US-NJ',
  'New Mexico': 'US-NM',
  'New York': 'US-NY',
  'North Carolina': 'US-NC',
  'North Dakota': 'US-ND',
  Ohio: 'US-OH',
  Oklahoma: 'US-OK',
  Oregon: 'US-OR',
  Pennsylvania: 'US-PA',
  'Rhode Island': 'US-RI',
  'South Carolina': 'US-SC',
  'South Dakota': 'US-SD',
  Tennessee: 'US-TN',
  Texas: 'US-TX',
  Utah: 'US-UT',
  Vermont: 'US-VT',
  Virginia: 'US-VA',
  Washington: 'US-WA',
  'West Virginia': 'US-WV',
  Wisconsin: 'US-WI',
  Wyoming: 'US-WY',
};

export const CANADIAN_PROVINCES: Readonly<Record<string, string>> = {
  Alberta: 'CA-AB',
  'British Columbia': 'CA-BC',
  Manitoba: 'CA-MB',
  'New Brunswick': 'CA-NB',
  'Newfoundland and Labrador': 'CA-NL',
  'Northwest Territories': 'CA-NT',
  'Nova Scotia': 'CA-NS',
  Nunavut: 'CA-NU',
  Ontario: 'CA-ON',
  'Prince Edward Island': 'CA-PE',
  Quebec: 'CA-QC',
  Saskatchewan: 'CA-SK',
  Yukon: 'CA-YT',
};

/** The tax code of a v1 line's one component: a US state's sales tax, or an unnamed tax elsewhere. */
export const V1_TAX_CODES = { US: 'US-STATE', other: 'TAX' } as const;

/**
 * The jurisdiction of the tax on a v1 line: the ISO 3166-2 code of its store's state or province
 * when the region is one, else the store's country.
 */
export function regionJurisdiction(country: string, region: string): string {
  const table = country === 'US' ? US_STATES : country === 'CA' ? CANADIAN_PROVINCES : undefined;
  return table?.[region] ?? country;
}

/** The one tax component a v1 line stands for (its rate is not zero). */
export function v1TaxComponentName(country: string, region: string): { code: string; jurisdiction: string } {
  return { code: country === 'US' ? V1_TAX_CODES.US : V1_TAX_CODES.other, jurisdiction: regionJurisdiction(country, region) };
}
