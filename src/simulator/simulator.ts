import type { Catalog } from '../catalog/catalog.ts';
import { Random } from '../plumbing/random.ts';
import { TimeZoneClock } from './local-time.ts';
import type { Stock } from './stock.ts';
import { makeReturn, makeSale, type Transaction } from './transactions.ts';

/** Share of transactions that are returns of an earlier sale of the same run. */
const RETURN_SHARE = 0.02;
/** Share of returns made at the store of the sale. */
const SAME_STORE_RETURNS = 0.75;

/**
 * Turns slots (a time and a store) into transactions: sales, and about 2% returns of earlier
 * sales. Recent sales are kept in small rings, per store and overall, so memory stays flat
 * however long the run; a sale is returned at most once.
 */
export class Simulator {
  readonly #catalog: Catalog;
  readonly #random: Random;
  readonly #byStore: Ring[];
  readonly #recent = new Ring(4096);
  /** Returns that were due before there was a sale to return: made up later, to keep the share. */
  #owedReturns = 0;
  /** One per time zone: a sale is taxed by the store's local date. */
  readonly #clocks = new Map<string, TimeZoneClock>();

  /** `seed` is the run's; `stream` picks an independent sequence under it (backfill chunks each have one). */
  constructor(catalog: Catalog, seed: number, stream: number) {
    this.#catalog = catalog;
    this.#random = new Random(seed, 0x7a11, stream);
    const perStore = Math.min(512, Math.max(16, Math.floor(50_000 / catalog.stores.length)));
    this.#byStore = catalog.stores.map(() => new Ring(perStore));
  }

  transactionAt(at: number, storeIndex: number): Transaction {
    return this.#transactionAt(at, storeIndex, undefined) as Transaction;
  }

  /**
   * The same, with the store's stock: a sale takes what the shelves hold (undefined when its basket
   * is left empty: the slot makes no transaction), and a return puts its lines back.
   */
  stockedTransactionAt(at: number, storeIndex: number, stock: Stock): Transaction | undefined {
    return this.#transactionAt(at, storeIndex, stock);
  }

  #transactionAt(at: number, storeIndex: number, stock: Stock | undefined): Transaction | undefined {
    const store = this.#catalog.stores[storeIndex];
    if (!store) throw new RangeError(`no store ${storeIndex}`);
    if (this.#random.chance(RETURN_SHARE)) this.#owedReturns++;
    if (this.#owedReturns > 0) {
      const ring = this.#random.chance(SAME_STORE_RETURNS) ? this.#byStore[storeIndex] : this.#recent;
      const sale = ring?.take(this.#random) ?? this.#recent.take(this.#random);
      if (sale) {
        this.#owedReturns--;
        const returned = makeReturn(this.#catalog, this.#random, store, at, sale);
        stock?.restock(returned);
        return returned;
      }
    }
    const localDate = this.#localDate(store.region.timezone, at);
    const sale = stock
      ? makeSale(this.#catalog, this.#random, store, at, localDate, (product, quantity) =>
          stock.take(store, product, quantity, at),
        )
      : makeSale(this.#catalog, this.#random, store, at, localDate);
    if (!sale) return undefined;
    this.#byStore[storeIndex]?.add(sale);
    this.#recent.add(sale);
    return sale;
  }

  #localDate(timezone: string, at: number): number {
    let clock = this.#clocks.get(timezone);
    if (!clock) {
      clock = new TimeZoneClock(timezone);
      this.#clocks.set(timezone, clock);
    }
    return clock.local(at).dateKey;
  }
}

/** A fixed-size ring of recent sales; taking one marks it returned everywhere. */
class Ring {
  readonly #items: (Transaction & { returned?: boolean })[] = [];
  readonly #capacity: number;
  #next = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  add(sale: Transaction): void {
    this.#items[this.#next] = sale;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** A random sale not yet returned (a few tries), or undefined. */
  take(random: Random): Transaction | undefined {
    for (let attempt = 0; attempt < 4 && this.#items.length > 0; attempt++) {
      const sale = this.#items[Math.floor(random.next() * this.#items.length)];
      if (sale && !sale.returned) {
        sale.returned = true;
        return sale;
      }
    }
    return undefined;
  }
}
