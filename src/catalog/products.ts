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

/** A product a chain always lists, as it is (the prototype's groceries): no random draw. */
export type ListedProduct = Omit<Product, 'index' | 'sku'>;

/** What a chain sells: its categories, its own brand, how its SKUs read, and the products it always lists. */
export interface ProductLine {
  categories: readonly Category[];
  houseBrand: string;
  skuPrefix: string;
  /** Digits of a SKU's number, at least, for a catalog of `count` products. */
  skuDigits: (count: number) => number;
  /** SKUs 1…n, each the most popular of its category (in this order), before the generated products. */
  listed: readonly ListedProduct[];
}

/** The US chain's: P000001… */
export const US_PRODUCT_LINE: ProductLine = {
  categories: CATEGORIES,
  houseBrand: HOUSE_BRAND,
  skuPrefix: 'P',
  skuDigits: (count) => Math.max(6, String(count).length),
  listed: [],
};

/** The fewest products a line's catalog can have: its listed ones and one per category. */
export function minimumProducts(line: ProductLine): number {
  return line.listed.length + line.categories.length;
}

/** How steeply popularity falls with rank inside a category. */
const POPULARITY_EXPONENT = 1.05;

interface CategoryRange {
  /** The listed products of the category, by index. */
  listed: number[];
  /** The generated products: indexes [start, start + count). */
  start: number;
  count: number;
  popularity: ZipfSampler;
}

/**
 * `count` products over every category: the line's listed products first, then generated ones.
 * Nothing is generated up front: product i is a pure function of (seed, i), so a catalog of
 * 100,000 products starts as fast as one of 2,000. Within a category, its listed products are
 * the most popular, then the generated one at offset 0, and popularity follows Zipf.
 */
export class ProductCatalog {
  readonly count: number;
  readonly #seed: number;
  readonly #line: ProductLine;
  readonly #skuWidth: number;
  readonly #ranges: CategoryRange[];
  readonly #categoryChoice: WeightedChoice;
  readonly #made = new OnDemand((index) => this.#generate(index));

  constructor(seed: number, count: number, line: ProductLine = US_PRODUCT_LINE) {
    const { categories, listed } = line;
    if (!Number.isInteger(count) || count < minimumProducts(line)) {
      throw new RangeError(
        `a catalog needs at least ${minimumProducts(line)} products: ${listed.length ? `${listed.length} listed and ` : ''}one per category`,
      );
    }
    this.count = count;
    this.#seed = seed;
    this.#line = line;
    this.#skuWidth = line.skuDigits(count);
    let start = listed.length;
    this.#ranges = apportion(
      count - listed.length,
      categories.map((category) => category.catalogShare),
    ).map((size, c) => {
      const own = listed.flatMap((product, index) => (product.category === categories[c] ? [index] : []));
      const range = { listed: own, start, count: size, popularity: new ZipfSampler(own.length + size, POPULARITY_EXPONENT) };
      start += size;
      return range;
    });
    this.#categoryChoice = new WeightedChoice(categories.map((category) => category.basketShare));
  }

  /** A product as a shopper picks it: a category by its share of baskets, then a product by popularity. */
  sample(random: Random): Product {
    const range = this.#ranges[this.#categoryChoice.sample(random)];
    if (!range) throw new Error('no category range');
    const rank = range.popularity.sample(random) - 1;
    return this.product(rank < range.listed.length ? (range.listed[rank] as number) : range.start + rank - range.listed.length);
  }

  product(index: number): Product {
    return this.#made.get(index);
  }

  #sku(index: number): string {
    return `${this.#line.skuPrefix}${String(index + 1).padStart(this.#skuWidth, '0')}`;
  }

  #generate(index: number): Product {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new RangeError(`no product ${index}`);
    const listed = this.#line.listed[index];
    if (listed) return { index, sku: this.#sku(index), ...listed };
    let categoryIndex = 0;
    while (index >= (this.#ranges[categoryIndex]?.start ?? 0) + (this.#ranges[categoryIndex]?.count ?? 0)) categoryIndex++;
    const category = this.#line.categories[categoryIndex] as Category;
    const offset = index - (this.#ranges[categoryIndex]?.start ?? 0);
    const random = new Random(this.#seed, 0x9d0c7, index);
    const item = category.items[offset % category.items.length] as string;
    const price = random.lognormal(category.medianPrice, category.priceSpread);
    return {
      index,
      sku: this.#sku(index),
      name: `${random.pick(category.variants)} ${item}`,
      category,
      brand: random.chance(0.2) ? this.#line.houseBrand : random.pick(category.brands),
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
