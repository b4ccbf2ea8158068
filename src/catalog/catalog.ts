import { CustomerBase } from './customers.ts';
import { ProductCatalog } from './products.ts';
import { generateStores, type Store } from './stores.ts';

export interface CatalogSizes {
  stores: number;
  products: number;
  customers: number;
}

export const DEFAULT_SIZES: CatalogSizes = { stores: 25, products: 2_000, customers: 10_000 };

/** The chain every run simulates unless told otherwise: the same stores, products and customers each time. */
export const DEFAULT_CATALOG_SEED = 1;

/** The chain's master data: made from its own seed, the same on every run with the same seed and sizes. */
export interface Catalog {
  stores: readonly Store[];
  products: ProductCatalog;
  customers: CustomerBase;
}

export function createCatalog(seed: number, sizes: CatalogSizes = DEFAULT_SIZES): Catalog {
  return {
    stores: generateStores(seed, sizes.stores),
    products: new ProductCatalog(seed, sizes.products),
    customers: new CustomerBase(seed, sizes.customers, sizes.stores),
  };
}
