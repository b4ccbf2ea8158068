import { formatFixed, MONEY_PLACES, QUANTITY_PLACES } from '../domain/money.ts';

/**
 * What a batch adds to each aggregate (schema.ts: agg_store_hour, agg_product_day, agg_tender_day,
 * agg_basket_day, agg_tax_day), summed from the batch's own rows as they are mapped, never read back from the
 * facts. Members are indexes into the batch's DimensionRows (after sorting), as in FactText; sums
 * of money and quantities are decimal text, exact.
 */
export interface AggregateDeltas {
  storeHour: {
    store: number[];
    dateKey: number[];
    hour: number[];
    sales: number[];
    returns: number[];
    lines: number[];
    netSales: string[];
    discount: string[];
    tax: string[];
    total: string[];
    returnsTotal: string[];
    /** ISO 8601, UTC. */
    lastOccurredAt: string[];
  };
  productDay: { store: number[]; dateKey: number[]; product: number[]; lines: number[]; quantity: string[]; netSales: string[] };
  tenderDay: { store: number[]; dateKey: number[]; paymentMethod: number[]; transactions: number[]; total: string[] };
  basketDay: { store: number[]; dateKey: number[]; lineCount: number[]; sales: number[] };
  /** `tax`: the tax's index among the batch's taxes; `amount`: Σ of its components' amounts. */
  taxDay: { store: number[]; dateKey: number[]; tax: number[]; lines: number[]; taxable: string[]; amount: string[] };
  /**
   * What the batch's lines took from stock per store and product, whatever their dates (a return's
   * negative quantity puts back): pos.stock_on_hand's change, summed here rather than in SQL.
   */
  stockTaken: { store: number[]; product: number[]; quantity: string[] };
}

/** A line's members as the deltas read them: its product, and its tax components (tax index and amount in cents). */
export interface LineMembers {
  product: number;
  taxes?: readonly { tax: number; units: number }[];
}

/** A transaction's amounts in integer units (cents; thousandths of a unit for quantities), read by the mapping. */
export interface TransactionAmounts {
  sale: boolean;
  dateKey: number;
  hour: number;
  /** occurred_at, ms since the epoch. */
  at: number;
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
  lines: readonly { quantity: number; lineTotal: number }[];
}

/**
 * An exact sum of integers: a JS number while it is safe, the rest carried in a bigint. Each
 * amount the contract allows is below 2^47 (12 digits and 2 places), so a number part kept below
 * 2^52 never loses a unit when one is added.
 */
class ExactSum {
  #small = 0;
  #large = 0n;

  add(units: number): void {
    this.#small += units;
    if (this.#small > CARRY_AT || this.#small < -CARRY_AT) {
      this.#large += BigInt(this.#small);
      this.#small = 0;
    }
  }

  text(places: number): string {
    if (this.#large === 0n) return formatFixed(this.#small, places);
    const units = this.#large + BigInt(this.#small);
    const digits = (units < 0n ? -units : units).toString().padStart(places + 1, '0');
    return `${units < 0n ? '-' : ''}${digits.slice(0, -places)}.${digits.slice(-places)}`;
  }
}

const CARRY_AT = 2 ** 52;

interface StoreHourCell {
  store: number;
  dateKey: number;
  hour: number;
  sales: number;
  returns: number;
  lines: number;
  netSales: ExactSum;
  discount: ExactSum;
  tax: ExactSum;
  total: ExactSum;
  returnsTotal: ExactSum;
  lastAt: number;
}

interface ProductDayCell {
  store: number;
  dateKey: number;
  product: number;
  lines: number;
  quantity: ExactSum;
  netSales: ExactSum;
}

interface TenderDayCell {
  store: number;
  dateKey: number;
  paymentMethod: number;
  transactions: number;
  total: ExactSum;
}

interface TaxDayCell {
  store: number;
  dateKey: number;
  tax: number;
  lines: number;
  taxable: ExactSum;
  amount: ExactSum;
}

interface StockCell {
  store: number;
  product: number;
  quantity: ExactSum;
}

interface BasketDayCell {
  store: number;
  dateKey: number;
  lineCount: number;
  sales: number;
}

/** Bounds of a cell key's parts: store indexes below 2^21, member numbers below 2^24 (keys stay exact integers). */
const STORES = 2 ** 21;
const MEMBERS = 2 ** 24;

/** Sums a batch's transactions into aggregate cells; members by the index they were first seen with, renumbered at the end. */
export class AggregateDeltaBuilder {
  // Cells by a number, not a string: (store, date) as its slot in this batch, then the member.
  // Building a string key per line and hashing it was an eighth of the preparing thread's time.
  readonly #days = new Map<number, number>();
  readonly #storeHour = new Map<number, StoreHourCell>();
  readonly #productDay = new Map<number, ProductDayCell>();
  readonly #tenderDay = new Map<number, TenderDayCell>();
  readonly #basketDay = new Map<number, BasketDayCell>();
  readonly #taxDay = new Map<number, TaxDayCell>();
  /** By store × MEMBERS + product: no date. */
  readonly #stockTaken = new Map<number, StockCell>();

