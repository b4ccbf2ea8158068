import type { SchemaVersion } from '../contract/message.ts';
import { CANADIAN_TAX_RULES } from '../tax/canada.ts';
import { TaxTable } from '../tax/engine.ts';
import { US_TAX_RULES } from '../tax/us.ts';
import { canadianPeople } from './canada/customers.ts';
import { CANADIAN_TENDERS } from './canada/payments.ts';
import { CANADIAN_PRODUCT_LINE } from './canada/products.ts';
import { CANADIAN_CURRENCY } from './canada/provinces.ts';
import { generateCanadianStores } from './canada/stores.ts';
import { CustomerBase } from './customers.ts';
import { type TenderMix, US_TENDERS } from './payments.ts';
import { minimumProducts, type ProductLine, US_PRODUCT_LINE } from './products.ts';
import { generateStores, type Store } from './stores.ts';

export const CHAIN_NAMES = ['us', 'canada'] as const;
export type ChainName = (typeof CHAIN_NAMES)[number];

/** A retail chain the simulator can run: where its stores are, what it sells, how it is paid and taxed. */
export interface Chain {
  name: ChainName;
  /** ISO 4217, of every store. */
  currency: string;
  taxes: TaxTable;
  tenders: TenderMix;
  products: ProductLine;
  /** The contract versions its messages can be written in; the first is the default. */
  contracts: readonly SchemaVersion[];
  /**
   * Whether a return at another store books the sale's taxes to the returning store's region.
   * The US chain's do, as its v1 messages always said (a v1 line's tax is its store's state's, and
   * its v2 must say the same); Canada's refund the sale's own taxes, as they were charged.
   */
  returnsTaxedWhereReturned: boolean;
  /** Why a version it cannot be written in is refused. */
  refusal?: string;
  stores(seed: number, count: number): Store[];
  customers(seed: number, count: number, stores: readonly Store[]): CustomerBase;
}

const US: Chain = {
  name: 'us',
  currency: 'USD',
  taxes: new TaxTable(US_TAX_RULES),
  tenders: US_TENDERS,
  products: US_PRODUCT_LINE,
  contracts: [1, 2],
  returnsTaxedWhereReturned: true,
  stores: generateStores,
  customers: (seed, count, stores) => new CustomerBase(seed, count, stores.length),
};

const CANADA: Chain = {
  name: 'canada',
  currency: CANADIAN_CURRENCY,
  taxes: new TaxTable(CANADIAN_TAX_RULES),
  tenders: CANADIAN_TENDERS,
  products: CANADIAN_PRODUCT_LINE,
  contracts: [2],
  returnsTaxedWhereReturned: false,
  refusal:
    "a v1 line has one tax rate and one tax, while the GST and a province's PST, QST or RST are each rounded by themselves and filed apart (v2 lists them per line)",
  stores: generateCanadianStores,
  customers: (seed, count, stores) => new CustomerBase(seed, count, stores.length, canadianPeople(stores)),
};

export const CHAINS: Readonly<Record<ChainName, Chain>> = { us: US, canada: CANADA };

/** The fewest products a catalog of the chain can have. */
export function chainMinimumProducts(name: ChainName): number {
  return minimumProducts(CHAINS[name].products);
}
