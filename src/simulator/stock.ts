import type { Catalog } from '../catalog/catalog.ts';
import type { Product } from '../catalog/products.ts';
import { openingHours, type Store, type StoreFormat } from '../catalog/stores.ts';
import { formatFixed, formatQuantity } from '../domain/money.ts';
import { Random } from '../plumbing/random.ts';
import { MAX_EVENT_LINES, type StockEvent, type StockLine } from './inventory-events.ts';
import type { TradingPattern } from './schedule.ts';
import { storeTraffic } from './traffic.ts';
import { EXPECTED_BASKET_LINES, lineQuantityMoments, type Transaction, timeOrderedId } from './transactions.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A store's deliveries arrive this many days after the order (seeded per store), at its opening hour. */
const LEAD_DAYS = [1, 3] as const;
/**
 * A product is reordered when its stock and what is on order fall to what the lead time is
 * expected to sell, and this many standard deviations of it more (its lines come at random, of
 * random sizes): the textbook 95% of lead times end with stock left, and the others, busy
 * weekends and large baskets run some shelves dry. A 30-day backfill of the default chain loses
 * some 2% of the units shoppers want at 12,000 transactions, 0.7% at 300,000 (test/unit/simulator/stock.test.ts).
 */
const SAFETY_FACTOR = 1.65;
/** An order brings the stock up to the reorder point and about this many days of sales more: a weekly delivery. */
const ORDER_DAYS = 7;
/** Whole units, or by the 100 g. */
const STEP = { each: 1000, kg: 100 } as const;
/** The least order: a few lines' worth, even of a product sold once a month. */
const MIN_ORDER = { each: 4000, kg: 3000 } as const;
/** The contract writes a line's quantity with at most six digits before the point. */
const MAX_LINE = { each: 999_999_000, kg: 999_999_999 } as const;
/** A count looks at up to this many products that differ (none: no count message). */
const COUNT_LINES = [0, 4] as const;
/** Share of a count's differences that are items found rather than lost. */
const FOUND_SHARE = 0.1;
/** The draws that estimate each product's share of lines: a hundred per product of the catalog, within these bounds. */
const SHARE_SAMPLES = [200_000, 2_000_000] as const;

/**
 * Stock is kept per store and product in flat arrays; at most this many pairs (80 MB), so
 * that a run with stock stays in memory: 25 stores × 80,000 products, or 1,000 stores × 2,000.
 */
export const MAX_STOCKED_PAIRS = 2_000_000;

/** The prototype's inventory.json: the opening stock of PROD001…PROD020 in its five stores (Apples 100 … Salmon 10). */
export const PROTOTYPE_OPENING_STOCK: readonly number[] = [
  100, 50, 20, 30, 40, 15, 25, 30, 40, 20, 30, 20, 15, 20, 35, 25, 20, 15, 30, 10,
];
const PROTOTYPE_STORES = 5;

export interface StockOptions {
  catalog: Catalog;
  /** The stores' clocks. */
  pattern: TradingPattern;
  /** The run's seed: the stock has a random stream of its own under it, apart from the sales'. */
  seed: number;
  /** Transactions a day across the chain that the run makes, on average: what the stock is sized to. */
  transactionsPerDay: number;
  /**
   * When each store's opening stock is counted in: at local midnight of a backfill's first date (in
   * the store's zone, so before its first slot, which is on or after that date), or at the instant
   * real time starts (the first slot's).
   */
  opening: { startDate: string } | { startAt: number };
}

/** What a run with stock reports (SimulationResult.stock): quantities in units, as decimal text. */
export interface StockSummary {
  /** Inventory messages made (sent to the inventory sink, or dropped without one). */
  events: number;
  /** What shoppers wanted and the shelves did not hold, per store and product that ran out. */
  lost: { storeId: string; sku: string; quantity: string }[];
  /** All of it, each and kg added up, with three places. */
  lostUnits: string;
}

type Pending =
  | { kind: 'opening' | 'count'; at: number; store: Store }
  | { kind: 'receipt'; at: number; store: Store; lines: Map<number, number> }
  | { kind: 'write-off'; at: number; store: Store; reference: string; lines: StockLine[] };

