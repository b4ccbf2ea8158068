/**
 * The chain trades in US states: one currency, several time zones (with and without daylight
 * saving time) and state sales taxes that treat groceries and medicine more lightly than general
 * merchandise. Rates are plausible combined state-and-local rates, four places, not tax advice.
 */

export type TaxCategory = 'general' | 'grocery' | 'health';

export interface Region {
  name: string;
  country: string;
  timezone: string;
  cities: readonly string[];
  /** Sales-tax rate per tax category, in ten-thousandths (825 = 8.25%). */
  taxRates: Readonly<Record<TaxCategory, number>>;
}

export const CURRENCY = 'USD';

export const REGIONS: readonly Region[] = [
  {
    name: 'New York',
    country: 'US',
    timezone: 'America/New_York',
    cities: ['New York', 'Buffalo', 'Rochester', 'Albany', 'Syracuse'],
    taxRates: { general: 800, grocery: 0, health: 0 },
  },
  {
    name: 'Florida',
    country: 'US',
    timezone: 'America/New_York',
    cities: ['Miami', 'Orlando', 'Tampa', 'Jacksonville'],
    taxRates: { general: 700, grocery: 0, health: 0 },
  },
  {
    name: 'Illinois',
    country: 'US',
    timezone: 'America/Chicago',
    cities: ['Chicago', 'Springfield', 'Peoria', 'Naperville'],
    taxRates: { general: 1025, grocery: 225, health: 225 },
  },
  {
    name: 'Texas',
    country: 'US',
    timezone: 'America/Chicago',
    cities: ['Houston', 'Dallas', 'Austin', 'San Antonio'],
    taxRates: { general: 825, grocery: 0, health: 0 },
  },
  {
    name: 'Colorado',
    country: 'US',
    timezone: 'America/Denver',
    cities: ['Denver', 'Boulder', 'Colorado Springs'],
    taxRates: { general: 881, grocery: 0, health: 0 },
  },
  {
    name: 'Arizona',
    country: 'US',
    timezone: 'America/Phoenix',
    cities: ['Phoenix', 'Tucson', 'Mesa'],
    taxRates: { general: 860, grocery: 0, health: 860 },
  },
  {
    name: 'California',
    country: 'US',
    timezone: 'America/Los_Angeles',
    cities: ['Los Angeles', 'San Francisco', 'San Diego', 'Sacramento', 'San Jose'],
    taxRates: { general: 950, grocery: 0, health: 950 },
  },
  {
    name: 'Washington',
    country: 'US',
    timezone: 'America/Los_Angeles',
    cities: ['Seattle', 'Spokane', 'Tacoma'],
    taxRates: { general: 1035, grocery: 0, health: 0 },
  },
  {
    name: 'Hawaii',
    country: 'US',
    timezone: 'Pacific/Honolulu',
    cities: ['Honolulu', 'Hilo'],
    taxRates: { general: 450, grocery: 450, health: 450 },
  },
];
