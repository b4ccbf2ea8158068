import type { DimensionRows } from '../warehouse/rows.ts';
import { type DimensionKeys, paymentMethodName } from '../warehouse/sql/dimension-keys.ts';

/**
 * The dimension members a consumer session has seen committed, with their surrogate keys, and the
 * dates it has seen committed: a batch looks up only the members it does not find here, and adds
 * dates and payment methods only when one is new. (Looking up every member of every batch took a
 * tenth of the write's time, on the path that bounds the rate.) Sound because dimension rows are
 * never deleted and their keys never change, and because it learns only from committed batches:
 * keys read in a transaction that was rolled back may name rows that were never kept. A session
 * starts knowing none. (A warehouse replaced under a running consumer, by a forced restore, wants
 * the consumer restarted anyway: a session places its read positions from the database when it
 * starts.)
 */
export class KnownMembers {
  readonly #keys: DimensionKeys = { store: new Map(), product: new Map(), customer: new Map(), paymentMethod: new Map() };
  readonly #dates = new Set<number>();

  /** The keys of these members that are known, and of every known payment method; the rest are the caller's to look up. */
  keysOf(rows: Pick<DimensionRows, 'stores' | 'products' | 'customers'>): DimensionKeys {
    return {
      store: known(rows.stores.storeId, this.#keys.store),
      product: known(rows.products.sku, this.#keys.product),
      customer: known(rows.customers.customerId, this.#keys.customer),
      paymentMethod: new Map(this.#keys.paymentMethod),
    };
  }

  /** Whether every date and payment method of these rows is known to be stored. */
  hasDatesAndPaymentMethodsOf(rows: Pick<DimensionRows, 'dates' | 'paymentMethods'>): boolean {
    if (!rows.dates.every((date) => this.#dates.has(date))) return false;
    const { method, cardBrand } = rows.paymentMethods;
    return method.every((name, i) => this.#keys.paymentMethod.has(paymentMethodName(name, cardBrand[i] ?? null)));
  }

  /** What a committed batch stored or found: its members' keys and its dates. */
  learn(keys: DimensionKeys, dates: readonly number[]): void {
    for (const kind of ['store', 'product', 'customer', 'paymentMethod'] as const) {
      for (const [naturalKey, key] of keys[kind]) this.#keys[kind].set(naturalKey, key);
    }
    for (const date of dates) this.#dates.add(date);
  }
}

/** The entries of `keys` for these natural keys, where it has them. */
function known(naturalKeys: readonly string[], keys: ReadonlyMap<string, number>): Map<string, number> {
  const found = new Map<string, number>();
  for (const naturalKey of naturalKeys) {
    const key = keys.get(naturalKey);
    if (key !== undefined) found.set(naturalKey, key);
  }
  return found;
}