/**
 * The stores' stock, in thousandths of a unit as the transactions' lines hold it: opening stock
 * sized to each store's traffic and each product's share of lines, sales that take what is there
 * (the rest is lost), returns put back, deliveries of what fell to its reorder point, weekly counts
 * that find a little shrink, and a returned weighed product written off. What happens besides
 * sales becomes inventory events (`eventsUntil`), in time order, each applied to the stock as it
 * is handed out. Deterministic per seed: it draws from its own random stream, in the order of the
 * slots, so the sales' draws are the same with stock and without.
 */
export class Stock {
  readonly #catalog: Catalog;
  readonly #pattern: TradingPattern;
  readonly #random: Random;
  readonly #products: number;
  readonly #onHand: Float64Array;
  readonly #onOrder: Float64Array;
  readonly #reorderPoint: Float64Array;
  readonly #orderUpTo: Float64Array;
  readonly #lost: Float64Array;
  readonly #leadDays: Uint8Array;
  /** ISO day of the week of each store's count. */
  readonly #countDay: Uint8Array;
  readonly #purchaseOrders: Uint32Array;
  /** Each store's latest order not yet delivered: orders for the same arrival join it. */
  readonly #nextReceipt: (Pending & { kind: 'receipt' })[] = [];
  readonly #queue = new EventQueue();
  readonly #prototype: boolean;
  #events = 0;
  #lostTotal = 0;

