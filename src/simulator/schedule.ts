import type { Catalog } from '../catalog/catalog.ts';
import type { Store, StoreFormat } from '../catalog/stores.ts';
import { dateKey } from '../domain/date-key.ts';
import type { Random } from '../plumbing/random.ts';
import { type LocalFields, TimeZoneClock } from './local-time.ts';
import { storeTraffic } from './traffic.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** No time zone is more than 14 hours from UTC. */
const ZONE_MARGIN_MS = 14 * 3_600_000;

/** When and where one transaction happens. */
export interface Slot {
  at: number;
  store: number;
}

/** Stores that trade alike: same time zone, same format (so the same hours and traffic). */
interface StoreGroup {
  clock: TimeZoneClock;
  format: StoreFormat;
  stores: Store[];
}

/** The traffic model over the catalog's stores: who is open when, and how busy. */
export class TradingPattern {
  readonly #groups: StoreGroup[];
  readonly #clocks = new Map<string, TimeZoneClock>();

  constructor(catalog: Catalog) {
    const groups = new Map<string, StoreGroup>();
    for (const store of catalog.stores) {
      const key = `${store.region.timezone}|${store.format.name}`;
      let group = groups.get(key);
      if (!group) {
        group = { clock: this.clock(store), format: store.format, stores: [] };
        groups.set(key, group);
      }
      group.stores.push(store);
    }
    // Sorted by time zone, so that groupTraffic converts the time once per zone.
    this.#groups = [...groups.values()].sort((a, b) => a.clock.timezone.localeCompare(b.clock.timezone));
  }

  /** The store's wall clock; one per time zone. */
  clock(store: Store): TimeZoneClock {
    let clock = this.#clocks.get(store.region.timezone);
    if (!clock) {
      clock = new TimeZoneClock(store.region.timezone);
      this.#clocks.set(store.region.timezone, clock);
    }
    return clock;
  }

  /** Each group's traffic at `at` (0 when closed or outside the local dates [fromDate, toDate)). */
  groupTraffic(at: number, weights: Float64Array, fromDate = 0, toDate = Number.POSITIVE_INFINITY): number {
    let total = 0;
    let clock: TimeZoneClock | undefined;
    // Stores are grouped by clock, so the local time is worked out once per time zone.
    let local!: LocalFields;
    this.#groups.forEach((group, i) => {
      if (group.clock !== clock) {
        clock = group.clock;
        local = clock.local(at);
      }
      const inWindow = local.dateKey >= fromDate && local.dateKey < toDate;
      const weight = inWindow ? group.stores.length * storeTraffic(group.stores[0] as Store, local) : 0;
      weights[i] = weight;
      total += weight;
    });
    return total;
  }

  /** A store open at `at`, chosen in proportion to its traffic; undefined when every store is closed. */
  pickStore(
    at: number,
    random: Random,
    weights = new Float64Array(this.#groups.length),
    total = this.groupTraffic(at, weights),
  ): number | undefined {
    if (total <= 0) return undefined;
    let left = random.next() * total;
    for (let i = 0; i < this.#groups.length; i++) {
      left -= weights[i] ?? 0;
      if (left < 0 || i === this.#groups.length - 1) {
        const stores = (this.#groups[i] as StoreGroup).stores;
        return (stores[Math.floor(random.next() * stores.length)] as Store).index;
      }
    }
    return undefined;
  }

  get groupCount(): number {
    return this.#groups.length;
  }
}

/**
 * Exactly `count` slots over `days` local days from `startDate` (YYYY-MM-DD), in time order,
 * spread by the trading pattern: each minute gets its share of the count (rounded so the shares
 * add up), and each slot in it a store in proportion to its traffic.
 */
export function* backfillSchedule(
  pattern: TradingPattern,
  random: Random,
  options: { count: number; startDate: string; days: number },
): Generator<Slot> {
  const startMs = Date.parse(`${options.startDate}T00:00:00Z`);
  const fromDate = dateKey(options.startDate);
  const toDate = dateKey(new Date(startMs + options.days * DAY_MS).toISOString());
  const first = startMs - ZONE_MARGIN_MS;
  const minutes = Math.ceil((options.days * DAY_MS + 2 * ZONE_MARGIN_MS) / MINUTE_MS);
  const weights = new Float64Array(pattern.groupCount);

  const cumulative = new Float64Array(minutes);
  let total = 0;
  for (let m = 0; m < minutes; m++) {
    total += pattern.groupTraffic(first + m * MINUTE_MS + MINUTE_MS / 2, weights, fromDate, toDate);
    cumulative[m] = total;
  }
  if (total <= 0) return;

  let emitted = 0;
  for (let m = 0; m < minutes && emitted < options.count; m++) {
    const sofar = cumulative[m] as number;
    const due = sofar >= total ? options.count : Math.floor((options.count * sofar) / total);
    const inMinute = due - emitted;
    if (inMinute <= 0) continue;
    const minuteStart = first + m * MINUTE_MS;
    const minuteTraffic = pattern.groupTraffic(minuteStart + MINUTE_MS / 2, weights, fromDate, toDate);
    const offsets = Array.from({ length: inMinute }, () => Math.floor(random.next() * MINUTE_MS)).sort((a, b) => a - b);
    for (const offset of offsets) {
      const store = pattern.pickStore(minuteStart + offset, random, weights, minuteTraffic);
      if (store !== undefined) yield { at: minuteStart + offset, store };
    }
    emitted = due;
  }
}
