import { Random, WeightedChoice, ZipfSampler } from '../plumbing/random.ts';
import { CATEGORIES, type Category, HOUSE_BRAND } from './categories.ts';
import { OnDemand } from './on-demand.ts';

export interface Product {
  index: number;
  sku: string;
  name: string;
  category: Category;
  brand: string;
  unit: 'each' | 'kg';
  /** Cents, per unit or per kg. */
  unitPrice: number;
}

/** How steeply popularity falls with rank inside a category. */
const POPULARITY_EXPONENT = 1.05;

/**
 * `count` products over every category. Nothing is generated up front: product i is a pure
 * function of (seed, i), so a catalog of 100,000 products starts as fast as one of 2,000.
 * Within a category, the product at offset 0 is the most popular, and popularity follows Zipf.
 */
export class ProductCatalog {
  readonly count: number;
  readonly #seed: number;
  readonly #skuWidth: number;
  readonly #ranges: { start: number; count: number; popularity: ZipfSampler }[];
  readonly #categoryChoice: WeightedChoice;
  readonly #made = new OnDemand((index) => this.#generate(index));

  constructor(seed: number, count: number) {
    if (!Number.isInteger(count) || count < CATEGORIES.length) {
      throw new RangeError(`a catalog needs at least ${CATEGORIES.length} products, one per category`);
    }
    this.count = count;
    this.#seed = seed;
    this.#skuWidth = Math.max(6, String(count).length);
    let start = 0;
    this.#ranges = apportion(
      count,
      CATEGORIES.map((category) => category.catalogShare),
    ).map((size) => {
      const range = { start, count: size, popularity: new ZipfSampler(size, POPULARITY_EXPONENT) };
      start += size;
      return range;
    });
    this.#categoryChoice = new WeightedChoice(CATEGORIES.map((category) => category.basketShare));
  }

  /** A product as a shopper picks it: a category by its share of baskets, then a product by popularity. */
  sample(random: Random): Product {
    const range = this.#ranges[this.#categoryChoice.sample(random)];
    if (!range) throw new Error('no category range');
    return this.product(range.start + range.popularity.sample(random) - 1);
  }

  product(index: number): Product {
    return this.#made.get(index);
  }

  #generate(index: number): Product {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new RangeError(`no product ${index}`);
    let categoryIndex = 0;
    while (index >= (this.#ranges[categoryIndex]?.start ?? 0) + (this.#ranges[categoryIndex]?.count ?? 0)) categoryIndex++;
    const category = CATEGORIES[categoryIndex] as Category;
    const offset = index - (this.#ranges[categoryIndex]?.start ?? 0);
    const random = new Random(this.#seed, 0x9d0c7, index);
    const item = category.items[offset % category.items.length] as string;
    const price = random.lognormal(category.medianPrice, category.priceSpread);
    return {
      index,
      sku: `P${String(index + 1).padStart(this.#skuWidth, '0')}`,
      name: `${random.pick(category.variants)} ${item}`,
      category,
      brand: random.chance(0.2) ? HOUSE_BRAND : random.pick(category.brands),
      unit: random.chance(category.soldByWeight) ? 'kg' : 'each',
      // Shelf prices end in 9: 3.49, 12.99.
      unitPrice: Math.max(49, Math.round(price / 10) * 10 - 1),
    };
  }
}

/** Splits `total` into whole parts proportional to `shares`, each at least 1 (largest remainder). */
function apportion(total: number, shares: readonly number[]): number[] {
  const sum = shares.reduce((a, b) => a + b, 0);
  const spare = total - shares.length;
  const exact = shares.map((share) => (share / sum) * spare);
  const parts = exact.map((value) => 1 + Math.floor(value));
  let missing = total - parts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((value, i) => ({ i, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder);
  for (const { i } of byRemainder) {
    if (missing-- <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
  }
  return parts;
}
