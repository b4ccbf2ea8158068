import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCatalog, DEFAULT_SIZES } from '../../../src/catalog/catalog.ts';

const catalog = createCatalog(1, DEFAULT_SIZES, 'canada');

test("the first five stores are the prototype's, in its order, with its addresses", () => {
  assert.deepEqual(
    catalog.stores
      .slice(0, 5)
      .map((store) => [store.storeId, store.name, store.address?.street, store.city, store.region.name, store.address?.postcode]),
    [
      ['STORE001', 'SuperMart', '123 Main Street', 'Toronto', 'Ontario', 'M5A 1A1'],
      ['STORE002', 'FreshGroceries', '456 Oak Avenue', 'Vancouver', 'British Columbia', 'V6B 2E8'],
      ['STORE003', 'MegaMart', '789 Pine Lane', 'Montreal', 'Quebec', 'H2X 1Y6'],
      ['STORE004', 'Neighborhood Market', '101 Elm Street', 'Calgary', 'Alberta', 'T2P 1J9'],
      ['STORE005', 'City Essentials', '321 Maple Road', 'Halifax', 'Nova Scotia', 'B3H 1M5'],
    ],
  );
});

test('thirteen stores cover every province and territory, each on its own clock; Quebec’s names keep their accents', () => {
  const first13 = catalog.stores.slice(0, 13);
  assert.equal(new Set(first13.map((store) => store.region.code)).size, 13);
  const zones = Object.fromEntries(catalog.stores.map((store) => [store.region.name, store.region.timezone]));
  assert.deepEqual(zones, {
    Ontario: 'America/Toronto',
    'British Columbia': 'America/Vancouver',
    Quebec: 'America/Toronto',
    Alberta: 'America/Edmonton',
    'Nova Scotia': 'America/Halifax',
    Manitoba: 'America/Winnipeg',
    Saskatchewan: 'America/Regina',
    'New Brunswick': 'America/Moncton',
    'Newfoundland and Labrador': 'America/St_Johns',
    'Prince Edward Island': 'America/Halifax',
    'Northwest Territories': 'America/Yellowknife',
    Yukon: 'America/Whitehorse',
    Nunavut: 'America/Iqaluit',
  });
  const big = createCatalog(1, { stores: 300, products: 2000, customers: 10_000 }, 'canada');
  const cities = (name: string) => big.stores.filter((store) => store.city === name).length;
  assert.ok(cities('Toronto') > cities('Winnipeg') && cities('Winnipeg') >= cities('Iqaluit'));
  const quebec = big.stores.filter((store) => store.region.name === 'Quebec' && store.index >= 5);
  assert.ok(
    quebec.some((store) => /[éèàÉ]/.test(store.name) || /[éè]/.test(store.city)),
    'accents in Quebec',
  );
  assert.equal(new Set(big.stores.map((store) => store.name)).size, 300);
});

test("the prototype's 20 groceries and ten customers come first, with ids no US id can equal", () => {
  const products = Array.from({ length: 20 }, (_, i) => catalog.products.product(i));
  assert.deepEqual(
    products.slice(0, 3).map((p) => [p.sku, p.name, p.unitPrice]),
    [
      ['PROD001', 'Apples', 250],
      ['PROD002', 'Bananas', 120],
      ['PROD003', 'Milk (1 gallon)', 350],
    ],
  );
  assert.deepEqual([products[19]?.sku, products[19]?.name, products[19]?.unitPrice], ['PROD020', 'Salmon (1 lb)', 800]);
  assert.ok(products.every((p) => p.category.taxCategory === 'basic-grocery'));
  const customers = Array.from({ length: 10 }, (_, i) => catalog.customers.customer(i));
  assert.deepEqual(
    customers.slice(0, 2).map((c) => [c.customerId, c.name, c.email, c.home?.city]),
    [
      ['CUST001', 'John Doe', 'john.doe@example.com', 'Toronto'],
      ['CUST002', 'Jane Smith', 'jane.smith@example.com', 'Vancouver'],
    ],
  );
  assert.equal(customers[9]?.name, 'Isabella Anderson');
  const homes = new Set(Array.from({ length: 2000 }, (_, i) => catalog.customers.customer(i).home?.region));
  assert.equal(homes.size, 13, 'customers from every province and territory');
  const us = createCatalog(1, DEFAULT_SIZES, 'us');
  assert.match(us.products.product(0).sku, /^P\d{6}$/);
  assert.match(us.customers.customer(0).customerId, /^C\d{7}$/);
});
