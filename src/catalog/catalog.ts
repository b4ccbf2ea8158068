import { CHAINS, type Chain, type ChainName } from './chains.ts';
import type { CustomerBase } from './customers.ts';
import { ProductCatalog } from './products.ts';
import type { Store } from './stores.ts';

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
  chain: Chain;
  stores: readonly Store[];
  products: ProductCatalog;
  customers: CustomerBase;
}

export function createCatalog(seed: number, sizes: CatalogSizes = DEFAULT_SIZES, chain: ChainName = 'us'): Catalog {
  const definition = CHAINS[chain];
  const stores = definition.stores(seed, sizes.stores);
  return {
    chain: definition,
    stores,
    products: new ProductCatalog(seed, sizes.products, definition.products),
    customers: definition.customers(seed, sizes.customers, stores),
  };
}