  /** The first key of the store's date among this batch's cells: a member's cell is this plus the member's number. */
  #day(store: number, dateKey: number): number {
    const id = dateKey * STORES + store;
    let slot = this.#days.get(id);
    if (slot === undefined) {
      slot = this.#days.size;
      this.#days.set(id, slot);
    }
    return slot * MEMBERS;
  }

  /** Adds one transaction; `products` holds its lines' members (product, taxes), in the order of `amounts.lines`. */
  add(amounts: TransactionAmounts, store: number, paymentMethod: number, products: readonly LineMembers[]): void {
    const { dateKey, hour, sale } = amounts;
    const day = this.#day(store, dateKey);
    let hourCell = this.#storeHour.get(day + hour);
    if (!hourCell) {
      hourCell = {
        store,
        dateKey,
        hour,
        sales: 0,
        returns: 0,
        lines: 0,
        netSales: new ExactSum(),
        discount: new ExactSum(),
        tax: new ExactSum(),
        total: new ExactSum(),
        returnsTotal: new ExactSum(),
        lastAt: amounts.at,
      };
      this.#storeHour.set(day + hour, hourCell);
    }
    if (sale) hourCell.sales++;
    else {
      hourCell.returns++;
      hourCell.returnsTotal.add(amounts.total);
    }
    hourCell.lines += amounts.lines.length;
    hourCell.netSales.add(amounts.subtotal);
    hourCell.discount.add(amounts.discount);
    hourCell.tax.add(amounts.tax);
    hourCell.total.add(amounts.total);
    if (amounts.at > hourCell.lastAt) hourCell.lastAt = amounts.at;

    const tenderKey = day + paymentMethod;
    let tender = this.#tenderDay.get(tenderKey);
    if (!tender) {
      tender = { store, dateKey, paymentMethod, transactions: 0, total: new ExactSum() };
      this.#tenderDay.set(tenderKey, tender);
    }
    tender.transactions++;
    tender.total.add(amounts.total);

    if (sale) {
      const basketKey = day + amounts.lines.length;
      let basket = this.#basketDay.get(basketKey);
      if (!basket) {
        basket = { store, dateKey, lineCount: amounts.lines.length, sales: 0 };
        this.#basketDay.set(basketKey, basket);
      }
      basket.sales++;
    }

    for (let i = 0; i < amounts.lines.length; i++) {
      const line = amounts.lines[i] as TransactionAmounts['lines'][number];
      const { product, taxes = [] } = products[i] as LineMembers;
      for (const { tax, units } of taxes) {
        const taxKey = day + tax;
        let taxCell = this.#taxDay.get(taxKey);
        if (!taxCell) {
          taxCell = { store, dateKey, tax, lines: 0, taxable: new ExactSum(), amount: new ExactSum() };
          this.#taxDay.set(taxKey, taxCell);
        }
        taxCell.lines++;
        taxCell.taxable.add(line.lineTotal);
        taxCell.amount.add(units);
      }
      const productKey = day + product;
      let cell = this.#productDay.get(productKey);
      if (!cell) {
        cell = { store, dateKey, product, lines: 0, quantity: new ExactSum(), netSales: new ExactSum() };
        this.#productDay.set(productKey, cell);
      }
      cell.lines++;
      cell.quantity.add(line.quantity);
      cell.netSales.add(line.lineTotal);

      const stockKey = store * MEMBERS + product;
      let stock = this.#stockTaken.get(stockKey);
      if (!stock) {
        stock = { store, product, quantity: new ExactSum() };
        this.#stockTaken.set(stockKey, stock);
      }
      stock.quantity.add(line.quantity);
    }
  }

