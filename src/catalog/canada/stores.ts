import { Random, WeightedChoice } from '../../plumbing/random.ts';
import { FORMAT_BLOCK, STORE_FORMATS, type Store, type StoreFormat } from '../stores.ts';
import { type City, PROVINCES, type Province, provinceNamed } from './provinces.ts';

/** The prototype's five stores (its data/store_locations.json), first in the chain as they were. */
const PROTOTYPE_STORES: readonly {
  name: string;
  city: string;
  province: string;
  street: string;
  postcode: string;
  format: string;
}[] = [
  {
    name: 'SuperMart',
    city: 'Toronto',
    province: 'Ontario',
    street: '123 Main Street',
    postcode: 'M5A 1A1',
    format: 'Supercenter',
  },
  {
    name: 'FreshGroceries',
    city: 'Vancouver',
    province: 'British Columbia',
    street: '456 Oak Avenue',
    postcode: 'V6B 2E8',
    format: 'Market',
  },
  // The prototype wrote Montreal without its accent; it keeps its own spelling.
  { name: 'MegaMart', city: 'Montreal', province: 'Quebec', street: '789 Pine Lane', postcode: 'H2X 1Y6', format: 'Supercenter' },
  {
    name: 'Neighborhood Market',
    city: 'Calgary',
    province: 'Alberta',
    street: '101 Elm Street',
    postcode: 'T2P 1J9',
    format: 'Neighborhood',
  },
  {
    name: 'City Essentials',
    city: 'Halifax',
    province: 'Nova Scotia',
    street: '321 Maple Road',
    postcode: 'B3H 1M5',
    format: 'Express',
  },
];

/** Each format's name on a sign, in English and in French (Quebec). */
const SIGNS: Readonly<Record<string, { en: string; fr: string }>> = {
  Supercenter: { en: 'Supercentre', fr: 'Supermarché' },
  Market: { en: 'Market', fr: 'Marché' },
  Neighborhood: { en: 'Neighbourhood Grocer', fr: 'Épicerie' },
  Express: { en: 'Express', fr: 'Express' },
};

const NEIGHBOURHOODS = [
  'Downtown',
  'Northside',
  'Riverside',
  'Westgate',
  'Eastpoint',
  'Lakeshore',
  'Midtown',
  'Uptown',
  'Harbourfront',
  'Hillcrest',
  'Oakwood',
  'Parkview',
  'Maple Grove',
  'Birchwood',
];
const QUARTIERS = [
  'Centre-Ville',
  'Haute-Ville',
  'Basse-Ville',
  'Vieux-Quartier',
  'Les Érables',
  'Bord-de-l’Eau',
  'Place du Marché',
  'Les Rivières',
  'Saint-Jean',
  'Val-des-Pins',
  'Côte-Joyeuse',
  'Boisé',
];

const formatNamed = (name: string) => STORE_FORMATS.find((format) => format.name === name) as StoreFormat;

/**
 * `count` stores: the prototype's five, then one in each other province and territory (largest
 * first, in its largest city), then in cities drawn by population: Toronto gets many, Iqaluit
 * rarely a second. Quebec's stores have French names; ids are STORE001… as the prototype's.
 */
export function generateCanadianStores(seed: number, count: number): Store[] {
  const random = new Random(seed, 0xca5707e);
  const places: { province: Province; city: City }[] = PROVINCES.flatMap((province) =>
    province.cities.map((city) => ({ province, city })),
  );
  const cityChoice = new WeightedChoice(places.map((place) => place.city.population));
  const opened = new Set(PROTOTYPE_STORES.map((store) => store.province));
  const firsts = PROVINCES.filter((province) => !opened.has(province.region.name));
  let formats: number[] = [];
  const names = new Set<string>();
  const stores: Store[] = [];
  const add = (fields: Omit<Store, 'index' | 'storeId' | 'registers' | 'cashiers'>) => {
    const index = stores.length;
    const registers = random.int(fields.format.registers[0], fields.format.registers[1]);
    names.add(fields.name);
    stores.push({
      index,
      storeId: `STORE${String(index + 1).padStart(3, '0')}`,
      ...fields,
      registers,
      cashiers: Math.ceil(registers * 2.5),
    });
  };
  for (const store of PROTOTYPE_STORES.slice(0, count)) {
    const { region } = provinceNamed(store.province);
    add({
      name: store.name,
      city: store.city,
      region,
      format: formatNamed(store.format),
      address: { street: store.street, postcode: store.postcode },
    });
  }
  while (stores.length < count) {
    const first = firsts[stores.length - PROTOTYPE_STORES.length];
    const place = first
      ? { province: first, city: first.cities[0] as City }
      : (places[cityChoice.sample(random)] as (typeof places)[number]);
    if (formats.length === 0) formats = random.shuffle([...FORMAT_BLOCK]);
    const format = STORE_FORMATS[formats.pop() as number] as StoreFormat;
    const city = place.city.name;
    const french = place.province.region.name === 'Quebec';
    const sign = SIGNS[format.name] ?? { en: format.name, fr: format.name };
    const name = (n: string) => (french ? `${sign.fr} ${city} ${n}` : `${city} ${n} ${sign.en}`);
    let candidate = name(random.pick(french ? QUARTIERS : NEIGHBOURHOODS));
    for (let n = 2; names.has(candidate); n++) candidate = french ? `${sign.fr} ${city} ${n}` : `${city} ${sign.en} ${n}`;
    add({ name: candidate, city, region: place.province.region, format });
  }
  return stores;
}