  constructor(options: StockOptions) {
    const { catalog } = options;
    const stores = catalog.stores;
    const products = catalog.products.count;
    if (stores.length * products > MAX_STOCKED_PAIRS) {
      throw new RangeError(`stock is kept for at most ${MAX_STOCKED_PAIRS} store and product pairs`);
    }
    this.#catalog = catalog;
    this.#pattern = options.pattern;
    this.#random = new Random(options.seed, 0x570c);
    this.#products = products;
    const pairs = stores.length * products;
    this.#onHand = new Float64Array(pairs);
    this.#onOrder = new Float64Array(pairs);
    this.#reorderPoint = new Float64Array(pairs);
    this.#orderUpTo = new Float64Array(pairs);
    this.#lost = new Float64Array(pairs);
    this.#leadDays = Uint8Array.from(stores, () => this.#random.int(LEAD_DAYS[0], LEAD_DAYS[1]));
    this.#countDay = Uint8Array.from(stores, () => this.#random.int(1, 7));
    this.#purchaseOrders = new Uint32Array(stores.length);
    this.#prototype = catalog.chain.name === 'canada';

    // Lines a day of each product at each store: the chain's transactions, the store's share of
    // the traffic (its format's, over a week), the lines of a basket and the product's share of
    // lines. Over a lead time they sell their number times the mean quantity of a line, give or
    // take the square root of their number times the mean square of a line (a compound Poisson sum).
    const storeShare = trafficShares(stores);
    const productShare = lineShares(catalog, new Random(options.seed, 0x570c, 1));
    const moments = { each: lineQuantityMoments('each'), kg: lineQuantityMoments('kg') };
    // Each product made once (a catalog larger than the products' cache would make them again for every store).
    const units = Array.from({ length: products }, (_, p) => this.#product(p).unit);
    for (let s = 0; s < stores.length; s++) {
      const leadDays = this.#leadDays[s] as number;
      const storeLines = options.transactionsPerDay * EXPECTED_BASKET_LINES * (storeShare[s] as number);
      for (let p = 0; p < products; p++) {
        const unit = units[p] as Product['unit'];
        const { mean, meanSquare } = moments[unit];
        const lines = storeLines * (productShare[p] as number);
        const leadTimeLines = lines * leadDays;
        const reorderPoint = roundUp(leadTimeLines * mean + SAFETY_FACTOR * Math.sqrt(leadTimeLines * meanSquare), STEP[unit]);
        const order = Math.max(MIN_ORDER[unit], roundUp(lines * mean * ORDER_DAYS, STEP[unit]));
        const upTo = Math.min(MAX_LINE[unit], reorderPoint + order);
        const i = s * products + p;
        this.#orderUpTo[i] = upTo;
        this.#reorderPoint[i] = Math.min(reorderPoint, upTo - STEP[unit]);
      }
    }

    for (const store of stores) {
      const at =
        'startAt' in options.opening
          ? options.opening.startAt
          : this.#utcOf(store, Date.parse(`${options.opening.startDate}T00:00:00Z`));
      this.#queue.push({ kind: 'opening', at, store });
      this.#queue.push({ kind: 'count', at: this.#openingOn(store, this.#firstCountDay(store, at)), store });
    }
  }

  /**
   * A line of a sale at `store` at `at` wants `quantity` (thousandths) of `product`: takes what
   * there is, counts the rest as lost, and orders when the stock falls to its reorder point.
   */
  take(store: Store, product: Product, quantity: number, at: number): number {
    const i = store.index * this.#products + product.index;
    const have = this.#onHand[i] as number;
    const sold = quantity <= have ? quantity : have;
    this.#onHand[i] = have - sold;
    if (sold < quantity) {
      this.#lost[i] = (this.#lost[i] as number) + quantity - sold;
      this.#lostTotal += quantity - sold;
    }
    if (have - sold + (this.#onOrder[i] as number) <= (this.#reorderPoint[i] as number)) this.#order(store, product, at);
    return sold;
  }

  /**
   * A return puts its lines back on the returning store's shelves; a weighed product (meat,
   * produce by the kilo) cannot be sold again, and is written off at the same instant.
   */
  restock(returned: Transaction): void {
    const { store } = returned;
    const writeOff = new Map<number, StockLine>();
    for (const line of returned.lines) {
      const i = store.index * this.#products + line.product.index;
      this.#onHand[i] = (this.#onHand[i] as number) - line.quantity; // a return's quantities are negative
      if (line.product.unit !== 'kg') continue;
      const earlier = writeOff.get(line.product.index);
      if (earlier) earlier.quantity += line.quantity;
      else writeOff.set(line.product.index, { product: line.product, quantity: line.quantity });
    }
    if (writeOff.size > 0) {
      this.#queue.push({ kind: 'write-off', at: returned.at, store, reference: returned.id, lines: [...writeOff.values()] });
    }
  }

  /**
   * The events that happen by `at` (UTC ms) and were not handed out yet, in time order, each
   * applied to the stock: call it before the transaction of a slot at `at`, and after it (for the
   * write-off of an unsellable return).
   */
  eventsUntil(at: number): StockEvent[] {
    if (!(this.#queue.firstAt <= at)) return NONE;
    const events: StockEvent[] = [];
    while (this.#queue.firstAt <= at) this.#happen(this.#queue.pop() as Pending, events);
    return events;
  }

  /** What the store holds of the product, in thousandths. */
  onHand(storeIndex: number, productIndex: number): number {
    return this.#onHand[storeIndex * this.#products + productIndex] as number;
  }

  summary(): StockSummary {
    const lost: StockSummary['lost'] = [];
    this.#catalog.stores.forEach((store, s) => {
      for (let p = 0; p < this.#products; p++) {
        const quantity = this.#lost[s * this.#products + p] as number;
        if (quantity === 0) continue;
        const product = this.#product(p);
        lost.push({ storeId: store.storeId, sku: product.sku, quantity: formatQuantity(quantity, product.unit) });
      }
    });
    return { events: this.#events, lost, lostUnits: formatFixed(this.#lostTotal, 3) };
  }

  /** Orders up to the product's level, on the store's delivery that arrives a lead time after today. */
  #order(store: Store, product: Product, at: number): void {
    const i = store.index * this.#products + product.index;
    const arrival = this.#openingOn(store, this.#localDay(store, at) + (this.#leadDays[store.index] as number));
    let receipt = this.#nextReceipt[store.index];
    if (receipt?.at !== arrival) {
      receipt = { kind: 'receipt', at: arrival, store, lines: new Map() };
      this.#nextReceipt[store.index] = receipt;
      this.#queue.push(receipt);
    }
    const ordered = receipt.lines.get(product.index) ?? 0;
    const short = (this.#orderUpTo[i] as number) - (this.#onHand[i] as number) - (this.#onOrder[i] as number);
    const quantity = Math.min(roundUp(short, STEP[product.unit]), MAX_LINE[product.unit] - ordered);
    if (quantity <= 0) return;
    receipt.lines.set(product.index, ordered + quantity);
    this.#onOrder[i] = (this.#onOrder[i] as number) + quantity;
  }

  #happen(pending: Pending, events: StockEvent[]): void {
    const { store, at } = pending;
    const base = store.index * this.#products;
    switch (pending.kind) {
      case 'opening': {
        const lines: StockLine[] = [];
        for (let p = 0; p < this.#products; p++) {
          const quantity = this.#openingStock(store, p);
          this.#onHand[base + p] = (this.#onHand[base + p] as number) + quantity;
          lines.push({ product: this.#product(p), quantity });
        }
        this.#emit(events, { type: 'adjustment', reason: 'opening', at, store, reference: null, lines });
        return;
      }
      case 'receipt': {
        const lines: StockLine[] = [];
        for (const p of [...pending.lines.keys()].sort((a, b) => a - b)) {
          const quantity = pending.lines.get(p) as number;
          this.#onHand[base + p] = (this.#onHand[base + p] as number) + quantity;
          this.#onOrder[base + p] = (this.#onOrder[base + p] as number) - quantity;
          lines.push({ product: this.#product(p), quantity });
        }
        const number = (this.#purchaseOrders[store.index] as number) + 1;
        this.#purchaseOrders[store.index] = number;
        const reference = `PO-${store.storeId}-${String(number).padStart(6, '0')}`;
        this.#emit(events, { type: 'receipt', reason: 'delivery', at, store, reference, lines });
        return;
      }
      case 'count': {
        const lines = this.#countDifferences(store);
        if (lines.length > 0) this.#emit(events, { type: 'adjustment', reason: 'count', at, store, reference: null, lines });
        for (const { product, quantity } of lines) if (quantity < 0) this.#reorderIfLow(store, product, at);
        this.#queue.push({ kind: 'count', at: this.#openingOn(store, this.#localDay(store, at) + 7), store });
        return;
      }
      case 'write-off': {
        const lines: StockLine[] = [];
        for (const { product, quantity: returned } of pending.lines) {
          const i = base + product.index;
          // All of it: the return put it back an instant ago (never more than the shelf holds, whatever comes).
          const quantity = Math.max(returned, -(this.#onHand[i] as number));
          if (quantity === 0) continue;
          this.#onHand[i] = (this.#onHand[i] as number) + quantity;
          lines.push({ product, quantity });
        }
        if (lines.length > 0) {
          this.#emit(events, {
            type: 'adjustment',
            reason: 'unsellable_return',
            at,
            store,
            reference: pending.reference,
            lines,
          });
        }
        return;
      }
    }
  }

  /** A count: a few products (the popular ones likelier) found short by a unit or two, or some grams; now and then one found. */
  #countDifferences(store: Store): StockLine[] {
    const random = this.#random;
    const differences = new Map<number, StockLine>();
    const looked = random.int(COUNT_LINES[0], COUNT_LINES[1]);
    for (let n = 0; n < looked; n++) {
      const product = this.#catalog.products.sample(random);
      if (differences.has(product.index)) continue;
      const i = store.index * this.#products + product.index;
      const each = product.unit === 'each';
      const quantity = random.chance(FOUND_SHARE)
        ? each
          ? 1000
          : random.int(1, 5) * 100
        : -Math.min(this.#onHand[i] as number, each ? random.int(1, 2) * 1000 : random.int(50, 500));
      if (quantity === 0) continue;
      this.#onHand[i] = (this.#onHand[i] as number) + quantity;
      differences.set(product.index, { product, quantity });
    }
    return [...differences.values()].sort((a, b) => a.product.index - b.product.index);
  }

  #reorderIfLow(store: Store, product: Product, at: number): void {
    const i = store.index * this.#products + product.index;
    if ((this.#onHand[i] as number) + (this.#onOrder[i] as number) <= (this.#reorderPoint[i] as number)) {
      this.#order(store, product, at);
    }
  }

  /** A full shelf; the prototype's own levels for its groceries in its five stores (the Canadian chain). */
  #openingStock(store: Store, productIndex: number): number {
    const prototype = PROTOTYPE_OPENING_STOCK[productIndex];
    if (this.#prototype && store.index < PROTOTYPE_STORES && prototype !== undefined) return prototype * 1000;
    return this.#orderUpTo[store.index * this.#products + productIndex] as number;
  }

  /** One message per event, or several when it has more lines than a message takes. */
  #emit(events: StockEvent[], event: Omit<StockEvent, 'id'>): void {
    for (let start = 0; start < event.lines.length; start += MAX_EVENT_LINES) {
      const lines = event.lines.length <= MAX_EVENT_LINES ? event.lines : event.lines.slice(start, start + MAX_EVENT_LINES);
      events.push({ ...event, id: timeOrderedId(this.#random, event.at), lines });
      this.#events++;
    }
  }

  #product(index: number): Product {
    return this.#catalog.products.product(index);
  }

  /** The store's local calendar day at `at`, as days since 1970-01-01. */
  #localDay(store: Store, at: number): number {
    return Math.floor((at + this.#pattern.clock(store).offsetMinutes(at) * MINUTE_MS) / DAY_MS);
  }

  /** The UTC instant of a local wall-clock time (as ms since 1970 of the local calendar). */
  #utcOf(store: Store, localMs: number): number {
    const clock = this.#pattern.clock(store);
    const guess = localMs - clock.offsetMinutes(localMs) * MINUTE_MS;
    return localMs - clock.offsetMinutes(guess) * MINUTE_MS;
  }

  /** The store's opening hour on local day `day`. */
  #openingOn(store: Store, day: number): number {
    return this.#utcOf(store, day * DAY_MS + openingHours(store, isoDayOfWeek(day)).open * MINUTE_MS);
  }

  /** The store's first count day: its weekday, after the day it opened its stock. */
  #firstCountDay(store: Store, openedAt: number): number {
    const opened = this.#localDay(store, openedAt);
    const ahead = ((this.#countDay[store.index] as number) - isoDayOfWeek(opened) + 7) % 7;
    return opened + (ahead === 0 ? 7 : ahead);
  }
}

const NONE: StockEvent[] = [];

/** 1970-01-01 was a Thursday (ISO day 4). */
function isoDayOfWeek(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

function roundUp(quantity: number, step: number): number {
  return Math.ceil(quantity / step) * step;
}

/** Each store's share of the chain's transactions: its format's traffic over a week, as slots are spread. */
function trafficShares(stores: readonly Store[]): Float64Array {
  const weekly = new Map<StoreFormat, number>();
  const weights = stores.map((store) => {
    let weight = weekly.get(store.format);
    if (weight === undefined) {
      weight = 0;
      for (let isoDayOfWeek = 1; isoDayOfWeek <= 7; isoDayOfWeek++) {
        for (let minuteOfDay = 0; minuteOfDay < 1440; minuteOfDay++) {
          weight += storeTraffic(store, { year: 0, month: 0, day: 0, minuteOfDay, isoDayOfWeek, dateKey: 0 });
        }
      }
      weekly.set(store.format, weight);
    }
    return weight;
  });
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return Float64Array.from(weights, (weight) => weight / total);
}

/**
 * Each product's share of the lines of baskets, estimated by drawing products as shoppers do
 * (ProductCatalog.sample: a category by its share of baskets, then Zipf within it), so that the
 * estimate follows the sampling whatever it becomes. A product too rare to be drawn gets 0, and
 * the least stock (MIN_ORDER).
 */
function lineShares(catalog: Catalog, random: Random): Float64Array {
  const { count } = catalog.products;
  const samples = Math.min(SHARE_SAMPLES[1], Math.max(SHARE_SAMPLES[0], 100 * count));
  const drawn = new Uint32Array(count);
  for (let n = 0; n < samples; n++) {
    const { index } = catalog.products.sample(random);
    drawn[index] = (drawn[index] as number) + 1;
  }
  return Float64Array.from(drawn, (times) => times / samples);
}

/** Pending events by time, then by the order they were planned in (a binary heap). */
class EventQueue {
  readonly #items: { pending: Pending; order: number }[] = [];
  #planned = 0;

  /** When the first one happens; +∞ when there is none. */
  get firstAt(): number {
    return this.#items[0]?.pending.at ?? Number.POSITIVE_INFINITY;
  }

  push(pending: Pending): void {
    const items = this.#items;
    items.push({ pending, order: this.#planned++ });
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(items[i] as QueueItem, items[parent] as QueueItem)) break;
      [items[i], items[parent]] = [items[parent] as QueueItem, items[i] as QueueItem];
      i = parent;
    }
  }

  pop(): Pending | undefined {
    const items = this.#items;
    const first = items[0];
    const last = items.pop();
    if (first && last && items.length > 0) {
      items[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < items.length && before(items[left] as QueueItem, items[least] as QueueItem)) least = left;
        if (right < items.length && before(items[right] as QueueItem, items[least] as QueueItem)) least = right;
        if (least === i) break;
        [items[i], items[least]] = [items[least] as QueueItem, items[i] as QueueItem];
        i = least;
      }
    }
    return first?.pending;
  }
}

type QueueItem = { pending: Pending; order: number };

function before(a: QueueItem, b: QueueItem): boolean {
  return a.pending.at < b.pending.at || (a.pending.at === b.pending.at && a.order < b.order);
}
