import type { Random } from '../../plumbing/random.ts';
import { type People, TIERS } from '../customers.ts';
import type { Store } from '../stores.ts';

const FIRST_NAMES = [
  'Liam',
  'Olivia',
  'Noah',
  'Emma',
  'William',
  'Charlotte',
  'Benjamin',
  'Amelia',
  'Lucas',
  'Ava',
  'Jacob',
  'Sophia',
  'Ethan',
  'Chloe',
  'Owen',
  'Hannah',
  'Connor',
  'Madison',
  'Arjun',
  'Priya',
  'Harpreet',
  'Simran',
  'Wei',
  'Mei',
  'Jun',
  'Hana',
  'Mohammed',
  'Fatima',
  'Omar',
  'Aisha',
  'Mateo',
  'Sofia',
  'Kwame',
  'Amara',
  'Jamal',
  'Nia',
  'Tyler',
  'Aiyana',
];
const LAST_NAMES = [
  'Smith',
  'Brown',
  'Wilson',
  'MacDonald',
  'Taylor',
  'Campbell',
  'Anderson',
  'Thompson',
  'Fraser',
  'MacLeod',
  'Murphy',
  'Martin',
  'Johnson',
  'White',
  'Williams',
  'Li',
  'Wang',
  'Chen',
  'Zhang',
  'Singh',
  'Patel',
  'Sharma',
  'Gill',
  'Nguyen',
  'Kim',
  'Ahmed',
  'Ali',
  'Khan',
  'Santos',
  'Okafor',
  'Mensah',
  'Kowalski',
  'Roberts',
  'Cardinal',
  'Bear',
];
/** Quebec's and Acadia's names: what a bilingual chain must write without losing an accent. */
const FRENCH_FIRST_NAMES = [
  'Félix',
  'Léa',
  'Gabriel',
  'Chloé',
  'Mathis',
  'Florence',
  'Étienne',
  'Zoé',
  'Samuel',
  'Amélie',
  'Émile',
  'Éloïse',
  'Raphaël',
  'Béatrice',
  'Louis',
  'Camille',
  'Jérôme',
  'Noémie',
  'François',
  'Hélène',
  'Thomas',
  'Juliette',
];
const FRENCH_LAST_NAMES = [
  'Tremblay',
  'Gagnon',
  'Roy',
  'Côté',
  'Bouchard',
  'Gauthier',
  'Morin',
  'Lavoie',
  'Fortin',
  'Gagné',
  'Ouellet',
  'Pelletier',
  'Bélanger',
  'Lévesque',
  'Bergeron',
  'Leblanc',
  'Paquette',
  'Girard',
  'Thériault',
  'Cormier',
  'Després',
];
const EMAIL_DOMAINS = ['example.ca', 'example.com', 'example.org'];

/** Share of French names among the customers of a province's stores. */
const FRENCH_SHARE: Readonly<Record<string, number>> = { Quebec: 0.8, 'New Brunswick': 0.3, Ontario: 0.05, Manitoba: 0.04 };

/** The prototype's ten customers (its canadian_customers.json), CUST001…CUST010. */
const PROTOTYPE_CUSTOMERS: readonly { name: string; city: string; region: string }[] = [
  { name: 'John Doe', city: 'Toronto', region: 'Ontario' },
  { name: 'Jane Smith', city: 'Vancouver', region: 'British Columbia' },
  { name: 'Michael Chen', city: 'Montreal', region: 'Quebec' },
  { name: 'Emily Nguyen', city: 'Calgary', region: 'Alberta' },
  { name: 'David Wang', city: 'Halifax', region: 'Nova Scotia' },
  { name: 'Samantha Lee', city: 'Edmonton', region: 'Alberta' },
  { name: 'Daniel Garcia', city: 'Winnipeg', region: 'Manitoba' },
  { name: 'Olivia Martin', city: 'Quebec City', region: 'Quebec' },
  { name: 'Ethan Liu', city: 'Surrey', region: 'British Columbia' },
  { name: 'Isabella Anderson', city: "St. John's", region: 'Newfoundland and Labrador' },
];

/** An address's local part in ASCII: "Éloïse Côté" → "eloise.cote". */
function emailName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.')
    .replace(/^\.|\.$/g, '');
}

/**
 * The Canadian chain's customers: the prototype's ten first, then people who live where their
 * store is (customer i is a regular of store i mod stores), so every province has its own; ids
 * CUST001… that no US id (C0000001…) can equal.
 */
export function canadianPeople(stores: readonly Store[]): People {
  return {
    id: (index) => `CUST${String(index + 1).padStart(3, '0')}`,
    person(random: Random, index: number) {
      const tier = random.choose(TIERS);
      const prototype = PROTOTYPE_CUSTOMERS[index];
      if (prototype) {
        return {
          name: prototype.name,
          email: `${emailName(prototype.name)}@example.com`,
          loyaltyTier: tier,
          home: { city: prototype.city, region: prototype.region },
        };
      }
      const store = stores[index % stores.length] as Store;
      const french = random.chance(FRENCH_SHARE[store.region.name] ?? 0.02);
      const name = `${random.pick(french ? FRENCH_FIRST_NAMES : FIRST_NAMES)} ${random.pick(french ? FRENCH_LAST_NAMES : LAST_NAMES)}`;
      return {
        name,
        email: `${emailName(name)}${index % 997}@${random.pick(EMAIL_DOMAINS)}`,
        loyaltyTier: tier,
        home: { city: store.city, region: store.region.name },
      };
    },
  };
}
