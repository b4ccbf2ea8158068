import { US_STATES } from '../tax/jurisdictions.ts';

/**
 * The US chain trades in US states: one currency, several time zones (with and without daylight
 * saving time) and state sales taxes (src/tax/us.ts) that treat groceries and medicine more
 * lightly than general merchandise.
 */

/** A state or province: where a store is, its clock, and (by its ISO code) its taxes. */
export interface Region {
  /** As messages name it in `store.region`: "Florida", "Quebec". */
  name: string;
  country: string;
  /** ISO 3166-2 ("US-FL", "CA-QC"): the region of its stores' taxes (src/tax/). */
  code: string;
  timezone: string;
  cities: readonly string[];
}

const state = (name: string, timezone: string, cities: readonly string[]): Region => ({
  name,
  country: 'US',
  code: US_STATES[name] as string,
  timezone,
  cities,
});

export const REGIONS: readonly Region[] = [
  state('New York', 'America/New_York', ['New York', 'Buffalo', 'Rochester', 'Albany', 'Syracuse']),
  state('Florida', 'America/New_York', ['Miami', 'Orlando', 'Tampa', 'Jacksonville']),
  state('Illinois', 'America/Chicago', ['Chicago', 'Springfield', 'Peoria', 'Naperville']),
  state('Texas', 'America/Chicago', ['Houston', 'Dallas', 'Austin', 'San Antonio']),
  state('Colorado', 'America/Denver', ['Denver', 'Boulder', 'Colorado Springs']),
  state('Arizona', 'America/Phoenix', ['Phoenix', 'Tucson', 'Mesa']),
  state('California', 'America/Los_Angeles', ['Los Angeles', 'San Francisco', 'San Diego', 'Sacramento', 'San Jose']),
  state('Washington', 'America/Los_Angeles', ['Seattle', 'Spokane', 'Tacoma']),
  state('Hawaii', 'Pacific/Honolulu', ['Honolulu', 'Hilo']),
];
