import { CANADIAN_PROVINCES } from '../../tax/jurisdictions.ts';
import type { Region } from '../regions.ts';

/**
 * The Canadian chain trades in every province and territory: six time zones (Newfoundland's
 * half hour among them, Saskatchewan without daylight saving time), one currency, and the
 * sales taxes of src/tax/canada.ts. Each province here has one zone: its cities below all keep it.
 */

export const CANADIAN_CURRENCY = 'CAD';

/** A city and its population (thousands, census 2021, of the city or its metropolitan area): how many stores it draws. */
export interface City {
  name: string;
  population: number;
}

export interface Province {
  region: Region;
  /** Largest first: a province's first store opens in its first city. */
  cities: readonly City[];
}

const province = (name: string, timezone: string, cities: readonly [string, number][]): Province => ({
  region: {
    name,
    country: 'CA',
    code: CANADIAN_PROVINCES[name] as string,
    timezone,
    cities: cities.map(([city]) => city),
  },
  cities: cities.map(([city, population]) => ({ name: city, population })),
});

/** By population, largest first. Quebec's cities keep their French names (Montréal, Québec, Lévis). */
export const PROVINCES: readonly Province[] = [
  province('Ontario', 'America/Toronto', [
    ['Toronto', 6202],
    ['Ottawa', 1100],
    ['Hamilton', 785],
    ['Kitchener', 575],
    ['London', 543],
    ['St. Catharines', 433],
    ['Windsor', 422],
    ['Oshawa', 415],
    ['Barrie', 212],
    ['Kingston', 172],
    ['Sudbury', 170],
    ['Guelph', 165],
    ['Thunder Bay', 123],
  ]),
  province('Quebec', 'America/Toronto', [
    ['Montréal', 3700],
    ['Québec', 690],
    ['Laval', 438],
    ['Gatineau', 340],
    ['Longueuil', 254],
    ['Sherbrooke', 227],
    ['Trois-Rivières', 161],
    ['Saguenay', 161],
    ['Lévis', 149],
    ['Saint-Jérôme', 80],
  ]),
  province('British Columbia', 'America/Vancouver', [
    ['Vancouver', 2074],
    ['Surrey', 568],
    ['Victoria', 398],
    ['Kelowna', 222],
    ['Abbotsford', 195],
    ['Nanaimo', 115],
    ['Kamloops', 114],
    ['Prince George', 89],
  ]),
  province('Alberta', 'America/Edmonton', [
    ['Calgary', 1481],
    ['Edmonton', 1418],
    ['Lethbridge', 124],
    ['Red Deer', 100],
    ['Medicine Hat', 78],
    ['Grande Prairie', 69],
  ]),
  province('Manitoba', 'America/Winnipeg', [
    ['Winnipeg', 834],
    ['Brandon', 55],
    ['Steinbach', 17],
  ]),
  province('Saskatchewan', 'America/Regina', [
    ['Saskatoon', 317],
    ['Regina', 249],
    ['Prince Albert', 39],
    ['Moose Jaw', 35],
  ]),
  province('Nova Scotia', 'America/Halifax', [
    ['Halifax', 465],
    ['Sydney', 94],
    ['Truro', 46],
  ]),
  province('New Brunswick', 'America/Moncton', [
    ['Moncton', 157],
    ['Saint John', 130],
    ['Fredericton', 108],
  ]),
  province('Newfoundland and Labrador', 'America/St_Johns', [
    ["St. John's", 212],
    ['Corner Brook', 32],
    ['Gander', 12],
  ]),
  province('Prince Edward Island', 'America/Halifax', [
    ['Charlottetown', 78],
    ['Summerside', 16],
  ]),
  province('Northwest Territories', 'America/Yellowknife', [['Yellowknife', 20]]),
  province('Yukon', 'America/Whitehorse', [['Whitehorse', 28]]),
  province('Nunavut', 'America/Iqaluit', [['Iqaluit', 7]]),
];

export function provinceNamed(name: string): Province {
  const found = PROVINCES.find((candidate) => candidate.region.name === name);
  if (!found) throw new RangeError(`no province ${name}`);
  return found;
}
