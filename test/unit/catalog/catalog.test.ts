import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCatalog, DEFAULT_SIZES } from '../../../src/catalog/catalog.ts';
import { CATEGORIES } from '../../../src/catalog/categories.ts';
import { STORE_FORMATS } from '../../../src/catalog/stores.ts';
import { Random } from '../../../src/plumbing/random.ts';

test('the default chain: 25 stores in every region and format, named uniquely, with 2,000 products over every category', () => {
  const catalog = createCatalog(1, DEFAULT_SIZES);
  assert.equal(catalog.stores.length, 25);
  assert.ok(new Set(catalog.stores.map((store) => store.region.name)).size >= 9);
  assert.deepEqual(
    new Set(catalog.stores.map((store) => store.format.name)),
    new Set(STORE_FORMATS.map((format) => format.name)),
  );
  assert.equal(new Set(catalog.stores.map((store) => store.name)).size, 25);
  const categories = new Set(Array.from({ length: 2000 }, (_, i) => catalog.products.product(i).category.name));
  assert.ok(categories.size >= 12 && categories.size === CATEGORIES.length);
  const units = new Set(Array.from({ length: 2000 }, (_, i) => catalog.products.product(i).unit));
  assert.deepEqual(units, new Set(['each', 'kg']));
});

test('tiers: every loyalty tier occurs, most customers at the bottom', () => {
  const catalog = createCatalog(1, DEFAULT_SIZES);
  const tiers = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const tier = catalog.customers.customer(i).loyaltyTier;
    tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
  }
  assert.deepEqual(new Set(tiers.keys()), new Set(['none', 'silver', 'gold', 'platinum']));
  assert.ok((tiers.get('none') ?? 0) > (tiers.get('platinum') ?? 0) * 3);
});

test('a million customers and 100,000 products are made on demand: no slow start, no large memory', () => {
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const catalog = createCatalog(5, { stores: 25, products: 100_000, customers: 1_000_000 });
  const random = new Random(5);
  for (let i = 0; i < 50_000; i++) {
    catalog.products.sample(random);
    catalog.customers.sample(random, i % 25);
  }
  const last = catalog.customers.customer(999_999);
  assert.equal(last.customerId, 'C1000000');
  assert.equal(catalog.products.product(99_999).sku, 'P100000');
  // Made eagerly, a million customers alone would take hundreds of megabytes.
  const grownMB = (process.memoryUsage().heapUsed - before) / 1e6;
  assert.ok(grownMB < 80, `heap grew ${grownMB.toFixed(0)} MB`);
});

test('the same seed makes the same catalog', () => {
  const a = createCatalog(9, DEFAULT_SIZES);
  const b = createCatalog(9, DEFAULT_SIZES);
  assert.deepEqual(
    a.stores.map((store) => store.name),
    b.stores.map((store) => store.name),
  );
  assert.deepEqual(a.products.product(1234), b.products.product(1234));
  assert.deepEqual(a.customers.customer(4321), b.customers.customer(4321));
});
