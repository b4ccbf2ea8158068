import { Random, WeightedChoice } from '../plumbing/random.ts';
import { REGIONS, type Region } from './regions.ts';

/** Opening hours as minutes after local midnight; close 1440 is midnight at the end of the day. */
export interface OpeningHours {
  open: number;
  close: number;
}

export interface StoreFormat {
  name: string;
  /** Relative traffic: a supercenter sees about five times the customers of an express store. */
  traffic: number;
  registers: readonly [number, number];
  weekdays: OpeningHours;
  sunday: OpeningHours;
}

const hours = (open: number, close: number): OpeningHours => ({ open: open * 60, close: close * 60 });

export const STORE_FORMATS: readonly StoreFormat[] = [
  { name: 'Supercenter', traffic: 1.8, registers: [10, 16], weekdays: hours(6, 24), sunday: hours(7, 22) },
  { name: 'Market', traffic: 1.0, registers: [6, 10], weekdays: hours(7, 22), sunday: hours(8, 21) },
  { name: 'Neighborhood', traffic: 0.6, registers: [3, 5], weekdays: hours(8, 21), sunday: hours(9, 19) },
  { name: 'Express', traffic: 0.35, registers: [2, 3], weekdays: hours(0, 24), sunday: hours(0, 24) },
];
/** Every block of ten stores has this mix of formats (indexes into STORE_FORMATS), in a seeded order. */
export const FORMAT_BLOCK = [0, 0, 1, 1, 1, 1, 2, 2, 3, 1];

/** Rough weight of each region's population, for how many stores it gets beyond the first of each. */
const REGION_SHARE = [4, 3, 3, 4, 2, 2, 5, 2, 1];

const NEIGHBORHOODS = [
  'Downtown',
  'Northside',
  'Riverside',
  'Westgate',
  'Eastpoint',
  'Lakeside',
  'Midtown',
  'Uptown',
  'Southpark',
  'Harbor',
  'Hillcrest',
  'Oakwood',
  'Parkview',
  'Fairview',
  'Brookside',
  'Cedar Grove',
];

export interface Store {
  index: number;
  storeId: string;
  name: string;
  city: string;
  region: Region;
  format: StoreFormat;
  registers: number;
  cashiers: number;
  /** Where it is, when the chain says (not on the wire: the contract's store has no address). */
  address?: { street: string; postcode: string };
}

/** `count` stores; every region has one before any has two, so the defaults cover them all. */
export function generateStores(seed: number, count: number): Store[] {
  const random = new Random(seed, 0x5707e);
  const regionChoice = new WeightedChoice(REGION_SHARE);
  let formats: number[] = [];
  const width = Math.max(3, String(count).length);
  const names = new Set<string>();
  const stores: Store[] = [];
  for (let index = 0; index < count; index++) {
    const region = REGIONS[index < REGIONS.length ? index : regionChoice.sample(random)] as Region;
    if (formats.length === 0) formats = random.shuffle([...FORMAT_BLOCK]);
    const format = STORE_FORMATS[formats.pop() as number] as StoreFormat;
    const city = random.pick(region.cities);
    let name = `${city} ${random.pick(NEIGHBORHOODS)} ${format.name}`;
    for (let n = 2; names.has(name); n++) name = `${city} ${format.name} ${n}`;
    names.add(name);
    const registers = random.int(format.registers[0], format.registers[1]);
    stores.push({
      index,
      storeId: `S${String(index + 1).padStart(width, '0')}`,
      name,
      city,
      region,
      format,
      registers,
      cashiers: Math.ceil(registers * 2.5),
    });
  }
  return stores;
}

export function openingHours(store: Store, isoDayOfWeek: number): OpeningHours {
  return isoDayOfWeek === 7 ? store.format.sunday : store.format.weekdays;
}
