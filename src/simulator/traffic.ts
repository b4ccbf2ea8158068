import { openingHours, type Store } from '../catalog/stores.ts';
import type { LocalFields } from './local-time.ts';

/**
 * How busy a store is at a local time, relative to an average hour: a quiet early morning, a
 * lunch peak, a larger after-work peak, and busier Fridays and weekends.
 */
function hourlyTraffic(minuteOfDay: number): number {
  const hour = minuteOfDay / 60;
  const awake = hour >= 6 && hour < 23 ? 0.3 : 0.04;
  return awake + 0.3 * bump(hour, 8.5, 1.0) + 1.0 * bump(hour, 12.6, 0.8) + 1.2 * bump(hour, 18.0, 1.2);
}

const DAY_TRAFFIC = [0, 0.9, 0.85, 0.9, 0.95, 1.1, 1.35, 1.15];

function dailyTraffic(isoDayOfWeek: number): number {
  return DAY_TRAFFIC[isoDayOfWeek] ?? 1;
}

/** The store's expected share of traffic at this local time; 0 when it is closed. */
export function storeTraffic(store: Store, local: LocalFields): number {
  const hours = openingHours(store, local.isoDayOfWeek);
  if (local.minuteOfDay < hours.open || local.minuteOfDay >= hours.close) return 0;
  return store.format.traffic * hourlyTraffic(local.minuteOfDay) * dailyTraffic(local.isoDayOfWeek);
}

function bump(x: number, center: number, width: number): number {
  const z = (x - center) / width;
  return Math.exp(-0.5 * z * z);
}