  /** The cells, their members renumbered to the sorted order (`renumber[kind][firstSeen]`). */
  finish(renumber: { store: Uint32Array; product: Uint32Array; paymentMethod: Uint32Array; tax: Uint32Array }): AggregateDeltas {
    const store = (index: number) => renumber.store[index] as number;
    const money = (sum: ExactSum) => sum.text(MONEY_PLACES);
    const hours = [...this.#storeHour.values()];
    const products = [...this.#productDay.values()];
    const tenders = [...this.#tenderDay.values()];
    const baskets = [...this.#basketDay.values()];
    const taxes = [...this.#taxDay.values()];
    const stock = [...this.#stockTaken.values()];
    return {
      storeHour: {
        store: hours.map((cell) => store(cell.store)),
        dateKey: hours.map((cell) => cell.dateKey),
        hour: hours.map((cell) => cell.hour),
        sales: hours.map((cell) => cell.sales),
        returns: hours.map((cell) => cell.returns),
        lines: hours.map((cell) => cell.lines),
        netSales: hours.map((cell) => money(cell.netSales)),
        discount: hours.map((cell) => money(cell.discount)),
        tax: hours.map((cell) => money(cell.tax)),
        total: hours.map((cell) => money(cell.total)),
        returnsTotal: hours.map((cell) => money(cell.returnsTotal)),
        lastOccurredAt: hours.map((cell) => new Date(cell.lastAt).toISOString()),
      },
      productDay: {
        store: products.map((cell) => store(cell.store)),
        dateKey: products.map((cell) => cell.dateKey),
        product: products.map((cell) => renumber.product[cell.product] as number),
        lines: products.map((cell) => cell.lines),
        quantity: products.map((cell) => cell.quantity.text(QUANTITY_PLACES)),
        netSales: products.map((cell) => money(cell.netSales)),
      },
      tenderDay: {
        store: tenders.map((cell) => store(cell.store)),
        dateKey: tenders.map((cell) => cell.dateKey),
        paymentMethod: tenders.map((cell) => renumber.paymentMethod[cell.paymentMethod] as number),
        transactions: tenders.map((cell) => cell.transactions),
        total: tenders.map((cell) => money(cell.total)),
      },
      basketDay: {
        store: baskets.map((cell) => store(cell.store)),
        dateKey: baskets.map((cell) => cell.dateKey),
        lineCount: baskets.map((cell) => cell.lineCount),
        sales: baskets.map((cell) => cell.sales),
      },
      taxDay: {
        store: taxes.map((cell) => store(cell.store)),
        dateKey: taxes.map((cell) => cell.dateKey),
        tax: taxes.map((cell) => renumber.tax[cell.tax] as number),
        lines: taxes.map((cell) => cell.lines),
        taxable: taxes.map((cell) => money(cell.taxable)),
        amount: taxes.map((cell) => money(cell.amount)),
      },
      stockTaken: {
        store: stock.map((cell) => store(cell.store)),
        product: stock.map((cell) => renumber.product[cell.product] as number),
        quantity: stock.map((cell) => cell.quantity.text(QUANTITY_PLACES)),
      },
    };
  }
}
