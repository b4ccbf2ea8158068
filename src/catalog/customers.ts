import type { LoyaltyTier } from '../contract/message.ts';
import { Random, ZipfSampler } from '../plumbing/random.ts';
import { OnDemand } from './on-demand.ts';

export interface Customer {
  index: number;
  customerId: string;
  name: string;
  email: string;
  loyaltyTier: LoyaltyTier;
  /** Where they live, when the chain says (not on the wire: the contract's customer has no address). */
  home?: { city: string; region: string };
}

/** Who a chain's customers are: customer i from its own random stream (under the chain's seed). */
export interface People {
  id(index: number, count: number): string;
  person(random: Random, index: number): Omit<Customer, 'index' | 'customerId'>;
}

const FIRST_NAMES = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'William',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Carlos',
  'Karen',
  'Daniel',
  'Lisa',
  'Matthew',
  'Nancy',
  'Anthony',
  'Sandra',
  'Mark',
  'Ashley',
  'Luis',
  'Emily',
  'Wei',
  'Mei',
  'Hiroshi',
  'Aiko',
  'Ahmed',
  'Fatima',
  'Kwame',
  'Amara',
  'Diego',
  'Sofia',
  'Mateo',
  'Valentina',
  'Noah',
  'Olivia',
  'Liam',
  'Emma',
  'Ethan',
  'Ava',
  'Priya',
  'Arjun',
];
const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
  'Thompson',
  'White',
  'Harris',
  'Sanchez',
  'Clark',
  'Ramirez',
  'Lewis',
  'Robinson',
  'Walker',
  'Young',
  'Allen',
  'King',
  'Wright',
  'Nguyen',
  'Chen',
  'Kim',
  'Patel',
  'Tanaka',
  'Okafor',
  'Mensah',
  'Kowalski',
  'Novak',
  'Rossi',
  'Silva',
  'Cohen',
];
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'];
export const TIERS: readonly [LoyaltyTier, number][] = [
  ['none', 0.4],
  ['silver', 0.32],
  ['gold', 0.2],
  ['platinum', 0.08],
];

/** The US chain's: C0000001, names from many origins, emails at example domains. */
export const US_PEOPLE: People = {
  id: (index, count) => `C${String(index + 1).padStart(Math.max(7, String(count).length), '0')}`,
  person(random, index) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const tier = random.choose(TIERS);
    return {
      name: `${first} ${last}`,
      email: `${first}.${last}${index % 997}@${random.pick(EMAIL_DOMAINS)}`.toLowerCase(),
      loyaltyTier: tier,
    };
  },
};

/**
 * `count` customers, made on demand from (seed, index) like products, so a million of them cost
 * no memory up front. Customer i belongs to store i mod stores; each store's regulars are more or
 * less frequent, following Zipf.
 */
export class CustomerBase {
  readonly count: number;
  readonly #seed: number;
  readonly #stores: number;
  readonly #people: People;
  readonly #regulars: ZipfSampler;
  readonly #made = new OnDemand((index) => this.#generate(index));

  constructor(seed: number, count: number, stores: number, people: People = US_PEOPLE) {
    if (!Number.isInteger(count) || count < stores) throw new RangeError('need at least one customer per store');
    this.count = count;
    this.#seed = seed;
    this.#stores = stores;
    this.#people = people;
    this.#regulars = new ZipfSampler(Math.floor(count / stores), 0.6);
  }

  /** A customer of this store: nine times in ten one of its regulars, else anyone (a visitor). */
  sample(random: Random, store: number): Customer {
    if (random.chance(0.1)) return this.customer(random.int(0, this.count - 1));
    const rank = this.#regulars.sample(random) - 1;
    return this.customer(store + rank * this.#stores);
  }

  customer(index: number): Customer {
    return this.#made.get(index);
  }

  #generate(index: number): Customer {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new RangeError(`no customer ${index}`);
    const random = new Random(this.#seed, 0xc057, index);
    return { index, customerId: this.#people.id(index, this.count), ...this.#people.person(random, index) };
  }
}
