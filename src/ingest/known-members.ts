import type { DimensionRows } from '../warehouse/rows.ts';
import { type DimensionKeys, paymentMethodName } from '../warehouse/sql/dimension-keys.ts';
import { nameAt, only } from '../warehouse/sql/upsert-taxes.ts';

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
  readonly #keys: DimensionKeys = {
    store: new Map(),
    product: new Map(),
    customer: new Map(),
    paymentMethod: new Map(),
    tax: new Map(),
  };
  readonly #dates = new Set<number>();
  /** Each known tax's dates (date keys) as committed: the stored valid_from and valid_to cover them, and only widen. */
  readonly #taxDates = new Map<string, { from: number; to: number }>();

  /** The keys of these members that are known, and of every known payment method; the rest are the caller's to look up. */
  keysOf(rows: Pick<DimensionRows, 'stores' | 'products' | 'customers' | 'taxes'>): DimensionKeys {
    return {
      store: known(rows.stores.storeId, this.#keys.store),
      product: known(rows.products.sku, this.#keys.product),
      customer: known(rows.customers.customerId, this.#keys.customer),
      paymentMethod: new Map(this.#keys.paymentMethod),
      tax: known(
        rows.taxes.code.map((_, i) => nameAt(rows.taxes, i)),
        this.#keys.tax,
      ),
    };
  }

  /** The taxes of these rows whose dates are not known to be within the stored valid_from and valid_to: to be widened. */
  taxesToWiden(taxes: DimensionRows['taxes']): DimensionRows['taxes'] {
    return only(taxes, (i) => {
      const dates = this.#taxDates.get(nameAt(taxes, i));
      return !dates || (taxes.validFrom[i] as number) < dates.from || (taxes.validTo[i] as number) > dates.to;
    });
  }

  /** Whether every date and payment method of these rows is known to be stored. */
  hasDatesAndPaymentMethodsOf(rows: Pick<DimensionRows, 'dates' | 'paymentMethods'>): boolean {
    if (!rows.dates.every((date) => this.#dates.has(date))) return false;
    const { method, cardBrand } = rows.paymentMethods;
    return method.every((name, i) => this.#keys.paymentMethod.has(paymentMethodName(name, cardBrand[i] ?? null)));
  }

  /** What a committed batch stored or found: its members' keys, its dates, and the dates its taxes were widened to cover. */
  learn(keys: DimensionKeys, dates: readonly number[], taxes?: DimensionRows['taxes']): void {
    for (const kind of ['store', 'product', 'customer', 'paymentMethod', 'tax'] as const) {
      for (const [naturalKey, key] of keys[kind]) this.#keys[kind].set(naturalKey, key);
    }
    for (const date of dates) this.#dates.add(date);
    for (let i = 0; i < (taxes?.code.length ?? 0); i++) {
      const t = taxes as DimensionRows['taxes'];
      const name = nameAt(t, i);
      const [from, to] = [t.validFrom[i] as number, t.validTo[i] as number];
      const dates = this.#taxDates.get(name);
      if (!dates) this.#taxDates.set(name, { from, to });
      else [dates.from, dates.to] = [Math.min(dates.from, from), Math.max(dates.to, to)];
    }
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
